"""The W3C SPARQL 1.1 Protocol manifest, replayed (through the application in process) against an endpoint holding
the graphs the cases name (``ut:graphData``).

Query cases must pass as written. This endpoint is read-only: an update request the manifest
expects to succeed must be refused with 403 and the JSON error ``read-only``; the requests after it
check the update's effect, which a read-only service rightly does not have, so they are not
replayed. Bad-request cases (``bad_*``) must get the 4xx they expect. After a refused update, every graph still holds
exactly the triples of its data file (read with rdflib, asked with a query no cache has seen).
"""

import csv
import io
import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.compare import isomorphic

from tehkg.loader.store_builder import build
from tests.conftest import in_process
from tests.w3c.manifests import Case, HttpRequest, load

CASES = load("protocol", "manifest.ttl")
GRAPHS = {iri: path for case in CASES for iri, path in case.graph_data.items()}  # graph IRI -> its data file
SRX = "{http://www.w3.org/2005/sparql-results#}"
RESULT_TYPES = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
}
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/trig": "trig",
    "application/n-quads": "nquads",
}


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The endpoint in process over every graph the manifest's cases name, each in the named graph its label gives."""
    root = tmp_path_factory.mktemp("w3c-protocol")
    quads = root / "graph-data.nq"
    quads.write_text(
        "".join(f"{line[:-2]} <{iri}> .\n" for iri, path in GRAPHS.items() for line in _lines(path)),
        encoding="utf-8",
    )
    build([quads], root / "store", validate=False, log=lambda _: None)
    with in_process(root / "store") as client:
        yield client


def _lines(path: Path) -> list[str]:
    return [line.rstrip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _send(client: TestClient, request: HttpRequest) -> httpx.Response:
    path = request.path.replace("/sparql/", "/sparql", 1)
    return client.request(request.method, path, headers=request.headers, content=request.body, timeout=30)


def _boolean(response: httpx.Response) -> bool:
    media = response.headers["content-type"].split(";")[0]
    if media == "application/sparql-results+json":
        return response.json()["boolean"]
    assert media == "application/sparql-results+xml", media
    return ET.fromstring(response.content).find(f"{SRX}boolean").text == "true"


def _check_format(response: httpx.Response, expected: str) -> None:
    media = response.headers["content-type"].split(";")[0]
    if expected == "boolean":
        _boolean(response)
    elif expected == "tabular":
        assert media in RESULT_TYPES, media
        if media.endswith("+json"):
            assert "vars" in json.loads(response.text)["head"]
        elif media.endswith("+xml"):
            assert ET.fromstring(response.content).find(f"{SRX}head") is not None
        else:
            assert next(csv.reader(io.StringIO(response.text), delimiter="," if media == "text/csv" else "\t"))
    else:
        assert expected == "RDF", expected
        assert media in RDF_TYPES, media
        rdflib.Dataset().parse(data=response.content, format=RDF_TYPES[media])


def replay(client: TestClient, case: Case) -> list[str]:
    """Send the case's requests in order and check each response; returns what was checked."""
    checked = []
    for request in case.requests:
        response = _send(client, request)
        if request.is_update and request.expected.accepts(200):
            assert response.status_code == 403, (request.path, response.status_code, response.text)
            assert response.json()["error"] == "read-only"
            checked.append("update refused")
            break
        assert request.expected.accepts(response.status_code), (response.status_code, response.text)
        if request.expected.statuses != ("4xx",):
            checked.append(str(response.status_code))
        if request.expected.result_format:
            _check_format(response, request.expected.result_format)
        if request.expected.boolean is not None:
            assert _boolean(response) is request.expected.boolean
        if response.status_code >= 400:
            assert response.json()["error"], response.text  # one JSON error shape
            checked.append(f"{response.status_code} {response.json()['error']}")
    return checked


def _assert_graphs_intact(client: TestClient) -> None:
    for iri, path in GRAPHS.items():
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }} # {uuid.uuid4()}"
        response = client.get("/sparql", params={"query": query}, headers={"accept": "application/n-triples"})
        assert response.status_code == 200, response.text
        served = rdflib.Graph().parse(data=response.text, format="nt")
        assert isomorphic(served, rdflib.Graph().parse(path, format="nt")), iri


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_protocol_case(endpoint: TestClient, case: Case) -> None:
    assert case.requests, f"{case.name} has no HTTP conversation"
    checked = replay(endpoint, case)
    assert checked
    if "update refused" in checked:
        _assert_graphs_intact(endpoint)


def test_manifest_is_complete() -> None:
    """The runner saw every conversation of the official manifest: 34, of which 13 query the store and 7 send an
    update the manifest expects to succeed (refused here, the data checked intact after each)."""
    assert len(CASES) == 34
    queries = [c for c in CASES if not c.name.startswith("bad_") and not any(r.is_update for r in c.requests)]
    assert len(queries) == 13
    assert len([c for c in CASES if any(r.is_update and r.expected.accepts(200) for r in c.requests)]) == 7
