"""Truncation at the row cap, signalled the same way in every form and format: ``Tehkg-Truncated: true`` with
``Tehkg-Row-Limit`` and ``Tehkg-Result-Count``; an answer of exactly the cap is not cut. The embedded store
(the fixture's endpoint caps at 3 of its 8 triples) and an external engine behind ``--backend``; the endpoint in
process, the external engine a real one over HTTP."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from tests.conftest import in_process, start_server, stop

CAP = 3
ALL = "SELECT * WHERE { ?s ?p ?o }"
ALL_AT_CAP = f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {CAP}"
GRAPH = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
GRAPH_AT_CAP = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }} LIMIT {CAP}"
DESCRIBE = "DESCRIBE ?s WHERE { ?s ?p ?o }"
RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "text/csv": None,  # counted by lines
}
RDF_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}


def solutions(response: httpx.Response, media: str) -> int:
    """The solutions in a SELECT answer in ``media``."""
    if RESULT_FORMATS[media] is None:
        return len(response.text.strip().splitlines()) - 1
    return sum(1 for _ in ox.parse_query_results(response.content, format=RESULT_FORMATS[media]))


def triples(response: httpx.Response, media: str) -> int:
    """The statements in an RDF answer in ``media``."""
    return sum(1 for _ in ox.parse(response.content, format=RDF_FORMATS[media]))


def query(client: TestClient, text: str, media: str) -> httpx.Response:
    response = client.get("/sparql", params={"query": text}, headers={"Accept": media})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media
    return response


def assert_cut(response: httpx.Response) -> None:
    assert response.headers["tehkg-truncated"] == "true"
    assert response.headers["tehkg-row-limit"] == str(CAP)
    assert response.headers["tehkg-result-count"] == str(CAP)


def assert_whole(response: httpx.Response, count: int) -> None:
    assert "tehkg-truncated" not in response.headers and "tehkg-row-limit" not in response.headers
    assert response.headers["tehkg-result-count"] == str(count)


@pytest.fixture(scope="module")
def remote_front(fixture_store: Path) -> Iterator[TestClient]:
    """The endpoint over ``--backend``, capped at 3, in process, in front of an uncapped real endpoint over the
    fixture (``tehkg serve``: the backend is reached over HTTP)."""
    backend, backend_url = start_server(fixture_store)
    try:
        with in_process(TEHKG_BACKEND=backend_url + "/sparql", TEHKG_MAX_ROWS=str(CAP)) as front:
            yield front
    finally:
        stop(backend)


@pytest.fixture(params=["embedded", "remote"])
def endpoint(request: pytest.FixtureRequest) -> TestClient:
    return request.getfixturevalue("fixture_client" if request.param == "embedded" else "remote_front")


@pytest.mark.parametrize("media", RESULT_FORMATS)
def test_select_cut_at_the_cap_says_so_in_every_result_format(endpoint: TestClient, media: str) -> None:
    response = query(endpoint, ALL, media)
    assert_cut(response)
    assert solutions(response, media) == CAP


@pytest.mark.parametrize("media", RESULT_FORMATS)
def test_select_of_exactly_the_cap_is_not_cut(endpoint: TestClient, media: str) -> None:
    response = query(endpoint, ALL_AT_CAP, media)
    assert_whole(response, CAP)
    assert solutions(response, media) == CAP


@pytest.mark.parametrize("media", RDF_FORMATS)
@pytest.mark.parametrize("text", [GRAPH, DESCRIBE], ids=["construct", "describe"])
def test_graph_cut_at_the_cap_says_so_in_every_rdf_format(endpoint: TestClient, text: str, media: str) -> None:
    response = query(endpoint, text, media)
    assert_cut(response)
    assert triples(response, media) == CAP


@pytest.mark.parametrize("media", RDF_FORMATS)
def test_graph_of_exactly_the_cap_is_not_cut(endpoint: TestClient, media: str) -> None:
    response = query(endpoint, GRAPH_AT_CAP, media)
    assert_whole(response, CAP)
    assert triples(response, media) == CAP


def test_format_parameter_gets_the_same_header(fixture_client: TestClient) -> None:
    for fmt in ("csv", "tsv", "srx", "json"):
        response = fixture_client.get("/sparql", params={"query": ALL, "format": fmt})
        assert_cut(response)
    response = fixture_client.get("/sparql", params={"query": GRAPH, "format": "xml"})
    assert response.headers["content-type"].startswith("application/rdf+xml")
    assert_cut(response)


def test_json_results_also_say_it_in_the_body(fixture_client: TestClient) -> None:
    assert query(fixture_client, ALL, "application/sparql-results+json").json()["truncated"] is True
    assert "truncated" not in query(fixture_client, ALL_AT_CAP, "application/sparql-results+json").json()


def test_the_cap_is_exposed_to_browsers_and_stated_in_the_service_description(fixture_client: TestClient) -> None:
    response = fixture_client.get("/sparql", params={"query": ALL}, headers={"Origin": "https://example.org"})
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert {"tehkg-truncated", "tehkg-row-limit", "tehkg-result-count"} <= exposed
    description = fixture_client.get("/sparql", headers={"Accept": "application/n-triples"}).text
    assert f"Answers stop at {CAP} solutions or triples, in every format" in description
    assert f"Tehkg-Truncated: true and Tehkg-Row-Limit: {CAP}" in description
