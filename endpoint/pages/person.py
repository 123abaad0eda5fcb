"""The person page: the name as printed; what each document says of them — the words of their office, the
organisations the sentence says they belong to or head, a role such as coordinator, a constituency, and nothing the
text does not say — with the passages naming them; then every node that names them, with its source."""

from dataclasses import dataclass

import pyoxigraph as ox

from tehkg.endpoint.pages import involvement
from tehkg.endpoint.pages.common import Named, Source, named, passages_by, upper_first
from tehkg.endpoint.pages.reader import Reader, values_clause
from tehkg.endpoint.pages.terms import short
from tehkg.vocab import OA, ORG, SKOS, TEH

# What a document says of a person, in the order shown: the words of the office as printed first.
LINES = (SKOS + "note", ORG + "memberOf", ORG + "headOf", TEH + "constituency")


@dataclass(frozen=True)
class Line:
    """One thing a document says of the person: the property's (or the role's) name, and an organisation or words."""

    name: str
    link: Named | None = None
    text: str = ""
    lang: str = ""


@dataclass(frozen=True)
class Account:
    """What one document says of the person, and the passages where it names them."""

    lines: list[Line]
    sources: list[Source]


@dataclass(frozen=True)
class Person:
    name: str
    accounts: list[Account]  # one per graph describing the person
    involvement: list[involvement.Relation]


async def gather(reader: Reader, iri: str) -> Person:
    """Everything the head of a person's page shows (the generic property table follows it)."""
    said = await reader.rows(f"""SELECT ?g ?prop ?o {{ VALUES ?prop {{ {values_clause(LINES)} }}
        GRAPH ?g {{ <{iri}> ?prop ?o }} }}""")
    held = await reader.rows(f"""SELECT ?g ?role ?org {{ GRAPH ?g {{ ?m <{ORG}member> <{iri}> ;
        <{ORG}organization> ?org ; <{ORG}role> ?role }} }}""")
    passages = await reader.rows(f"""SELECT DISTINCT ?g ?p ?doc ?loc ?exact {{
        GRAPH ?g {{ {{ <{iri}> <{TEH}passage> ?p }} UNION {{ ?m <{ORG}member> <{iri}> ; <{TEH}passage> ?p }} }}
        ?p <{OA}hasSource> ?doc OPTIONAL {{ ?p <{TEH}locator> ?loc }}
        OPTIONAL {{ ?p <{OA}hasSelector>/<{OA}exact> ?exact }} }}""")
    quoted = await passages_by(reader, passages, "g")
    names = await reader.labels(
        {iri, *LINES}
        | {r["o"].value for r in said if isinstance(r["o"], ox.NamedNode)}
        | {r[k].value for r in held for k in ("role", "org")}
    )

    def line(name: str, value: ox.NamedNode | ox.Literal | ox.BlankNode) -> Line:
        if isinstance(value, ox.NamedNode):
            return Line(upper_first(name), link=named(value.value, names))
        return Line(upper_first(name), text=value.value, lang=getattr(value, "language", None) or "")

    accounts = []
    for g in sorted({r["g"].value for r in [*said, *held, *passages]}):
        lines = [
            line(names.get(prop, short(prop)), r["o"])
            for prop in LINES
            for r in said
            if r["g"].value == g and r["prop"].value == prop
        ]
        lines += [line(names.get(r["role"].value, short(r["role"].value)), r["org"]) for r in held if r["g"].value == g]
        accounts.append(Account(lines, quoted.get(g, [])))
    return Person(
        name=names.get(iri, short(iri)),
        accounts=accounts,
        involvement=await involvement.gather(reader, iri, involvement.AUTHORSHIP),
    )
