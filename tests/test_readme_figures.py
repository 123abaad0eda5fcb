"""Every figure of the README's performance, scaling and gate sections is copied from a report that a script of
bench/ wrote, and every report opens with the line that reruns it (bench/provenance.py): the command under bench/,
the commit, the date and the machine.

The sections are those whose heading speaks of performance, scale or scaling, benchmarks or Virtuoso, each with
its subsections. Each names the reports it quotes (``bench/NAME.md``) and quotes, in code, the command of each
as the report's opening line gives it (its ``--note``, a sentence for the report, aside: it changes no figure);
each of its figures must be found in one of those reports.

A figure is a number in a table cell of those sections that holds no words (its header gives the unit), or a
number followed by a unit: ``×``, ``%``, a time, a size in bytes, a rate, or a count of quads, triples, queries,
requests, clients, cores or workers; a number with ``k`` or ``M`` (``14k``, ``1M``: a graph's size) is one too.
Both ends of a range or pair (``53–60 s``, ``3.7 / 20.6 ms``) take the unit that follows. Numbers in code
(commands, options) are not figures, nor are dates, versions or section numbers, which carry no unit. Thousands
separators (``19 590``, ``1,014,241``) are dropped on both sides; a figure must be found as written otherwise
(``0.4`` is not ``0.39``). A figure is looked for among every number of the reports its section names, units and
context aside: a wrong figure that happens to equal another number of those reports passes.
"""

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"

FIGURE_HEADING = re.compile(r"performance|\bscal(?:e|es|ing|ability)\b|benchmark|virtuoso", re.IGNORECASE)
REPORT_NAME = re.compile(r"\bbench/([\w-]+\.md)\b")
WRITTEN_BY = re.compile(
    r"^Written by `(?P<command>python (?P<script>bench/[\w-]+\.py)[^`]*)` at commit [0-9a-f]{7,40}\b"
)

SEPARATOR = "[,\u00a0\u202f\u2009 ]"  # between groups of three digits: comma, (narrow/thin) no-break space, space
NUMBER = re.compile(
    rf"(?<![\w.,/-])(?:\d{{1,3}}(?:{SEPARATOR}\d{{3}})+(?!\d)|\d+)(?:\.\d+)?(?:[kM](?![\w]))?(?![\w.]\d)"
)
# what may join the numbers of a range or pair: 53–60, 2.5-2.8, 3.7 / 20.6, 1.17× to 1.26×
JOIN = re.compile(r"\s*(?:×|%)?\s*(?:–|-|/|to|and)\s*")
UNIT = re.compile(
    r"\s*(?:×|%)|[\s-]*(?:ms|s|min|µs|[KMG]i?B|kB|q/s|req/s|queries|query|quads|triples|requests|clients|cores"
    r"|workers)(?![\w/])",
)

LETTER = re.compile(r"[^\W\d_]")


def normalised(number: str) -> str:
    """A number without its thousands separators."""
    return re.sub(rf"(?<=\d){SEPARATOR}(?=\d{{3}})", "", number)


@dataclass
class Section:
    heading: str  # as written
    level: int
    prose: list[str] = field(default_factory=list)  # each heading, paragraph or list item, code taken out
    cells: list[str] = field(default_factory=list)  # each table cell, code taken out
    code: list[str] = field(default_factory=list)  # code spans and blocks

    @property
    def text(self) -> str:
        return "\n".join([self.heading, *self.prose, *self.cells, *self.code])


def sections(markdown: str) -> list[Section]:
    """The document cut at its headings, in order (the text before the first heading is left out)."""
    found: list[Section] = []
    in_table = heading_level = 0
    for token in MarkdownIt("commonmark").enable("table").parse(markdown):
        if token.type == "heading_open":
            heading_level = int(token.tag[1:])
        elif token.type in ("table_open", "table_close"):
            in_table = token.type == "table_open"
        elif token.type in ("fence", "code_block") and found:
            found[-1].code.append(token.content)
        elif token.type == "inline":
            words, code = [], []
            for child in token.children or []:
                if child.type == "code_inline":
                    code.append(child.content)
                    words.append(" ")
                elif child.type in ("softbreak", "hardbreak"):
                    words.append(" ")
                elif child.type == "text":
                    words.append(child.content)
            text = "".join(words)
            if heading_level:
                found.append(Section(token.content, heading_level, prose=[text], code=code))
                heading_level = 0
            elif found:
                (found[-1].cells if in_table else found[-1].prose).append(text)
                found[-1].code.extend(code)
    return found


def figure_sections(markdown: str) -> list[Section]:
    """The sections whose heading speaks of performance, scale, benchmarks or Virtuoso, each with its subsections
    folded in (a subsection of a chosen section is not chosen again)."""
    chosen = []
    cut = sections(markdown)
    index = 0
    while index < len(cut):
        section = cut[index]
        index += 1
        if not FIGURE_HEADING.search(section.heading):
            continue
        whole = Section(section.heading, section.level, list(section.prose), list(section.cells), list(section.code))
        while index < len(cut) and cut[index].level > section.level:
            sub = cut[index]
            whole.prose += sub.prose
            whole.cells += sub.cells
            whole.code += sub.code
            index += 1
        chosen.append(whole)
    return chosen


def prose_figures(text: str) -> list[str]:
    """The figures of a run of prose: numbers followed by a unit, with the other ends of their ranges, and sizes."""
    figures: list[str] = []
    pending: list[str] = []  # numbers joined by a range or pair, waiting for their unit
    previous_end = None
    for match in NUMBER.finditer(text):
        if previous_end is not None and not JOIN.fullmatch(text[previous_end : match.start()]):
            pending = []
        number = match.group()
        if number[-1] in "kM":
            figures.append(number)
            pending, previous_end = [], match.end()
            continue
        pending.append(number)
        previous_end = match.end()
        if UNIT.match(text, match.end()):
            figures += pending
            pending = []
    return figures


def figures(section: Section) -> list[str]:
    """Every figure of a section, as written (thousands separators kept, for the message)."""
    found = [figure for text in section.prose for figure in prose_figures(text)]
    for cell in section.cells:
        numeric = not LETTER.search(NUMBER.sub("", cell))  # its header gives the unit
        found += [number.group() for number in NUMBER.finditer(cell)] if numeric else prose_figures(cell)
    return found


def numbers(report: str) -> set[str]:
    """Every number of a report, thousands separators dropped."""
    return {normalised(number.group()) for number in NUMBER.finditer(report)}


def rerun(command: str) -> str | None:
    """A command as it reruns the measurement: shell-normalised, its ``--note`` and the note dropped (None when
    it is not a shell command line)."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    kept = []
    for index, word in enumerate(words):
        if word == "--note" or word.startswith("--note=") or (index and words[index - 1] == "--note"):
            continue
        kept.append(word)
    return shlex.join(kept)


def commands(report: str) -> list[str]:
    """The commands a report says wrote it, from each of its ``Written by`` lines, as they rerun it."""
    return [
        command
        for line in report.splitlines()
        if (match := WRITTEN_BY.match(line)) and (command := rerun(match["command"]))
    ]


def quoted_commands(section: Section) -> set[str]:
    """Every command line a section quotes in code (a span, or a line of a block), as it reruns."""
    return {command for code in section.code for line in code.splitlines() if (command := rerun(line.strip()))}


def opening_problems(name: str, report: str) -> list[str]:
    """What is wrong with a report's opening: its first line after the title must be its ``Written by`` line,
    naming a script of bench/ that exists and a commit."""
    lines = [line for line in report.splitlines() if line.strip() and not line.startswith("#")]
    if not lines or not (match := WRITTEN_BY.match(lines[0])):
        return [f"bench/{name} does not open with a `Written by `python bench/SCRIPT.py ...` at commit SHA` line"]
    if not (ROOT / match["script"]).is_file():
        return [f"bench/{name} names {match['script']}, which does not exist"]
    return []


def figure_problems(readme: str, reports: dict[str, str]) -> list[str]:
    """What is wrong with the figure sections of ``readme``, given the reports of bench/ by file name: a section
    that names no report, a report named but absent, a report's command not quoted, a figure in none of the
    section's reports."""
    problems = []
    for section in figure_sections(readme):
        named = sorted(set(REPORT_NAME.findall(section.text)))
        if not named:
            problems.append(f"README › {section.heading}: names no bench/*.md report for its figures")
        found: set[str] = set()
        for name in named:
            if name not in reports:
                problems.append(f"README › {section.heading}: bench/{name} does not exist")
                continue
            found |= numbers(reports[name])
            if not quoted_commands(section) & set(commands(reports[name])):
                problems.append(
                    f"README › {section.heading}: does not quote the command of bench/{name} "
                    f"(one of {commands(reports[name]) or 'none: the report has no Written by line'})"
                )
        for figure in figures(section):
            if named and normalised(figure) not in found:
                problems.append(f"README › {section.heading}: {figure} is in none of {', '.join(named)}")
    return problems


def bench_reports() -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(BENCH.glob("*.md"))}


def test_every_figure_of_the_readme_figure_sections_is_in_a_report_it_names() -> None:
    assert figure_problems((ROOT / "README.md").read_text(), bench_reports()) == []


def test_the_readme_performance_and_gate_sections_are_the_ones_checked() -> None:
    headings = [section.heading for section in figure_sections((ROOT / "README.md").read_text())]
    assert any(heading.startswith("Performance") for heading in headings), headings
    assert "Quality gate at scale" in headings


def test_every_report_opens_with_the_line_that_reruns_it() -> None:
    reports = bench_reports()
    assert reports
    assert [problem for name, text in reports.items() for problem in opening_problems(name, text)] == []


REPORT = """# Benchmark report

Written by `python bench/run.py --sizes 14000 --note 'Shared machine.'` at commit 0123456789 on 2026-12-07 07:00 UTC; machine: 2 cores.

Shared machine.

## 14k (14 404 quads)

| endpoint | q/s cold, 8 clients |
|---|---|
| tehkg | 1171.7 |

- tehkg / oxigraph serve, cold 8 clients: **1.20×**; ran 53 to 60 s at 2,001 MiB
"""

REPORTS = {"REPORT.md": REPORT}
HEADING = "Performance (measured: `python bench/run.py --sizes 14000`, 2 cores; table in `bench/REPORT.md`)"
README = """# tool

Built on 2026-12-07 with SPARQL 1.1, section 16.4, version 7; took 99 s (a figure outside the sections checked).

## {heading}

At 14k quads tehkg answers {rate} q/s cold with 8 clients, {ratio}× `oxigraph serve` (`--seconds 10 --repeat 5`),
in 53–60 s, 2 001 MiB peak.

| | 14k quads |
|---|---|
| tehkg / `oxigraph serve` | {cell}× |

```
python bench/run.py --repeat 77 s
```

### Details

Between 12 and 40 of them, on 2026-12-07.

## Licences

Figures outside: 3.14×.
"""


def test_copied_figures_pass_and_code_dates_versions_and_other_sections_are_not_figures() -> None:
    readme = README.format(heading=HEADING, rate="1171.7", ratio="1.20", cell="1.20")
    (section,) = figure_sections(readme)
    assert section.heading.startswith("Performance")
    assert figures(section) == ["2", "14k", "1171.7", "8", "1.20", "53", "60", "2 001", "14k", "1.20"]
    assert figure_problems(readme, {"REPORT.md": REPORT}) == []


def test_a_planted_wrong_figure_is_reported() -> None:
    readme = README.format(heading=HEADING, rate="1171.7", ratio="1.21", cell="1.2")
    assert figure_problems(readme, {"REPORT.md": REPORT}) == [
        f"README › {HEADING}: 1.21 is in none of REPORT.md",
        f"README › {HEADING}: 1.2 is in none of REPORT.md",
    ]


def test_a_section_must_name_its_report_and_quote_its_command() -> None:
    unnamed = README.format(heading=HEADING, rate="1171.7", ratio="1.20", cell="1.20").replace(
        "`bench/REPORT.md`", "the report"
    )
    assert figure_problems(unnamed, {"REPORT.md": REPORT}) == [
        f"README › {HEADING.replace('`bench/REPORT.md`', 'the report')}: names no bench/*.md report for its figures"
    ]
    other_command = README.format(heading=HEADING, rate="1171.7", ratio="1.20", cell="1.20").replace(
        "--sizes 14000`", "`"
    )
    assert figure_problems(other_command, {"REPORT.md": REPORT}) == [
        f"README › {HEADING.replace('--sizes 14000`', '`')}: does not quote the command of bench/REPORT.md "
        "(one of ['python bench/run.py --sizes 14000'])"
    ]
    longer = HEADING.replace("--sizes 14000`", "--sizes 14000 1000000`")
    assert figure_problems(README.format(heading=longer, rate="1171.7", ratio="1.20", cell="1.20"), REPORTS) == [
        f"README › {longer}: does not quote the command of bench/REPORT.md "
        "(one of ['python bench/run.py --sizes 14000'])"
    ]


def test_the_note_of_a_command_is_not_part_of_what_must_be_quoted() -> None:
    for quoted in ("--sizes 14000 --note 'Another sentence.'`", "--note=Shared --sizes 14000`"):
        heading = HEADING.replace("--sizes 14000`", quoted)
        assert figure_problems(README.format(heading=heading, rate="1171.7", ratio="1.20", cell="1.20"), REPORTS) == []


def test_a_report_without_its_opening_line_is_reported() -> None:
    assert opening_problems("REPORT.md", REPORT) == []
    undated = REPORT.replace("Written by", "Measured by")
    assert opening_problems("REPORT.md", undated) == [
        "bench/REPORT.md does not open with a `Written by `python bench/SCRIPT.py ...` at commit SHA` line"
    ]
    elsewhere = REPORT.replace("bench/run.py", "bench/gone.py")
    assert opening_problems("REPORT.md", elsewhere) == ["bench/REPORT.md names bench/gone.py, which does not exist"]
