"""SPARQL 1.1 Protocol, query side, through the whole application in process: the W3C protocol test cases, encoded
from the spec."""

import json

import httpx
import pyoxigraph as ox
import pytest

EX = "http://example.org/"
SELECT_ALL = "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o } ORDER BY ?s"
JSON = "application/sparql-results+json"


def as_form(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    form: dict[str, list[str]] = {}
    for key, value in pairs:
        form.setdefault(key, []).append(value)
    return form


def subjects(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [b["s"]["value"] for b in response.json()["results"]["bindings"]]


def test_query_get(fixture_client):
    r = fixture_client.get("/sparql", params={"query": SELECT_ALL}, headers={"Accept": JSON})
    assert subjects(r) == [EX + "a", EX + "c"]  # default graph = union of named graphs


def test_query_post_form(fixture_client):
    r = fixture_client.post("/sparql", data={"query": SELECT_ALL}, headers={"Accept": JSON})
    assert subjects(r) == [EX + "a", EX + "c"]


def test_query_post_direct(fixture_client):
    r = fixture_client.post(
        "/sparql",
        content=SELECT_ALL,
        headers={"Content-Type": "application/sparql-query", "Accept": JSON},
    )
    assert subjects(r) == [EX + "a", EX + "c"]


def test_dataset_default_graph(fixture_client):
    r = fixture_client.get(
        "/sparql",
        params={"query": SELECT_ALL, "default-graph-uri": EX + "g1"},
        headers={"Accept": JSON},
    )
    assert subjects(r) == [EX + "a"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_dataset_default_graphs(fixture_client, method):
    params = [("query", SELECT_ALL), ("default-graph-uri", EX + "g1"), ("default-graph-uri", EX + "g2")]
    if method == "get":
        r = fixture_client.get("/sparql", params=params, headers={"Accept": JSON})
    else:
        r = fixture_client.post("/sparql", data=as_form(params), headers={"Accept": JSON})
    assert subjects(r) == [EX + "a", EX + "c"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_dataset_named_graphs(fixture_client, method):
    query = "SELECT ?g ?s WHERE { GRAPH ?g { ?s <http://example.org/p> ?o } } ORDER BY ?g"
    params = [("query", query), ("named-graph-uri", EX + "g2")]
    if method == "get":
        r = fixture_client.get("/sparql", params=params, headers={"Accept": JSON})
    else:
        r = fixture_client.post("/sparql", data=as_form(params), headers={"Accept": JSON})
    assert [b["g"]["value"] for b in r.json()["results"]["bindings"]] == [EX + "g2"]


def test_dataset_full(fixture_client):
    query = (
        "SELECT ?s ?g WHERE { { ?s <http://example.org/p> ?o } UNION { GRAPH ?g { ?s <http://example.org/p> ?o } } }"
    )
    params = [("query", query), ("default-graph-uri", EX + "g1"), ("named-graph-uri", EX + "g2")]
    rows = fixture_client.get("/sparql", params=params, headers={"Accept": JSON}).json()
    found = {(b["s"]["value"], b.get("g", {}).get("value")) for b in rows["results"]["bindings"]}
    assert found == {(EX + "a", None), (EX + "c", EX + "g2")}


def test_protocol_dataset_overrides_from(fixture_client):
    query = "SELECT ?s ?o FROM <http://example.org/g2> WHERE { ?s <http://example.org/p> ?o }"
    r = fixture_client.get("/sparql", params={"query": query, "default-graph-uri": EX + "g1"}, headers={"Accept": JSON})
    assert subjects(r) == [EX + "a"]


def test_from_selects_a_local_graph(fixture_client):
    query = "SELECT ?s ?o FROM <http://example.org/g2> WHERE { ?s <http://example.org/p> ?o }"
    r = fixture_client.get("/sparql", params={"query": query}, headers={"Accept": JSON})
    assert subjects(r) == [EX + "c"]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("SELECT * WHERE { ?s ?p ?o }", JSON),
        ("ASK { ?s ?p ?o }", JSON),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle"),
        ("DESCRIBE <http://example.org/a>", "text/turtle"),
    ],
)
def test_content_type_by_query_form(fixture_client, query, expected):
    r = fixture_client.get("/sparql", params={"query": query})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == expected


def test_bad_method(fixture_client):
    assert fixture_client.put("/sparql", content=SELECT_ALL).status_code == 405


def test_bad_multiple_queries(fixture_client):
    r = fixture_client.get("/sparql", params=[("query", SELECT_ALL), ("query", SELECT_ALL)])
    assert r.status_code == 400


@pytest.mark.parametrize("headers", [{"Content-Type": "text/plain"}, {}])
def test_bad_or_missing_media_type(fixture_client, headers):
    r = fixture_client.post("/sparql", content=SELECT_ALL.encode(), headers=headers)
    assert r.status_code == 415


def test_bad_missing_direct_type(fixture_client):
    r = fixture_client.post("/sparql", content=b"query=ASK%20%7B%7D")
    assert r.status_code == 415


def test_bad_non_utf8(fixture_client):
    r = fixture_client.post(
        "/sparql",
        content="SELECT ?é WHERE {}".encode("latin-1"),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert r.status_code == 400


def test_syntax_error_gives_parser_message(fixture_client):
    r = fixture_client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert r.status_code == 400
    assert "1:" in r.json()["message"] and "syntax" in r.json()["message"]


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "GET", "params": {"update": "DROP ALL"}},
        {"method": "POST", "data": {"update": "DROP ALL"}},
        {"method": "POST", "content": "DROP ALL", "headers": {"Content-Type": "application/sparql-update"}},
        {"method": "POST", "data": {"query": "INSERT DATA { <http://a> <http://b> <http://c> }"}},
    ],
)
def test_updates_refused(fixture_client, request_kwargs):
    method = request_kwargs.pop("method")
    r = fixture_client.request(method, "/sparql", **request_kwargs)
    assert r.status_code == 403
    assert "read-only" in r.json()["message"]


def test_service_description(fixture_client):
    r = fixture_client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.headers["content-type"].startswith("text/turtle")
    store = ox.Store()
    store.load(r.content, format=ox.RdfFormat.TURTLE)
    sd = "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> "
    assert store.query(
        sd + "ASK { ?s a sd:Service ; sd:feature sd:UnionDefaultGraph ; sd:supportedLanguage sd:SPARQL11Query }"
    )
    names = {r[0].value for r in store.query(sd + "SELECT ?n { ?s sd:defaultDataset/sd:namedGraph/sd:name ?n }")}
    assert names == {EX + "g1", EX + "g2", EX + "g3", "https://w3id.org/tehkg/graph/metadata"}
    formats = {r[0].value.rsplit("/", 1)[-1] for r in store.query(sd + "SELECT ?f { ?s sd:resultFormat ?f }")}
    assert {
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "JSON-LD",
        "RDF_XML",
        "N-Triples",
        "TriG",
        "N-Quads",
    } == formats


@pytest.mark.parametrize("accept", ["application/ld+json", "application/rdf+xml"])
def test_service_description_formats(fixture_client, accept):
    r = fixture_client.get("/sparql", headers={"Accept": accept})
    assert r.headers["content-type"].startswith(accept)
    fmt = ox.RdfFormat.from_media_type(accept)
    assert list(ox.parse(r.content, format=fmt))


def test_browser_get_without_query_is_the_editor(fixture_client):
    r = fixture_client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.headers["content-type"].startswith("text/html") and "<textarea" in r.text


def test_graph_store_read(fixture_client):
    r = fixture_client.get("/store", params={"graph": EX + "g1"}, headers={"Accept": "application/n-triples"})
    assert len(list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))) == 2
    r = fixture_client.get("/store?default", headers={"Accept": "application/n-triples"})
    count = fixture_client.get(
        "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}, headers={"Accept": JSON}
    ).json()["results"]["bindings"][0]["n"]["value"]
    assert len(list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))) == int(count) > 8
    assert fixture_client.get("/store", params={"graph": EX + "nope"}).status_code == 404
    assert fixture_client.put("/store", params={"graph": EX + "g1"}, content="").status_code == 405


def test_cors(fixture_client):
    r = fixture_client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "http://elsewhere.example"})
    assert r.headers["access-control-allow-origin"] == "*"


def test_health(fixture_client):
    body = fixture_client.get("/health").json()
    assert body["status"] == "ok" and body["store"]


def test_openapi(fixture_client):
    assert "/sparql" in fixture_client.get("/openapi.json").json()["paths"]


def test_json_results_shape(fixture_client):
    query = "SELECT ?l WHERE { <http://example.org/a> <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }"
    body = json.loads(fixture_client.get("/sparql", params={"query": query}).text)
    assert body["results"]["bindings"] == [{"l": {"type": "literal", "value": "un", "xml:lang": "fr"}}]


def test_post_without_query_is_the_service_description(fixture_client):
    r = fixture_client.post("/sparql", data={"format": "turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    store = ox.Store()
    store.load(r.content, format=ox.RdfFormat.TURTLE)
    assert store.query("ASK { ?s a <http://www.w3.org/ns/sparql-service-description#Service> }")
