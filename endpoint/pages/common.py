"""What several pages gather alike: named IRIs, the plan above a node, each statement's sources (document, place,
quotes), the legal texts cited, and the small rules for numbers and names."""

from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox

from tehkg.endpoint.pages.reader import Reader
from tehkg.vocab import ELI, OA, SKOS, TEH


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
