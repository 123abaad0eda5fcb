"""What several pages gather alike: named IRIs, the plan above a node, each statement's sources (document, place,
quotes) and the passage quoting a given text or name, a node as lists name it, a node's own texts, the legal texts
cited, and the small rules for numbers and names."""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from tehkg.endpoint.pages.reader import Reader, values_clause
from tehkg.loader.search_index import fold
from tehkg.vocab import ELI, OA, SKOS, TEH

# The nodes a plan numbers (« Mesure 3 », « Axe 1 », a draft measure): lists name them by kind, number and title.
PLAN_PARTS = tuple(TEH + k for k in ("Measure", "DraftMeasure", "Priority", "Axis", "Action"))


@dataclass(frozen=True)
class Named:
    """An IRI and what a page shows for it; the link rule (links.py) decides whether it becomes a link."""

    iri: str
    text: str
    title: str = ""  # shown on hover


@dataclass(frozen=True)
class Source:
    """Where a statement is printed: the document by its title, the place in it, and the quotes kept of it."""

    document: Named
    locator: str
    quotes: tuple[str, ...]


@dataclass(frozen=True)
class Titled:
    """A node as a list names it, and where it sorts there: by the plan it is part of or about (its notation), the
    number of what it is about (its own, for a measure or section), its kind, its own number: what is said of a
    measure follows it."""

    link: Named
    key: tuple


@dataclass(frozen=True)
class Text:
    """A text a document prints as a node's own (a plan's foreword, its introduction): the property's name, the
    words (in the page's language when there, else as printed), their language, and the passages quoting them."""

    name: str
    text: str
    lang: str
    sources: list[Source]


def named(iri: str, names: dict[str, str], text: str | None = None) -> Named:
    """``iri`` by ``text``, else its name, else the last segment of its path."""
    return Named(iri, text if text is not None else names.get(iri, iri.rsplit("/", 1)[-1]))


def in_lang(values: list, lang: str) -> str | None:
    """The value in ``lang``, else the French one, else any."""
    ranked = sorted(values, key=lambda v: (v.language != lang, v.language != "fr"))
    return ranked[0].value if ranked else None


def number(notation: ox.Literal | None) -> tuple[int, str]:
    """A sort key putting printed numbers in numeric order, other notations after them."""
    text = notation.value if notation is not None else ""
    return (int(text), "") if text.isdigit() else (10**6, text)


def upper_first(text: str) -> str:
    """``text`` with a capital first letter, the rest as written (« actions de l'État » → « Actions de l'État »)."""
    return text[:1].upper() + text[1:]


def numbered(kind: str, n: str, title: str) -> str:
    """A node by its kind, number and title: « Mesure 3 — Soutenir des campagnes… »."""
    return " — ".join(part for part in (f"{upper_first(kind)} {n}".strip(), title) if part)


def statement_name(kind: str, n: str, target_kind: str, target_n: str) -> str:
    """A recommendation, finding or proposal by kind, number and what it is about: « Proposition 3 (mesure 12) »."""
    about = f" ({target_kind} {target_n})" if target_n else ""
    return f"{upper_first(kind)} {n}".strip() + about


def squeezed(text: str) -> str:
    """``text`` as quotes, texts and names are compared: lower case, no accents, one apostrophe, single spaces."""
    return " ".join(fold(text).replace("’", "'").split())


def naming(names: Iterable[str]) -> Callable[[str], bool]:
    """Whether a quote names one of ``names`` (as whole words, whatever the case and accents)."""
    words = sorted({squeezed(n) for n in names} - {""}, key=len, reverse=True)
    if not words:
        return lambda quote: False
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")
    return lambda quote: pattern.search(squeezed(quote)) is not None


def part_of(text: str) -> Callable[[str], bool]:
    """Whether a quote is part of ``text`` (whatever the case, accents and spacing)."""
    within = squeezed(text)
    return lambda quote: squeezed(quote) in within


def passages_saying(found: list[dict], says: Callable[[str], bool]) -> list[dict]:
    """The rows of passages (as :func:`passages_by` reads them) whose quote ``says`` what a page cites them for, or
    all of them when no quote does: a node's passages are many (its role lines, each sentence naming a body…), the
    one to show beside a link or a text is the one quoting its words."""
    return [r for r in found if "exact" in r and says(r["exact"].value)] or found


async def values_of(reader: Reader, iri: str) -> dict[str, list]:
    """The objects of ``iri`` by property."""
    values: dict[str, list] = defaultdict(list)
    for r in await reader.rows(f"SELECT ?p ?o {{ <{iri}> ?p ?o }}"):
        values[r["p"].value].append(r["o"])
    return values


async def crumbs(reader: Reader, iri: str) -> list[Named]:
    """The plan and sections above ``iri``, the plan first, each by kind and number (« Axe 1 ») titled by its name."""
    found = await reader.rows(f"""PREFIX teh: <{TEH}> SELECT ?up ?type ?n (COUNT(?mid) AS ?depth) {{
        <{iri}> teh:isComponentOf+ ?up . ?up teh:isComponentOf* ?mid ; a ?type FILTER(STRSTARTS(STR(?type), "{TEH}"))
        OPTIONAL {{ ?up <{SKOS}notation> ?n }} }} GROUP BY ?up ?type ?n ORDER BY ?depth""")
    names = await reader.labels({r[k].value for r in found for k in ("up", "type")})
    out = []
    for r in found:
        up = r["up"].value
        text = f"{upper_first(names.get(r['type'].value, ''))} {r['n'].value}" if "n" in r else names.get(up, "")
        out.append(Named(up, text, names.get(up, "")))
    return out


async def sources(reader: Reader, subjects: set[str]) -> dict[str, list[Source]]:
    """The passages quoting each subject, once each: the document by its title, the locator, the exact quotes."""
    if not subjects:
        return {}
    found = await reader.rows(f"""PREFIX teh: <{TEH}> PREFIX oa: <{OA}> SELECT ?s ?p ?doc ?loc ?exact {{
        VALUES ?s {{ {" ".join(f"<{s}>" for s in subjects)} }} ?s teh:passage ?p . ?p oa:hasSource ?doc .
        OPTIONAL {{ ?p teh:locator ?loc }} OPTIONAL {{ ?p oa:hasSelector/oa:exact ?exact }} }}""")
    return await passages_by(reader, found, "s")


async def passages_by(reader: Reader, found: list[dict], key: str) -> dict[str, list[Source]]:
    """Rows of passages (``?p``, ``?doc``, optional ``?loc`` and ``?exact``: one row per quote) as the sources of
    each value of ``?key``: a passage once, with all its quotes."""
    names = await reader.labels({r["doc"].value for r in found if "doc" in r})
    passages: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    for r in found:
        if "doc" in r:
            at = (r[key].value, str(r["p"]), r["doc"].value, r["loc"].value if "loc" in r else "")
            if "exact" in r and r["exact"].value not in passages[at]:
                passages[at].append(r["exact"].value)
            passages.setdefault(at, [])
    out: dict[str, list[Source]] = defaultdict(list)
    for (subject, _, doc, locator), quotes in passages.items():
        out[subject].append(Source(named(doc, names), locator, tuple(quotes)))
    return out


async def titled(reader: Reader, nodes: set[str]) -> dict[str, Titled]:
    """Each node as lists name it: a measure, draft or section by kind, number and title (« Mesure 3 — Soutenir… »),
    a statement about a numbered node by kind, number and what it is about (« Proposition 3 (mesure 12) »),
    anything else by its name."""
    if not nodes:
        return {}
    found = await reader.rows(f"""PREFIX teh: <{TEH}> SELECT ?s ?type ?n ?tt ?tn ?plan {{
        VALUES ?s {{ {values_clause(nodes)} }}
        OPTIONAL {{ ?s a ?type FILTER(STRSTARTS(STR(?type), "{TEH}")) }} OPTIONAL {{ ?s <{SKOS}notation> ?n }}
        OPTIONAL {{ ?s <{OA}hasTarget> ?t . ?t <{SKOS}notation> ?tn ; a ?tt FILTER(STRSTARTS(STR(?tt), "{TEH}")) }}
        OPTIONAL {{ ?s <{OA}hasTarget>?/(teh:isComponentOf|teh:inPlan)* ?p . ?p a teh:ActionPlan ;
          <{SKOS}notation> ?plan }} }}""")
    names = await reader.labels(nodes | {r[k].value for r in found for k in ("type", "tt") if k in r})
    first: dict[str, dict] = {}  # a node of several targets or types: one, the same on every page
    for r in sorted(found, key=lambda r: (number(r.get("tn")), sorted((k, t.value) for k, t in r.items()))):
        first.setdefault(r["s"].value, r)
    out = {}
    for s in nodes:
        r = first.get(s, {})
        kind, n = names.get(r["type"].value, "") if "type" in r else "", r["n"].value if "n" in r else ""
        if "tn" in r:
            text = statement_name(kind, n, names.get(r["tt"].value, ""), r["tn"].value)
        elif n and "type" in r and r["type"].value in PLAN_PARTS:
            text = numbered(kind, n, names.get(s, ""))
        else:
            text = named(s, names).text
        plan = r["plan"].value if "plan" in r else "~"  # a node of no plan after those of a plan
        about = number(r.get("tn") or r.get("n"))
        out[s] = Titled(Named(s, text), (plan, about, kind, number(r.get("n")), text))
    return out


async def texts(reader: Reader, iri: str, props: tuple[str, ...]) -> list[Text]:
    """The node's texts of ``props``, in that order, each with the passages of the graph stating it that quote part
    of it (all the node's passages there when none does)."""
    found = await reader.rows(f"""SELECT ?prop ?text ?p ?doc ?loc ?exact {{
        VALUES ?prop {{ {values_clause(props)} }}
        GRAPH ?g {{ <{iri}> ?prop ?text OPTIONAL {{ <{iri}> <{TEH}passage> ?p }} }}
        OPTIONAL {{ ?p <{OA}hasSource> ?doc OPTIONAL {{ ?p <{TEH}locator> ?loc }}
          OPTIONAL {{ ?p <{OA}hasSelector>/<{OA}exact> ?exact }} }} }}""")
    chosen: dict[str, tuple[ox.Literal, list[dict]]] = {}
    for prop in props:
        said = [r for r in found if r["prop"].value == prop and isinstance(r["text"], ox.Literal)]
        text = in_lang(list({(r["text"].value, r["text"].language): r["text"] for r in said}.values()), reader.lang)
        if text is not None:
            rows = [r for r in said if r["text"].value == text]
            chosen[prop] = (rows[0]["text"], passages_saying(rows, part_of(text)))
    quoted = await passages_by(reader, [r for _, rows in chosen.values() for r in rows], "prop")
    names = await reader.labels(chosen)
    return [
        Text(upper_first(names.get(prop, prop)), text.value, text.language or reader.lang, quoted.get(prop, []))
        for prop, (text, _) in chosen.items()
    ]


async def legal_texts(reader: Reader, texts: set[str]) -> list[Named]:
    """The legal texts cited, by title."""
    names = await reader.labels(texts)
    return sorted((named(t, names) for t in texts), key=lambda t: names.get(t.iri, t.iri))


async def cited_texts(reader: Reader, iri: str) -> set[str]:
    """The legal texts ``iri`` refers to, or a statement about it refers to."""
    found = await reader.rows(f"""PREFIX teh: <{TEH}> PREFIX oa: <{OA}> SELECT DISTINCT ?text {{
        {{ <{iri}> teh:refersTo ?text }} UNION {{ ?a oa:hasTarget <{iri}> ; teh:refersTo ?text }}
        ?text a <{ELI}LegalResource> }}""")
    return {r["text"].value for r in found}
