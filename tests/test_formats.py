"""Formats are declared once (tehkg/formats.py): one added there is negotiated, written and described everywhere."""

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from tehkg import formats
from tehkg.endpoint.app import create_app
from tehkg.settings import Settings

MEASURE = "/id/plan/2019-2021/measure/16"
N3 = formats.graph_format(ox.RdfFormat.N3, "n3")


@pytest.fixture
def api(shipped_store: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr(formats, "GRAPH_FORMATS", (*formats.GRAPH_FORMATS, N3))  # the one line a new format takes
    with TestClient(create_app(Settings(store=shipped_store, workers=1))) as client:
        yield client


def test_a_format_added_in_one_place_is_negotiated_and_written(api):
    r = api.get(MEASURE, headers={"Accept": "text/n3"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/n3")
    assert r.headers["content-location"] == MEASURE + ".n3"
    assert 'rel="alternate"; type="text/n3"' in r.headers["link"]
    triples = list(ox.parse(r.content, format=ox.RdfFormat.N3))
    assert any(t.subject.value.endswith(MEASURE) for t in triples)
    assert api.get(MEASURE + ".n3").headers["content-type"].startswith("text/n3")


def test_a_format_added_in_one_place_is_described(api):
    description = api.get("/sparql", headers={"Accept": "application/n-triples"})
    assert description.status_code == 200
    assert f"<{ox.RdfFormat.N3.iri}>" in description.text


def test_a_406_names_every_format_in_one_wording(api):
    r = api.get(MEASURE, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert r.json()["message"] == (
        "none of the accepted media types is available; available: text/turtle, application/n-triples, "
        "application/ld+json, application/rdf+xml, application/trig, application/n-quads, text/n3"
    )
