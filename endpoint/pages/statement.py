"""What an evaluator or an NGO said: a CNCDH assessment or recommendation, a finding or proposal of the Collectif.
Kind, number and author as the heading, what it is about, its text (status and State actions for an assessment),
the recommendations an assessment holds, the measures that take it up, the legal texts it cites, its source."""

from dataclasses import dataclass

import pyoxigraph as ox

from tehkg.endpoint.pages.common import (
    Named,
    Source,
    in_lang,
    legal_texts,
    named,
    number,
    numbered,
    sources,
    statement_name,
    upper_first,
    values_of,
)
from tehkg.endpoint.pages.reader import Reader
from tehkg.vocab import DCTERMS, OA, RDF, SKOS, TEH

KINDS = tuple(TEH + k for k in ("Assessment", "Recommendation", "Finding", "Proposal"))
TARGET, PART_OF, STATUS, STATE, ANALYSIS = (
    OA + "hasTarget",
    DCTERMS + "isPartOf",
    TEH + "status",
    TEH + "stateActions",
    DCTERMS + "description",
)


@dataclass(frozen=True)
class Line:
    """A line under the heading: the property's name (its local name as the line's class), and its value."""

    css: str
    name: str
    link: Named | None = None
    text: str = ""
    printed: str = ""  # a status as the source prints it


@dataclass(frozen=True)
class Statement:
    heading: str
    authors: list[str]
    lines: list[Line]
    text: str
    state: tuple[str, str]  # (the property's name, the State actions)
    analysis: tuple[str, str]
    sources: list[Source]
    held: list[tuple[Named, str]]  # (a recommendation of this assessment, its text)
    taken: list[Named]
    legal: list[Named]


async def gather(reader: Reader, iri: str) -> Statement:
    """Everything the head of a statement's page shows (the generic property table follows it)."""
    lang = reader.lang
    values = await values_of(reader, iri)
    kind = next((t.value for t in values[RDF + "type"] if t.value in KINDS), KINDS[0])
    targets = await reader.rows(f"""SELECT ?t ?type ?n {{ <{iri}> <{TARGET}> ?t . ?t a ?type
        FILTER(STRSTARTS(STR(?type), "{TEH}")) OPTIONAL {{ ?t <{SKOS}notation> ?n }} }}""")
    held = await reader.rows(f"""SELECT ?r ?n ?body {{ ?r <{PART_OF}> <{iri}> ; <{OA}bodyValue> ?body
        OPTIONAL {{ ?r <{SKOS}notation> ?n }} }}""")
    taken = await reader.rows(f"""SELECT ?m ?type ?n {{ ?m <{TEH}takesUp> <{iri}> ; a ?type
        FILTER(STRSTARTS(STR(?type), "{TEH}")) OPTIONAL {{ ?m <{SKOS}notation> ?n }} }}""")
    authors = await reader.rows(f"""SELECT ?a ?n {{ <{iri}> <{DCTERMS}creator> ?a
        OPTIONAL {{ ?a <{SKOS}notation> ?n }} }}""")
    refs = {o.value for p in (DCTERMS + "creator", PART_OF, STATUS) for o in values[p]}
    named_ = {kind, TARGET, PART_OF, STATUS, STATE, ANALYSIS, DCTERMS + "subject"} | refs
    named_ |= {r[k].value for r in targets for k in ("t", "type")} | {r["r"].value for r in held}
    named_ |= {r[k].value for r in taken for k in ("m", "type")}
    names = await reader.labels(named_)
    about = next((r for r in targets if "n" in r), None)
    heading = statement_name(
        names.get(kind, ""),
        values[SKOS + "notation"][0].value if values[SKOS + "notation"] else "",
        names.get(about["type"].value, "") if about else "",
        about["n"].value if about else "",
    )

    def line(prop: str, link: Named | None = None, text: str = "", printed: str = "") -> Line:
        css = prop.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        return Line(css, upper_first(names.get(prop, "")), link, text, printed)

    lines = []
    for r in targets:
        text = numbered(names.get(r["type"].value, ""), r["n"].value, names.get(r["t"].value, "")) if "n" in r else None
        lines.append(line(TARGET, link=named(r["t"].value, names, text)))
    lines += [line(PART_OF, link=named(part.value, names)) for part in values[PART_OF]]
    if subject := in_lang([v for v in values[DCTERMS + "subject"] if isinstance(v, ox.Literal)], lang):
        lines.append(line(DCTERMS + "subject", text=subject))
    printed = in_lang(values[TEH + "statusText"], lang) or ""
    lines += [line(STATUS, link=named(s.value, names), printed=printed) for s in values[STATUS]]
    return Statement(
        heading=heading,
        authors=list(
            {
                r["a"].value: r["n"].value if "n" in r else names.get(r["a"].value, r["a"].value) for r in authors
            }.values()
        ),
        lines=lines,
        text=in_lang(values[OA + "bodyValue"], lang) or "",
        state=(upper_first(names.get(STATE, "")), in_lang(values[STATE], lang) or ""),
        analysis=(upper_first(names.get(ANALYSIS, "")), in_lang(values[ANALYSIS], lang) or ""),
        sources=(await sources(reader, {iri})).get(iri, []),
        held=[(named(r["r"].value, names), r["body"].value) for r in sorted(held, key=lambda r: number(r.get("n")))],
        taken=[
            named(
                r["m"].value,
                names,
                numbered(names.get(r["type"].value, ""), r["n"].value if "n" in r else "", names.get(r["m"].value, "")),
            )
            for r in sorted(taken, key=lambda r: (r["type"].value, number(r.get("n"))))
        ],
        legal=await legal_texts(reader, {t.value for t in values[TEH + "refersTo"]}),
    )
