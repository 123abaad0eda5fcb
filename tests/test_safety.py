"""Safety, through the whole application in process: time limits that stop work, no SSRF, bounds, caching."""

import socket
import threading
import time
import uuid

import pytest
import rdflib
from fastapi.testclient import TestClient

from tests.conftest import FIXTURES

RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
    "?m ?n1 ?o . ?p ?q ?r . ?s ?t ?u . ?v ?w ?x . ?y ?z ?aa }"
)
JSON = {"Accept": "application/sparql-results+json"}
XML = "application/sparql-results+xml"


def test_listener_counts_a_connection(canary):
    """The SSRF checks below can fail: a connection made before the probe is counted."""
    socket.create_connection(("127.0.0.1", canary.port), timeout=5).close()
    assert canary.connections_from_others() == 1


def cache_misses(client: TestClient) -> int:
    return client.get("/health").json()["cache"]["misses"]


def test_runaway_query_is_stopped_and_others_are_served(fixture_client):
    results = {}
    ask = f"ASK {{ ?s ?p ?o }} # {uuid.uuid4()}"  # seen cheap once; asked again in XML, a cache miss
    assert fixture_client.get("/sparql", params={"query": ask}, headers=JSON).status_code == 200
    misses = cache_misses(fixture_client)

    def runaway():
        results["runaway"] = fixture_client.get("/sparql", params={"query": RUNAWAY}, timeout=30)

    thread = threading.Thread(target=runaway)
    thread.start()
    deadline = time.monotonic() + 10
    while cache_misses(fixture_client) == misses and time.monotonic() < deadline:  # the runaway is past the cache
        time.sleep(0.01)
    assert "runaway" not in results
    r = fixture_client.get("/sparql", params={"query": ask}, headers={"Accept": XML})
    assert r.status_code == 200, r.text  # a known cheap query gets the reserved worker while the runaway runs
    assert r.headers["content-type"].startswith(XML)
    assert "runaway" not in results
    thread.join(30)
    assert not thread.is_alive()
    response = results["runaway"]
    assert response.status_code == 503
    assert response.json()["error"] == "timeout"
    assert response.json()["limit"] == 2  # stopped by the fixture server's limit
    # the killed worker was replaced: both workers answer again
    for _ in range(4):
        assert fixture_client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
    assert fixture_client.get("/health").json()["workers_replaced"] >= 1


def test_lower_timeout_per_request(fixture_client):
    r = fixture_client.get("/sparql", params={"query": RUNAWAY, "timeout": "0.5"}, timeout=30)
    assert r.status_code == 503 and r.json()["error"] == "timeout"
    assert r.json()["limit"] == 0.5  # the request's own limit, not the server's 2 s


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
        "PREFIX x: <http://127.0.0.1:{port}/> SELECT * WHERE {{ service x:sparql {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ BIND(<http://127.0.0.1:{port}/sparql> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    ],
)
def test_service_refused_without_connecting(fixture_client, canary, template):
    query = template.format(port=canary.port)
    r = fixture_client.get("/sparql", params={"query": query})
    assert r.status_code == 403 and r.json()["error"] == "service-refused"
    assert canary.connections_from_others() == 0


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * FROM <http://127.0.0.1:{port}/data.ttl> WHERE {{ ?s ?p ?o }}",
        "SELECT * FROM NAMED <http://127.0.0.1:{port}/data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    ],
)
def test_from_never_fetches(fixture_client, canary, template):
    r = fixture_client.get("/sparql", params={"query": template.format(port=canary.port)}, headers=JSON)
    assert r.status_code == 200 and r.json()["results"]["bindings"] == []
    assert canary.connections_from_others() == 0


EX = "http://example.org/"
# Each way of asking the read-only endpoint to change its data, and the refusal it gets: 403 from the SPARQL protocol,
# 405 from the Graph Store (whose only methods are GET and HEAD)
WRITES = [
    (403, "GET", "/sparql", {"params": {"update": "DROP ALL"}}),
    (403, "POST", "/sparql", {"data": {"update": "DROP ALL"}}),
    (403, "POST", "/sparql", {"content": "DROP ALL", "headers": {"Content-Type": "application/sparql-update"}}),
    (403, "POST", "/sparql", {"data": {"update": f"CLEAR GRAPH <{EX}g1>"}}),
    (403, "POST", "/sparql", {"data": {"update": f"DELETE WHERE {{ GRAPH <{EX}g3> {{ ?s ?p ?o }} }}"}}),
    (403, "POST", "/sparql", {"data": {"query": "INSERT DATA { <http://a> <http://b> <http://c> }"}}),
    (403, "POST", "/sparql", {"data": {"update": f"INSERT DATA {{ GRAPH <{EX}g1> {{ <http://a> <http://b> 1 }} }}"}}),
    (405, "DELETE", "/store", {"params": {"graph": f"{EX}g1"}}),
    (405, "PUT", "/store", {"params": {"default": ""}, "content": "", "headers": {"Content-Type": "text/turtle"}}),
    (
        405,
        "POST",
        "/store",
        {
            "params": {"graph": f"{EX}g2"},
            "content": "<http://a> <http://b> <http://c> .",
            "headers": {"Content-Type": "text/turtle"},
        },
    ),
]


def served_quads(client: TestClient, graphs: list[str]) -> dict[str, int]:
    """The number of triples the endpoint serves in each of ``graphs``, asked afresh (a query never cached)."""
    counts = {}
    for graph in graphs:
        query = f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} # {uuid.uuid4()}"
        answer = client.get("/sparql", params={"query": query}, headers=JSON)
        assert answer.status_code == 200, answer.text
        counts[graph] = int(answer.json()["results"]["bindings"][0]["n"]["value"])
    return counts


def test_refused_writes_change_nothing(fixture_client, canary):
    """Every write is refused, and refused for real: afterwards the endpoint serves exactly the triples of
    tests/fixtures/protocol.trig (read here with rdflib, not through the endpoint), holds nothing it was asked to
    insert, fetched nothing, and is as healthy as before (no worker replaced)."""
    fixture = rdflib.Dataset()
    fixture.parse(FIXTURES / "protocol.trig", format="trig")
    expected = {str(g.identifier): len(g) for g in fixture.graphs() if len(g)}
    assert expected == {f"{EX}g1": 2, f"{EX}g2": 2, f"{EX}g3": 4}
    replaced = fixture_client.get("/health").json()["workers_replaced"]
    load = (403, "POST", "/sparql", {"data": {"update": f"LOAD <http://127.0.0.1:{canary.port}/x>"}})
    writes = [*WRITES, load]
    refused = [fixture_client.request(method, path, **kwargs).status_code for _, method, path, kwargs in writes]
    assert refused == [status for status, *_ in writes]
    assert served_quads(fixture_client, list(expected)) == expected
    for s, p, o, g in fixture.quads((None, None, None, None)):
        ask = f"ASK {{ GRAPH <{g}> {{ {s.n3()} {p.n3()} {o.n3()} }} }} # {uuid.uuid4()}"
        assert fixture_client.get("/sparql", params={"query": ask}, headers=JSON).json()["boolean"] is True, ask
    inserted = (
        f"ASK {{ {{ <http://a> <http://b> ?o }} UNION {{ GRAPH ?g {{ <http://a> <http://b> ?o }} }} }} # {uuid.uuid4()}"
    )
    assert fixture_client.get("/sparql", params={"query": inserted}, headers=JSON).json()["boolean"] is False
    assert canary.connections_from_others() == 0
    health = fixture_client.get("/health")
    assert health.status_code == 200 and health.json()["workers_replaced"] == replaced


def test_service_keyword_in_strings_and_iris_is_not_refused(fixture_client):
    query = 'SELECT * WHERE { ?s ?p "SERVICE <http://x/>" } # SERVICE <http://y/>'
    assert fixture_client.get("/sparql", params={"query": query}).status_code == 200


def test_row_cap_is_signalled(fixture_client):
    query = "SELECT ?s WHERE { ?s <http://example.org/q> ?o }"  # 4 rows, cap is 3
    r = fixture_client.get("/sparql", params={"query": query}, headers=JSON)
    assert r.status_code == 200, r.text
    assert r.headers["tehkg-truncated"] == "true" and r.headers["tehkg-row-limit"] == "3"
    body = r.json()
    assert body["truncated"] is True and len(body["results"]["bindings"]) == 3


@pytest.mark.parametrize(
    "path, params",
    [
        ("/store", {"graph": "null"}),  # relative: not a graph name
        ("/store", {"graph": "http://example.org/g> ?p ?o } } #"}),  # would splice into the query
        ("/id/a%3Eb%20c", {}),
    ],
)
def test_request_iris_are_checked_not_spliced(fixture_client, path, params):
    r = fixture_client.get(path, params=params, headers={"Accept": "application/json"})
    assert r.status_code == 400 and "not an absolute IRI" in r.json()["message"]


def test_request_body_cap(fixture_client):
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 30_000
    r = fixture_client.post("/sparql", content=big, headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413


def test_etag_and_not_modified(fixture_client):
    params = {"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"}
    first = fixture_client.get("/sparql", params=params, headers=JSON)
    etag = first.headers["etag"]
    again = fixture_client.get("/sparql", params=params, headers={**JSON, "If-None-Match": etag})
    assert again.status_code == 304
    hits = fixture_client.get("/health").json()["cache"]["hits"]
    fixture_client.get("/sparql", params=params, headers=JSON)
    assert fixture_client.get("/health").json()["cache"]["hits"] == hits + 1
    other = fixture_client.get("/sparql", params=params, headers={"Accept": "text/csv"})
    assert other.headers["etag"] != etag


def test_large_answers_cross_the_worker_pipe(mini_client):
    values = " ".join(f'"{"x" * 200}{i}"' for i in range(2000))  # about 400 kB in and out
    query = f"SELECT ?v WHERE {{ VALUES ?v {{ {values} }} }}"
    r = mini_client.post(
        "/sparql",
        content=query,
        headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"},
    )
    assert r.status_code == 200 and len(r.text.splitlines()) == 1 + 2000
