"""The ontology page: every class, property and concept scheme of the ontology graph, with its label, comment,
what it specialises, its domain and range."""

from dataclasses import dataclass

from tehkg.endpoint.pages.common import Named
from tehkg.endpoint.pages.reader import Reader
from tehkg.endpoint.pages.terms import short
from tehkg.vocab import ONTOLOGY_GRAPH, OWL, RDFS, SKOS

KINDS = (OWL + "Class", OWL + "ObjectProperty", OWL + "DatatypeProperty", SKOS + "ConceptScheme")
RELATIONS = ("super", "domain", "range")  # the variables of the query, in the order shown


@dataclass(frozen=True)
class Term:
    anchor: str
    link: Named  # the term by its label
    comment: str
    relations: list[tuple[str, Named]]  # (one of RELATIONS, the term it leads to)


async def gather(reader: Reader) -> list[tuple[str, list[Term]]]:
    """The ontology's terms by kind (class, object property…), each kind by its name."""
    found = await reader.rows(f"""PREFIX rdfs: <{RDFS}>
        SELECT ?t ?type ?label ?comment ?domain ?range ?super {{ GRAPH <{ONTOLOGY_GRAPH}> {{
        ?t a ?type . VALUES ?type {{ {" ".join(f"<{k}>" for k in KINDS)} }}
        OPTIONAL {{ ?t rdfs:label ?label FILTER(lang(?label) = "{reader.lang}") }}
        OPTIONAL {{ ?t rdfs:comment ?comment FILTER(lang(?comment) = "{reader.lang}") }}
        OPTIONAL {{ ?t rdfs:domain ?domain }} OPTIONAL {{ ?t rdfs:range ?range }}
        OPTIONAL {{ ?t rdfs:subClassOf|rdfs:subPropertyOf ?super FILTER(isIRI(?super)) }}
        }} }} ORDER BY ?type ?t""")
    names = await reader.labels({r[k].value for r in found for k in ("t", "type", *RELATIONS) if k in r})
    sections: dict[str, list[Term]] = {}
    seen = set()
    for r in found:
        iri = r["t"].value
        if iri in seen:
            continue
        seen.add(iri)
        anchor = iri.rsplit("#", 1)[-1] if "#" in iri else iri.rsplit("/", 1)[-1]
        label = r["label"].value if "label" in r else names.get(iri, anchor)
        sections.setdefault(r["type"].value, []).append(
            Term(
                anchor,
                Named(iri, label),
                r["comment"].value if "comment" in r else "",
                [
                    (k, Named(r[k].value, names.get(r[k].value) or short(r[k].value), r[k].value))
                    for k in RELATIONS
                    if k in r
                ],
            )
        )
    return [(names.get(kind, kind).capitalize(), terms) for kind, terms in sections.items()]
