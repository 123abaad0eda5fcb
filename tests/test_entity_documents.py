"""Entity documents every consumer reads: each RDF variant holds the description in its default graph,
JSON-LD compacts against the published context, and documents and dumps carry cache validators. The application in
process, but where rdflib and pyld fetch URLs themselves: they do it over HTTP, from a started server."""

import json

import httpx
import pytest
import rdflib
from fastapi.testclient import TestClient
from pyld import jsonld

from tests.conftest import IN_PROCESS, own_path

# each RDF media type and the extension of the variant that serves it, as the README documents them
EXTENSIONS = {
    "text/turtle": "ttl",
    "application/n-triples": "nt",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdf",
    "application/trig": "trig",
    "application/n-quads": "nq",
}


ENTITIES = {  # path -> the title each document must give it
    "/id/plan/2019-2021/measure/16": rdflib.SKOS.prefLabel,
    "/id/org/miprof": rdflib.SKOS.prefLabel,
    "/id/legal/int/directive-2011-36-eu": rdflib.DCTERMS.title,
}
RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/trig": "trig",
    "application/n-quads": "nquads",
}


def titles(client: TestClient, path: str) -> set[str]:
    """The entity's titles as the store holds them, asked of the SPARQL endpoint."""
    prop = ENTITIES[path]
    query = f"SELECT DISTINCT ?t {{ <https://w3id.org/tehkg{path}> <{prop}> ?t }}"
    rows = client.get("/sparql", params={"query": query}, headers={"Accept": "application/json"}).json()
    return {b["t"]["value"] for b in rows["results"]["bindings"]}


@pytest.mark.parametrize("media", list(EXTENSIONS))
@pytest.mark.parametrize("path", list(ENTITIES))
def test_default_graph_of_every_variant_holds_the_title(shipped_client, path, media):
    expected = titles(shipped_client, path)
    assert expected
    response = shipped_client.get(path, headers={"Accept": media})
    assert response.status_code == 200 and response.headers["content-type"].startswith(media)
    assert response.headers["content-location"] == f"{path}.{EXTENSIONS[media]}"
    assert "Accept" in response.headers["vary"]
    data = response.content
    if media == "application/ld+json":  # rdflib would fetch the remote context over HTTP: fetched here, inlined
        document = response.json()
        document["@context"] = shipped_client.get(own_path(document["@context"])).json()["@context"]
        data = json.dumps(document).encode()
    default = rdflib.Dataset()
    default.parse(data=data, format=RDFLIB_FORMATS[media], publicID=IN_PROCESS + path)
    graph = default.default_context if media in ("application/trig", "application/n-quads") else default
    subject = rdflib.URIRef("https://w3id.org/tehkg" + path)
    assert {str(t) for t in graph.objects(subject, ENTITIES[path])} == expected


def test_rdflib_reads_the_json_ld_url_itself(server, shipped_client):
    path = "/id/plan/2019-2021/measure/16"
    graph = rdflib.Graph().parse(server + path + ".jsonld", format="json-ld")
    subject = rdflib.URIRef("https://w3id.org/tehkg" + path)
    assert {str(t) for t in graph.objects(subject, rdflib.SKOS.prefLabel)} == titles(shipped_client, path)


@pytest.mark.parametrize("path", list(ENTITIES))
def test_pyld_fetching_the_url_finds_the_title(server, shipped_client, path):
    document = httpx.get(server + path, headers={"Accept": "application/ld+json"}).json()
    assert document["@context"] == server + "/context.jsonld"
    expanded = jsonld.expand(server + path)  # pyld's own loader: Accept, Link header and the remote context
    node = next(n for n in expanded if n["@id"] == "https://w3id.org/tehkg" + path)
    assert {v["@value"] for v in node[str(ENTITIES[path])]} == titles(shipped_client, path)


def test_tri_g_keeps_the_source_graphs_beside_the_default(shipped_client):
    response = shipped_client.get("/id/org/miprof", headers={"Accept": "application/n-quads"})
    dataset = rdflib.Dataset()
    dataset.parse(data=response.content, format="nquads")
    names = {str(g.identifier) for g in dataset.contexts()}
    assert "https://w3id.org/tehkg/graph/organisations" in names
    assert len(dataset.default_context) > 0


def test_document_conditional_get(shipped_client):
    first = shipped_client.get("/id/org/miprof", headers={"Accept": "text/turtle"})
    assert first.headers["etag"] and first.headers["last-modified"]
    again = shipped_client.get(
        "/id/org/miprof", headers={"Accept": "text/turtle", "If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    other = shipped_client.get(
        "/id/org/miprof", headers={"Accept": "application/n-triples", "If-None-Match": first.headers["etag"]}
    )
    assert other.status_code == 200
    since = shipped_client.get(
        "/id/org/miprof",
        headers={"Accept": "text/turtle", "If-Modified-Since": first.headers["last-modified"]},
    )
    assert since.status_code == 304


def test_dump_is_byte_identical_and_validated(shipped_client):
    first, second = shipped_client.get("/dump.nq"), shipped_client.get("/dump.nq")
    assert first.status_code == 200 and first.content == second.content and len(first.content) > 100_000
    head = shipped_client.head("/dump.nq", headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == first.headers["etag"] and head.headers["last-modified"]
    assert int(head.headers["content-length"]) == len(first.content)
    assert shipped_client.get("/dump.nq", headers={"If-None-Match": first.headers["etag"]}).status_code == 304


def test_dump_is_compressed_when_asked(shipped_client):
    plain = shipped_client.get("/dump.nq", headers={"Accept-Encoding": "identity"})
    packed = shipped_client.get("/dump.nq", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip" and packed.content == plain.content  # httpx decodes
    assert int(packed.headers["content-length"]) < len(plain.content) / 4
