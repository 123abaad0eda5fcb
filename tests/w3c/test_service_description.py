"""The W3C SPARQL 1.1 Service Description tests, run against ``/sparql`` without a query (the application in
process).

The manifest names three tests without an HTTP conversation (``returns-rdf``,
``has-endpoint-triple``, ``conforms-to-schema``); each is implemented here as the SPARQL 1.1
Service Description recommendation states it. The schema is that of the SD vocabulary: its classes,
the domains and ranges of its properties, and the instances it defines (languages, features),
written below as SHACL shapes.
"""

import httpx
import pyoxigraph as ox
import pyshacl_turbo
import pytest
import rdflib
from fastapi.testclient import TestClient

from tests.conftest import IN_PROCESS
from tests.w3c.manifests import load

CASES = {c.name: c for c in load("service-description", "manifest.ttl")}
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
RDF_SYNTAX = {
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
}
SCHEMA = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .

sd:ServiceShape a sh:NodeShape ; sh:targetClass sd:Service ;
    sh:property [ sh:path sd:endpoint ; sh:minCount 1 ; sh:nodeKind sh:IRI ] ;
    sh:property [ sh:path sd:supportedLanguage ; sh:minCount 1 ;
                  sh:in ( sd:SPARQL10Query sd:SPARQL11Query sd:SPARQL11Update ) ] ;
    sh:property [ sh:path sd:feature ;
                  sh:in ( sd:DereferencesURIs sd:UnionDefaultGraph sd:RequiresDataset sd:EmptyGraphs
                          sd:BasicFederatedQuery ) ] ;
    sh:property [ sh:path sd:resultFormat ; sh:nodeKind sh:IRI ] ;
    sh:property [ sh:path sd:inputFormat ; sh:nodeKind sh:IRI ] ;
    sh:property [ sh:path sd:defaultEntailmentRegime ; sh:nodeKind sh:IRI ] ;
    sh:property [ sh:path sd:defaultDataset ; sh:class sd:Dataset ] ;
    sh:property [ sh:path sd:availableGraphs ; sh:class sd:GraphCollection ] .

sd:DatasetShape a sh:NodeShape ; sh:targetClass sd:Dataset ;
    sh:property [ sh:path sd:defaultGraph ; sh:maxCount 1 ; sh:class sd:Graph ] ;
    sh:property [ sh:path sd:namedGraph ; sh:class sd:NamedGraph ] .

sd:NamedGraphShape a sh:NodeShape ; sh:targetClass sd:NamedGraph ;
    sh:property [ sh:path sd:name ; sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI ] ;
    sh:property [ sh:path sd:graph ; sh:maxCount 1 ; sh:class sd:Graph ] .

sd:EndpointDomain a sh:NodeShape ; sh:targetSubjectsOf sd:endpoint, sd:feature, sd:defaultDataset ;
    sh:class sd:Service .
sd:NameDomain a sh:NodeShape ; sh:targetSubjectsOf sd:name ; sh:class sd:NamedGraph .
sd:DefaultGraphDomain a sh:NodeShape ; sh:targetSubjectsOf sd:defaultGraph, sd:namedGraph ; sh:class sd:Dataset .
"""


def _description(client: TestClient, path: str, accept: str = "text/turtle") -> tuple[httpx.Response, rdflib.Graph]:
    response = client.get(path, headers={"accept": accept}, timeout=30)
    media = response.headers.get("content-type", "").split(";")[0]
    return response, rdflib.Graph().parse(data=response.content, format=RDF_SYNTAX[media])


def _case(name: str) -> None:
    if name not in CASES:
        pytest.fail(f"{name} is not in the official manifest")


@pytest.mark.parametrize("accept", [None, *RDF_SYNTAX])
def test_returns_rdf(fixture_client: TestClient, accept: str | None) -> None:
    """``returns-rdf``: a GET on the endpoint URL without a query answers an RDF service description."""
    _case("returns-rdf")
    response = fixture_client.get("/sparql", headers={"accept": accept} if accept else {}, timeout=30)
    assert response.status_code == 200, response.text
    media = response.headers["content-type"].split(";")[0]
    assert media == (accept or "text/turtle")
    graph = rdflib.Graph().parse(data=response.content, format=RDF_SYNTAX[media])
    assert (None, rdflib.RDF.type, SD.Service) in graph


def test_has_endpoint_triple(fixture_client: TestClient) -> None:
    """``has-endpoint-triple``: the description has ``?service sd:endpoint <the URL dereferenced>``."""
    _case("has-endpoint-triple")
    url = IN_PROCESS + "/sparql"
    _, graph = _description(fixture_client, "/sparql")
    services = set(graph.subjects(SD.endpoint, rdflib.URIRef(url)))
    assert len(services) == 1 and (services.pop(), rdflib.RDF.type, SD.Service) in graph


def test_conforms_to_schema(fixture_client: TestClient) -> None:
    """``conforms-to-schema``: every class, domain, range and defined instance of the SD vocabulary is respected."""
    _case("conforms-to-schema")
    response, _ = _description(fixture_client, "/sparql", "application/n-triples")
    data = ox.Store()
    data.load(response.content, format=ox.RdfFormat.N_TRIPLES)
    conforms, _, text = pyshacl_turbo.validate(data, shacl_graph=rdflib.Graph().parse(data=SCHEMA, format="turtle"))
    assert conforms, text


def test_schema_shapes_fire() -> None:
    """The shapes reject a description that breaks the schema: no endpoint, an unknown language, a nameless graph."""
    broken = """
        @prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
        <http://x/s> a sd:Service ; sd:supportedLanguage sd:SPARQL12Query ; sd:defaultDataset [ a sd:Dataset ;
            sd:namedGraph [ a sd:NamedGraph ] ] .
    """
    data = ox.Store()
    data.load(broken.encode(), format=ox.RdfFormat.TURTLE)
    conforms, report, _ = pyshacl_turbo.validate(data, shacl_graph=rdflib.Graph().parse(data=SCHEMA, format="turtle"))
    assert not conforms
    paths = {
        str(p).rsplit("#", 1)[-1] for p in report.objects(None, rdflib.URIRef("http://www.w3.org/ns/shacl#resultPath"))
    }
    assert paths == {"endpoint", "supportedLanguage", "name"}
