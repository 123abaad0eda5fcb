"""HEAD wherever GET is served, OPTIONS with Allow, CORS preflight, 405 with Allow. HEAD on a started server (what
uvicorn sends on the wire for it); the other methods through the whole application in process."""

import socket
from urllib.parse import quote, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from tehkg.endpoint.context import local_path

SKIPPED_HEADERS = {"date"}


@pytest.fixture(scope="module")
def paths(server: str) -> list[str]:
    """One path per route that serves GET, with IRIs the shipped store answers for (found by query)."""
    found = httpx.get(
        server + "/sparql",
        params={
            "query": "SELECT ?g ?m { GRAPH ?g { ?m a <https://w3id.org/tehkg/ontology#Measure> } } ORDER BY ?g ?m LIMIT 1"
        },
        headers={"Accept": "application/sparql-results+json"},
    ).json()["results"]["bindings"][0]
    entity, graph = local_path(found["m"]["value"]), local_path(found["g"]["value"])
    assert entity.startswith("/id/") and graph.startswith("/graph/")
    return [
        "/sparql",
        "/sparql?query=" + quote("SELECT * { ?s ?p ?o } LIMIT 3"),
        "/",
        entity,
        entity + ".ttl",
        graph,
        "/dump.nq",
        "/dataset",
        "/.well-known/void",
        "/store?default",
        "/static/style.css",
        "/ontology",
        "/search?q=traite",
        "/context.jsonld",
        "/health",
        "/id/no/such/thing",  # a 404 is answered the same way
    ]


def raw_response(base: str, method: str, path: str) -> tuple[str, bytes]:
    """The status line and headers, and every byte after them, of one request on its own connection."""
    host, port = urlsplit(base).hostname, urlsplit(base).port
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.decode("latin-1"), rest


def test_head_has_the_headers_of_get_and_no_body(server: str, paths: list[str]) -> None:
    for path in paths:
        got = httpx.get(server + path, headers={"Accept-Encoding": "identity"})
        head = httpx.head(server + path, headers={"Accept-Encoding": "identity"})
        assert head.status_code == got.status_code, path
        assert head.status_code != 405, path
        expected = {k: v for k, v in got.headers.items() if k not in SKIPPED_HEADERS}
        assert {k: v for k, v in head.headers.items() if k not in SKIPPED_HEADERS} == expected, path
        assert int(head.headers["content-length"]) == len(got.content), path


def test_head_sends_no_body_on_the_wire(server: str, paths: list[str]) -> None:
    for path in paths:
        status_line, rest = raw_response(server, "HEAD", path)
        assert status_line.startswith("HTTP/1.1 "), path
        assert "content-length:" in status_line.lower(), path
        assert rest == b"", path


def test_head_of_a_query_keeps_the_truncation_header(fixture_server: str) -> None:
    query = {"query": "SELECT * { GRAPH ?g { ?s ?p ?o } }"}  # 8 triples, the fixture server cuts at 3
    got, head = (
        httpx.get(fixture_server + "/sparql", params=query),
        httpx.head(fixture_server + "/sparql", params=query),
    )
    assert got.headers["tehkg-truncated"] == head.headers["tehkg-truncated"] == "true"
    assert head.headers["content-length"] == str(len(got.content))


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/sparql", "GET, HEAD, POST, OPTIONS"),
        ("/", "GET, HEAD, OPTIONS"),
        ("/dump.nq", "GET, HEAD, OPTIONS"),
        ("/dataset", "GET, HEAD, OPTIONS"),
        ("/id/plan/2019-2021", "GET, HEAD, OPTIONS"),
        ("/static/style.css", "GET, HEAD, OPTIONS"),
    ],
)
def test_options_lists_the_allowed_methods(fixture_client: TestClient, path: str, allow: str) -> None:
    response = fixture_client.options(path)
    assert response.status_code == 204
    assert response.headers["allow"] == allow
    assert response.content == b""


def test_options_of_an_unknown_path_is_a_json_404(fixture_client: TestClient) -> None:
    response = fixture_client.options("/no-such-page")
    assert response.status_code == 404
    assert response.json() == {"error": "not-found", "message": "nothing is served at /no-such-page"}


def test_cors_preflight_still_answered_by_the_cors_layer(fixture_client: TestClient) -> None:
    response = fixture_client.options(
        "/sparql",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "HEAD"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "HEAD" in response.headers["access-control-allow-methods"]
    assert "allow" not in response.headers


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [("PUT", "/sparql", "GET, HEAD, POST, OPTIONS"), ("DELETE", "/dump.nq", "GET, HEAD, OPTIONS")],
)
def test_wrong_method_is_a_json_405_with_allow(fixture_client: TestClient, method: str, path: str, allow: str) -> None:
    response = fixture_client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json() == {"error": "method-not-allowed", "message": "Method Not Allowed"}
