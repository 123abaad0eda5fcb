"""Each router answered in process (no server, no socket), over the shipped data's store."""

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from tehkg.endpoint.app import create_api, create_app
from tehkg.endpoint.context import ClientSlots, Context
from tehkg.endpoint.documents.cache import ResponseCache
from tehkg.endpoint.engines import make_engine
from tehkg.settings import Settings

MEASURE = "/id/plan/2019-2021/measure/16"


@pytest.fixture(scope="module")
def settings(shipped_store: Path) -> Settings:
    return Settings(store=shipped_store, workers=1)


@pytest.fixture(scope="module")
def api(settings: Settings) -> Iterator[TestClient]:
    """The FastAPI application alone: every route but the answering of queries."""
    slots = ClientSlots(settings.max_per_client, settings.client_budget)
    context = Context(settings, make_engine(settings), ResponseCache(settings.cache_entries), slots)
    with TestClient(create_api(context)) as client:
        yield client


def test_health_router(api):
    body = api.get("/health").json()
    assert body["status"] == "ok" and body["store"]


def test_documents_router(api):
    turtle = api.get(MEASURE, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and turtle.headers["content-type"].startswith("text/turtle")
    assert "measure/16" in turtle.text
    assert api.get("/id/no/such/thing", headers={"Accept": "text/turtle"}).status_code == 404


def test_graph_store_router(api):
    graph = api.get(
        "/store",
        params={"graph": "https://w3id.org/tehkg/graph/question-24191"},
        headers={"Accept": "application/n-triples"},
    )
    assert graph.status_code == 200 and "24191" in graph.text
    assert api.get("/store", params={"graph": "not an iri"}).status_code == 400


def test_dataset_router(api):
    record = api.get("/dataset", headers={"Accept": "text/turtle"})
    assert record.status_code == 200
    triples = ox.parse(record.content, format=ox.RdfFormat.TURTLE)
    assert any(t.object.value == "http://rdfs.org/ns/void#Dataset" for t in triples)


def test_site_router(api):
    hits = api.get("/search", params={"q": "Miprof"}).json()["results"]
    assert any(h["path"] == "/id/org/miprof" for h in hits)
    assert "<html" in api.get("/").text


def test_sparql_through_the_query_layer(settings):
    with TestClient(create_app(settings)) as client:
        answer = client.get(
            "/sparql",
            params={"query": "ASK { ?m a <https://w3id.org/tehkg/ontology#Measure> }"},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert answer.json() == {"head": {}, "boolean": True}
