"""The quality gate (``validate``, ``build``) never leaks and never fails open, whatever the input: one test per
finding of the attacker's probe. Hostile inputs are generated into tmp_path, small; each test takes seconds."""

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest

from tehkg import cli
from tehkg.loader.store_layout import current_store
from tehkg.vocab import DATASET_IRI, METADATA_GRAPH, VOID
from tests.conftest import FIXTURES, PROJECT_ROOT

VALID = FIXTURES / "valid" / "mini.trig"
GATE = FIXTURES / "gate"
SECRET = "CANARY-5ecret-7f3e9a"  # must never appear in the gate's output


def folder_with(tmp_path: Path, *files: Path, name: str = "data") -> Path:
    """A folder holding copies of ``files`` (the files of one folder share their graphs)."""
    folder = tmp_path / name
    folder.mkdir()
    for file in files:
        (folder / file.name).write_bytes(file.read_bytes())
    return folder


def gate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``tehkg ARGS`` in this process: exit code, stdout, stderr."""
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- finding 1: symlinks and echoed input


@pytest.mark.parametrize("suffix", [".rdf", ".ttl", ".nt", ".jsonld"])
def test_symlink_out_of_the_tree_is_refused_without_its_content(suffix, tmp_path, capsys):
    secret = tmp_path / "config"
    secret.write_text(f"[remote]\n\turl = https://{SECRET}@example.org/repo\n")
    data = folder_with(tmp_path, VALID)
    link = data / f"x{suffix}"
    link.symlink_to(Path("..") / "config")
    for command in (["validate", str(data)], ["build", str(data), "--store", str(tmp_path / "store")]):
        code, out, err = gate(capsys, *command)
        assert code == cli.EXIT_UNREADABLE
        assert err == f"error: {link}: is a symbolic link out of {data}: not followed\n"
        assert SECRET not in out + err
    # named as an argument, a link is refused whatever it points to (the caller may have globbed contributed files)
    environ = tmp_path / "environ.rdf"
    environ.symlink_to("/proc/self/environ")
    for argument in (link, environ):
        code, out, err = gate(capsys, "validate", str(argument))
        assert code == cli.EXIT_UNREADABLE
        assert err == f"error: {argument}: is a symbolic link: name the file or folder it points to\n"
        assert SECRET not in out + err
    # a linked folder out of the tree is refused too; a link between the files of the folder given is followed
    link.unlink()
    (data / "more").symlink_to(tmp_path)
    assert (
        gate(capsys, "validate", str(data))[2]
        == f"error: {data / 'more'}: is a symbolic link out of {data}: not followed\n"
    )
    (data / "more").unlink()
    (data / "alias.trig").symlink_to("mini.trig")
    assert gate(capsys, "validate", str(data))[0] == cli.EXIT_OK


def test_parse_error_quotes_a_short_escaped_excerpt(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    bad = data / "x.rdf"  # not XML at all: the parser's message quotes the whole text
    bad.write_text("[core]\n\trepositoryformatversion = 0\n" + "Z" * 10_000)
    code, out, err = gate(capsys, "validate", str(data))
    assert code == cli.EXIT_UNREADABLE and out == ""
    prefix = f"error: {bad}: "
    assert err.startswith(prefix) and err.count("\n") == 1
    quoted = err[len(prefix) : -1]
    whole = "Unexpected text event: '[core]\\n\\trepositoryformatversion = 0\\n" + "Z" * 10_000
    assert quoted == whole[:79] + "…"  # 80 characters, line breaks escaped


# ---------------------------------------------------------------- finding 2: depth, size and memory bounds


def test_deeply_nested_jsonld_is_exit_2_not_a_segfault(tmp_path):
    nested = tmp_path / "nested.jsonld"
    nested.write_text('{"@id": "e:a", "e:p": ' * 5000 + '"x"' + "}" * 5000)
    assert nested.stat().st_size < 120_000
    result = subprocess.run(  # a crash must be observed: the whole command, in its own process
        [sys.executable, "-m", "tehkg.cli", "validate", str(nested)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TEHKG_PARSE_MEMORY": str(512 << 20)},
    )
    assert result.returncode == cli.EXIT_UNREADABLE
    assert result.stderr == (
        f"error: {nested}: parsing needs more than {512 << 20} bytes of memory (TEHKG_PARSE_MEMORY)\n"
    )


def test_parser_crash_is_exit_2(tmp_path, capsys):
    nested = tmp_path / "nested.ttl"  # RDF 1.2 triple terms: the parser recurses until its stack overflows
    depth = 30_000
    nested.write_text(
        "<http://example.org/a> <http://example.org/p> "
        + "<<( <http://example.org/a> <http://example.org/p> " * depth
        + '"x"'
        + " )>>" * depth
        + " .\n"
    )
    code, _, err = gate(capsys, "validate", str(nested))
    assert code == cli.EXIT_UNREADABLE
    assert err == f"error: {nested}: the parser crashed (SIGSEGV); is the input nested too deeply?\n"


def test_nested_turtle_collection_is_exit_2_within_the_memory_limit(tmp_path, capsys, monkeypatch):
    nested = tmp_path / "nested.ttl"
    depth = 1_000_000
    nested.write_text("<http://example.org/a> <http://example.org/p> " + "( " * depth + ")" * depth + " .\n")
    monkeypatch.setenv("TEHKG_PARSE_MEMORY", str(128 << 20))
    code, _, err = gate(capsys, "validate", str(nested))
    assert code == cli.EXIT_UNREADABLE
    assert err == f"error: {nested}: parsing needs more than {128 << 20} bytes of memory (TEHKG_PARSE_MEMORY)\n"


def test_deeply_nested_rdf_xml_is_exit_2_within_the_cpu_limit(tmp_path, capsys, monkeypatch):
    nested = tmp_path / "nested.rdf"  # the parser's time grows with the cube of the depth: minutes at 50 000
    depth = 20_000
    nested.write_text(
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:ex="http://example.org/">'
        + "<rdf:Description><ex:p>" * depth
        + "</ex:p></rdf:Description>" * depth
        + "</rdf:RDF>"
    )
    monkeypatch.setenv("TEHKG_PARSE_SECONDS", "1")
    code, _, err = gate(capsys, "validate", str(nested))
    assert code == cli.EXIT_UNREADABLE
    assert err == f"error: {nested}: parsing took over 1 s of CPU (TEHKG_PARSE_SECONDS)\n"


def test_huge_literal_is_exit_2_not_a_memory_error(tmp_path, capsys):
    huge = tmp_path / "huge.ttl"
    huge.write_text('<http://example.org/a> <http://example.org/p> "' + "x" * (20 << 20) + '" .\n')
    code, _, err = gate(capsys, "validate", str(huge))
    assert code == cli.EXIT_UNREADABLE
    assert err == f"error: {huge}: Reached the buffer maximal size of 16777216\n"


@pytest.mark.parametrize("name", ["TEHKG_PARSE_MEMORY", "TEHKG_PARSE_SECONDS"])
def test_malformed_limit_is_exit_2_naming_it(name, capsys, monkeypatch):
    monkeypatch.setenv(name, "lots")
    code, _, err = gate(capsys, "validate", str(VALID))
    assert code == cli.EXIT_UNREADABLE
    assert err == f"error: {name}: input should be a valid integer, unable to parse string as an integer (got 'lots')\n"


# ---------------------------------------------------------------- finding 3: the default graph


def test_default_graph_triples_are_refused_with_their_position(tmp_path, capsys):
    triple = '<https://w3id.org/tehkg/id/a> <http://example.org/p> "text"'
    graph = "<https://w3id.org/tehkg/graph/x>"
    cases = {  # file: text, line and column of the triple in the default graph
        "x.trig": (f"{graph} {{ {triple} . }}\n\n  {triple} .\n", 3, 3),
        "x.nq": (f"{triple} {graph} .\n{triple} .\n", 2, 1),
    }
    for name, (text, line, column) in cases.items():
        source = tmp_path / name
        source.write_text(text)
        root = tmp_path / f"store-{name}"
        for command in (["validate", str(source)], ["build", str(source), "--store", str(root), "--no-validate"]):
            code, _, err = gate(capsys, *command)
            assert code == cli.EXIT_UNREADABLE
            assert err == (
                f"error: {source}:{line}:{column}: a triple in the default graph has no owner and no provenance:"
                " put it in a named graph\n"
            )
        assert current_store(root) is None


# ---------------------------------------------------------------- finding 4: nothing to read is not "conforms"


def test_folder_without_readable_rdf_is_exit_2_for_validate_and_build(tmp_path, capsys):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "mini.turtle").write_bytes(VALID.read_bytes())
    (folder / "mini.ttl.txt").write_bytes(VALID.read_bytes())
    refused = f"error: {folder}: no RDF file (.ttl, .trig, .nt, .nq, .jsonld, .rdf, .owl) in this folder\n"
    for command in (["validate", str(folder)], ["build", str(folder), "--store", str(tmp_path / "store")]):
        code, out, err = gate(capsys, *command)
        assert (code, out, err) == (cli.EXIT_UNREADABLE, "", refused)


# ---------------------------------------------------------------- finding 5: NaN and infinities in statistics


def test_non_finite_statistics_are_violations(tmp_path, capsys):
    data = folder_with(tmp_path, VALID, GATE / "non-finite-statistics.trig")
    code, out, _ = gate(capsys, "validate", str(data))
    assert code == cli.EXIT_INVALID
    for year, value in (("2031", "NaN"), ("2032", "INF"), ("2033", "-INF")):
        assert (
            f"VIOLATION https://w3id.org/tehkg/id/observation/test/{year}\n"
            "  - [Statistical observation] path http://purl.org/linked-data/sdmx/2009/measure#obsValue"
            f" value {value}: An observation has exactly one numeric value (sdmx-measure:obsValue),"
            " a finite one: not NaN, INF or -INF\n"
        ) in out
    assert "does NOT conform: 3 violation(s)" in out


# ---------------------------------------------------------------- finding 6: a well-formed JUnit report


def test_junit_report_is_well_formed_with_control_characters(tmp_path, capsys):
    control = tmp_path / "control.trig"
    control.write_text(
        "<https://w3id.org/tehkg/graph/test-plan> { <https://w3id.org/tehkg/id/plan/2030-2032/measure/1>"
        ' <http://www.w3.org/2004/02/skos/core#altLabel> "a\\u0001b\\u000bc" . }\n'
    )
    data = folder_with(tmp_path, VALID, control)
    report = tmp_path / "report.xml"
    code, _, _ = gate(capsys, "validate", str(data), "--format", "junit", "-o", str(report))
    assert code == cli.EXIT_INVALID
    suite = ET.parse(report).getroot()
    texts = [failure.text for failure in suite.iter("failure") if failure.text]
    assert any(
        text.endswith("Untagged text; add @fr (or @en in the translations graph): a\\x01b\\x0bc") for text in texts
    )


# ---------------------------------------------------------------- finding 7: the build lock


def test_lock_symlink_is_never_followed_nor_truncated(tmp_path, capsys):
    root = tmp_path / "store"
    root.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (root / ".lock").symlink_to(victim)
    code, _, err = gate(capsys, "build", str(VALID), "--store", str(root))
    assert code == cli.EXIT_ENVIRONMENT
    assert f"error: the lock file is a symbolic link: remove it ({root / '.lock'})" in err
    assert victim.read_text() == "precious" and current_store(root) is None
    (root / ".lock").unlink()
    (root / ".lock").write_text("kept")
    assert gate(capsys, "build", str(VALID), "--store", str(root))[0] == cli.EXIT_OK
    assert (root / ".lock").read_text() == "kept"


# ---------------------------------------------------------------- finding 8: a dump of a store round-trips


def test_exported_dump_validates_and_builds_again(shipped_store, tmp_path, capsys):
    dump = tmp_path / "all.nq"
    assert gate(capsys, "export", "--store", str(shipped_store), "-o", str(dump))[0] == cli.EXIT_OK
    code, out, err = gate(capsys, "validate", str(dump))
    assert code == cli.EXIT_OK, err
    assert out.splitlines()[-1].startswith("conforms: 0 violation(s)")
    triples = (ox.NamedNode(DATASET_IRI), ox.NamedNode(VOID + "triples"), None, ox.NamedNode(METADATA_GRAPH))
    served = ox.Store.read_only(str(current_store(shipped_store)))
    (counted,) = served.quads_for_pattern(*triples)
    forged = [  # the builder's statistics of an input are dropped and recomputed, never trusted
        ox.Quad(q.subject, q.predicate, ox.Literal("999999999", datatype=counted.object.datatype), q.graph_name)
        if q == counted
        else q
        for q in ox.parse(path=str(dump), format=ox.RdfFormat.N_QUADS)
    ]
    dump.write_bytes(ox.serialize(forged, format=ox.RdfFormat.N_QUADS))
    root = tmp_path / "store"
    assert gate(capsys, "build", str(dump), "--store", str(root))[0] == cli.EXIT_OK
    rebuilt = ox.Store.read_only(str(current_store(root)))
    assert [q.object for q in rebuilt.quads_for_pattern(*triples)] == [counted.object]
