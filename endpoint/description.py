"""Self-description: SPARQL 1.1 Service Description and the VoID/DCAT dataset description."""

import pyoxigraph as ox
from tehkg.endpoint import conneg

from tehkg.vocab import BASE, DATASET_IRI, METADATA_GRAPH

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
RESULT_FORMATS = {
    "application/sparql-results+json": "SPARQL_Results_JSON",
    "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV",
    "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle",
    "application/n-triples": "N-Triples",
    "application/ld+json": "JSON-LD",
    "application/rdf+xml": "RDF_XML",
    "application/trig": "TriG",
    "application/n-quads": "N-Quads",
}
COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
DEFAULT_GRAPH_NOTE = (
    "The RDF merge of the named graphs: each distinct triple once, however many documents state it "
    "(FROM and default-graph-uri merge the graphs they name the same way)."
)
TRUNCATION_NOTE = (
    "Answers stop at {} solutions or triples, in every format; a cut answer carries the HTTP header "
    'Tehkg-Truncated: true (and, in SPARQL JSON results, "truncated": true).'
)


def service_description(
    endpoint_url: str, graphs: list[str], federated: bool = False, max_rows: int | None = None
) -> list[ox.Triple]:
    """The sd:Service at ``endpoint_url``: languages, formats, features, dataset and graphs.

    ``federated``: SERVICE is allowed (to the endpoints of an allow-list); ``max_rows``: the cap
    at which answers are cut, said in a comment on the service."""
    sd = lambda term: ox.NamedNode(SD + term)  # noqa: E731
    a = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    service = ox.NamedNode(endpoint_url)
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("default")
    triples = [
        ox.Triple(service, a, sd("Service")),
        ox.Triple(service, sd("endpoint"), service),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, a, sd("Dataset")),
        ox.Triple(dataset, ox.NamedNode("http://rdfs.org/ns/void#inDataset"), ox.NamedNode(DATASET_IRI)),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, a, sd("Graph")),
        ox.Triple(default, COMMENT, ox.Literal(DEFAULT_GRAPH_NOTE, language="en")),
    ]
    if federated:
        triples.append(ox.Triple(service, sd("feature"), sd("BasicFederatedQuery")))
    if max_rows is not None:
        triples.append(ox.Triple(service, COMMENT, ox.Literal(TRUNCATION_NOTE.format(max_rows), language="en")))
    for media in (*conneg.RESULTS, *conneg.GRAPHS):
        triples.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS_NS + RESULT_FORMATS[media])))
    for index, graph in enumerate(sorted(graphs)):
        node = ox.BlankNode(f"g{index}")
        triples += [
            ox.Triple(dataset, sd("namedGraph"), node),
            ox.Triple(node, a, sd("NamedGraph")),
            ox.Triple(node, sd("name"), ox.NamedNode(graph)),
        ]
    return triples


DATASET_QUERY = f"""
CONSTRUCT {{ ?s ?p ?o . ?o ?p2 ?o2 }}
WHERE {{ GRAPH <{METADATA_GRAPH}> {{
  ?s ?p ?o
  FILTER(?s = <{DATASET_IRI}> || STRSTARTS(STR(?s), "{BASE}graph/")
         || STRSTARTS(STR(?s), "{DATASET_IRI}/"))
  OPTIONAL {{ ?o ?p2 ?o2 FILTER(isBlank(?o)) }}
}} }}
"""


def dataset_extras(endpoint_url: str, dumps_url: str) -> list[ox.Triple]:
    """Triples that depend on where the service runs: endpoint and dump distribution."""
    ds = ox.NamedNode(DATASET_IRI)
    void = "http://rdfs.org/ns/void#"
    dcat = "http://www.w3.org/ns/dcat#"
    dist = ox.NamedNode(dumps_url)
    return [
        ox.Triple(ds, ox.NamedNode(void + "sparqlEndpoint"), ox.NamedNode(endpoint_url)),
        ox.Triple(ds, ox.NamedNode(void + "dataDump"), dist),
        ox.Triple(ds, ox.NamedNode(dcat + "distribution"), dist),
        ox.Triple(
            dist, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(dcat + "Distribution")
        ),
        ox.Triple(dist, ox.NamedNode(dcat + "mediaType"), ox.Literal("application/n-quads")),
        ox.Triple(dist, ox.NamedNode(dcat + "downloadURL"), dist),
    ]
