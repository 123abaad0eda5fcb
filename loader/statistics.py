"""Dataset statistics (VoID) computed on a freshly built store and written to the metadata graph."""

import hashlib

import pyoxigraph as ox

from tehkg.loader.select import select
from tehkg.vocab import DATASET_IRI, DCTERMS, METADATA_GRAPH, OWL, VOID, XSD

XSD_INTEGER = ox.NamedNode(XSD + "integer")
MODIFIED = ox.NamedNode(DCTERMS + "modified")
VERSION_INFO = ox.NamedNode(OWL + "versionInfo")
STATISTICS_PREDICATES = frozenset(
    ox.NamedNode(VOID + term)
    for term in (
        "triples",
        "entities",
        "classes",
        "properties",
        "classPartition",
        "propertyPartition",
        "class",
        "property",
    )
)


def is_builder_statement(quad: ox.Quad) -> bool:
    """Whether ``quad`` is one the builder writes into the metadata graph (an input's are dropped and recomputed)."""
    return quad.predicate in STATISTICS_PREDICATES or (
        quad.subject == ox.NamedNode(DATASET_IRI) and quad.predicate in (MODIFIED, VERSION_INFO)
    )


def _count(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=XSD_INTEGER)


def _rows(store: ox.Store, query: str) -> list[tuple[ox.NamedNode, int]]:
    return [(row[0], int(row[1].value)) for row in select(store, query)]


def compute(store: ox.Store) -> dict[str, object]:
    """Triples per graph, entities per class, triples per property, and totals."""
    graphs = _rows(store, "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    classes = _rows(store, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) { ?s a ?c } GROUP BY ?c")
    properties = _rows(store, "SELECT ?p (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p")
    entities = next(iter(select(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s ?p ?o FILTER(isIRI(?s)) }")))[0]
    return {
        "triples": sum(n for _, n in graphs),
        "entities": int(entities.value),
        "graphs": {g.value: n for g, n in graphs},
        "classes": {c.value: n for c, n in classes},
        "properties": {p.value: n for p, n in properties},
    }


def _partition(kind: str, iri: str) -> ox.NamedNode:
    digest = hashlib.sha1(iri.encode()).hexdigest()[:12]
    return ox.NamedNode(f"{DATASET_IRI}/{kind}-partition/{digest}")


def describe(store: ox.Store, built: str) -> dict[str, object]:
    """Compute the statistics of ``store`` and add them to its metadata graph; returns them."""
    from tehkg import __version__

    stats = compute(store)
    store.extend(as_quads(stats, built, __version__))
    return stats


def as_quads(stats: dict, built: str, version: str) -> list[ox.Quad]:
    """The statistics as VoID quads in the metadata graph (counts of the data before they are added)."""
    g = ox.NamedNode(METADATA_GRAPH)
    ds = ox.NamedNode(DATASET_IRI)
    v = lambda term: ox.NamedNode(VOID + term)  # noqa: E731
    quads = [
        ox.Quad(ds, v("triples"), _count(stats["triples"]), g),
        ox.Quad(ds, v("entities"), _count(stats["entities"]), g),
        ox.Quad(ds, v("classes"), _count(len(stats["classes"])), g),
        ox.Quad(ds, v("properties"), _count(len(stats["properties"])), g),
        ox.Quad(ds, MODIFIED, ox.Literal(built, datatype=ox.NamedNode(XSD + "dateTime")), g),
        ox.Quad(ds, VERSION_INFO, ox.Literal(version), g),
    ]
    for graph, n in stats["graphs"].items():
        quads.append(ox.Quad(ox.NamedNode(graph), v("triples"), _count(n), g))
    for kind, key, prop, measure in (
        ("class", "classes", "class", "entities"),
        ("property", "properties", "property", "triples"),
    ):
        for iri, n in stats[key].items():
            part = _partition(kind, iri)
            quads += [
                ox.Quad(ds, v(f"{kind}Partition"), part, g),
                ox.Quad(part, v(prop), ox.NamedNode(iri), g),
                ox.Quad(part, v(measure), _count(n), g),
            ]
    return quads
