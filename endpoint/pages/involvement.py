"""What the sources say an organisation or a person takes part in: every node linking them — the plans' role lines
(pilot, partner, implementer), the relations in prose (dcterms:references and every relation below it: teh:mentions,
teh:actor, teh:funder…), the minutes' participants and organisers (prov:wasAssociatedWith and below), and on a
person's page what they wrote — grouped by relation, each relation by its label in the ontology, each node named as
lists name it, with the passages of the graph stating the link that name them.

The relations below teh:mentions are read from the ontology (rdfs:subPropertyOf), not listed here: a relation the
curators add shows with its own label and in its place, with no change to the pages."""

from collections import defaultdict
from dataclasses import dataclass

from tehkg.endpoint.pages.common import Named, Source, naming, passages_by, passages_saying, titled, upper_first
from tehkg.endpoint.pages.reader import Reader, values_clause
from tehkg.endpoint.pages.terms import short
from tehkg.vocab import DCTERMS, FOAF, OA, PROV, RDFS, SKOS, TEH

ROLES = tuple(TEH + r for r in ("pilot", "partner", "implementer"))  # the plans' role lines: first, in this order
FAMILIES = (DCTERMS + "references", PROV + "wasAssociatedWith")  # each with every relation below it
NAMING_ONLY = (TEH + "mentions", DCTERMS + "references")  # a node naming them and saying no more: last
# What a person wrote; a body's writings are its documents' every statement (the CNCDH's hundreds), not listed.
AUTHORSHIP = (DCTERMS + "creator", DCTERMS + "contributor")
NAMES = (SKOS + "prefLabel", SKOS + "altLabel", SKOS + "notation", FOAF + "name", FOAF + "familyName")


@dataclass(frozen=True)
class Item:
    """A node linking the organisation or person, by kind, number and title, with the passages naming them."""

    node: Named
    sources: list[Source]


@dataclass(frozen=True)
class Relation:
    """A relation and the nodes linking the organisation or person by it, by plan and number."""

    name: str  # its label in the page's language
    local: str  # its local name (pilot, actor…): the group's class
    items: list[Item]


async def gather(reader: Reader, target: str, more: tuple[str, ...] = ()) -> list[Relation]:
    """Every node linking ``target`` by a role, a relation in prose or in minutes, or one of ``more``, in a graph of
    what the source documents state (not the catalogue describing them), grouped by relation: roles first, then the
    relations by how specific they are (the more relations above one in the ontology, the earlier), naming alone
    last. A node linking it by a relation and by one above it (a party, also an actor) is listed under the more
    specific one only."""
    found = await reader.rows(f"""SELECT DISTINCT ?node ?rel {{
        GRAPH ?g {{ ?node ?rel <{target}> FILTER(isIRI(?node)) }} ?g <{PROV}wasDerivedFrom> ?source
        {{ VALUES ?rel {{ {values_clause(ROLES + more)} }} }}
        UNION {{ VALUES ?family {{ {values_clause(FAMILIES)} }} ?rel <{RDFS}subPropertyOf>* ?family }} }}""")
    if not found:
        return []
    linked: dict[str, set[str]] = defaultdict(set)
    for r in found:
        linked[r["node"].value].add(r["rel"].value)
    relations = {rel for rels in linked.values() for rel in rels}
    above: dict[str, set[str]] = defaultdict(set)
    for r in await reader.rows(f"""SELECT ?rel ?up {{ VALUES ?rel {{ {values_clause(relations)} }}
        ?rel <{RDFS}subPropertyOf>+ ?up }}"""):
        above[r["rel"].value].add(r["up"].value)
    names = await reader.labels(relations)

    def order(rel: str) -> tuple:
        if rel in ROLES:
            return (0, ROLES.index(rel), "")
        if rel in NAMING_ONLY:
            return (2, NAMING_ONLY.index(rel), "")
        return (1, -len(above[rel]), names.get(rel, rel))

    by_relation: dict[str, list[str]] = defaultdict(list)
    for node, rels in linked.items():
        for rel in rels:
            if not any(rel in above[other] for other in rels):
                by_relation[rel].append(node)
    quoted = await naming_passages(reader, target, set(linked))
    titles = await titled(reader, set(linked))
    return [
        Relation(
            upper_first(names.get(rel, short(rel))),
            rel.rsplit("#", 1)[-1].rsplit("/", 1)[-1],
            [Item(titles[n].link, quoted.get(n, [])) for n in sorted(by_relation[rel], key=lambda n: titles[n].key)],
        )
        for rel in sorted(by_relation, key=order)
    ]


async def naming_passages(reader: Reader, target: str, nodes: set[str]) -> dict[str, list[Source]]:
    """Each node's passages, in the graphs where it links ``target``, that quote one of its names (all its passages
    there when none does, for a link resting on other words)."""
    found = await reader.rows(f"""SELECT DISTINCT ?node ?p ?doc ?loc ?exact {{ VALUES ?node {{ {values_clause(nodes)} }}
        GRAPH ?g {{ ?node ?link <{target}> ; <{TEH}passage> ?p }} ?p <{OA}hasSource> ?doc
        OPTIONAL {{ ?p <{TEH}locator> ?loc }} OPTIONAL {{ ?p <{OA}hasSelector>/<{OA}exact> ?exact }} }}""")
    own = await reader.rows(f"SELECT ?name {{ VALUES ?p {{ {values_clause(NAMES)} }} <{target}> ?p ?name }}")
    says = naming(r["name"].value for r in own)
    by_node: dict[str, list[dict]] = defaultdict(list)
    for r in found:
        by_node[r["node"].value].append(r)
    return await passages_by(reader, [r for rows in by_node.values() for r in passages_saying(rows, says)], "node")
