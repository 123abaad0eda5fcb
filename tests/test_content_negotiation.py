"""The conneg matrix: every result and graph format, q-values, format= override, 406 (the application in process)."""

import csv
import io
import json
import xml.etree.ElementTree as ET

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from tests.conftest import IN_PROCESS

SELECT = "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o } ORDER BY ?s"
ASK = "ASK { ?s ?p ?o }"
CONSTRUCT = "CONSTRUCT { ?s <http://example.org/p> ?o } WHERE { ?s <http://example.org/p> ?o }"
RESULT_TYPES = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
]
GRAPH_TYPES = [
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
    "application/trig",
    "application/n-quads",
]


def parse_select(media: str, body: bytes) -> int:
    """Number of solutions, parsing the body as ``media``."""
    if media.endswith("json"):
        return len(json.loads(body)["results"]["bindings"])
    if media.endswith("xml"):
        ns = "{http://www.w3.org/2005/sparql-results#}"
        return len(ET.fromstring(body).findall(f"{ns}results/{ns}result"))
    if media == "text/csv":
        return len(list(csv.reader(io.StringIO(body.decode())))) - 1
    return len(body.decode().strip().split("\n")) - 1


def get(client: TestClient, query: str, **headers_or_params: str) -> httpx.Response:
    params = {"query": query}
    fmt = headers_or_params.pop("format", None)
    if fmt:
        params["format"] = fmt
    return client.get("/sparql", params=params, headers=headers_or_params)


@pytest.mark.parametrize("media", RESULT_TYPES)
def test_select_formats(fixture_client, media):
    r = get(fixture_client, SELECT, Accept=media)
    assert r.headers["content-type"].split(";")[0] == media
    assert parse_select(media, r.content) == 2
    if media != "text/csv":  # CSV is lossy: pyoxigraph does not read it back
        parsed = ox.parse_query_results(r.content, format=ox.QueryResultsFormat.from_media_type(media))
        assert len(list(parsed)) == 2


@pytest.mark.parametrize("media", RESULT_TYPES)
def test_ask_formats(fixture_client, media):
    r = get(fixture_client, ASK, Accept=media)
    assert r.headers["content-type"].split(";")[0] == media
    none = get(fixture_client, "ASK { ?s <http://example.org/no-such-property> ?o }", Accept=media)
    if media == "text/csv":  # CSV and TSV have no boolean form: one row, one column
        assert (r.text.split(), none.text.split()) == (["_askResult", "true"], ["_askResult", "false"])
    elif media == "text/tab-separated-values":
        assert (r.text.split(), none.text.split()) == (["?_askResult", "true"], ["?_askResult", "false"])
    else:
        answers = [
            ox.parse_query_results(x.content, format=ox.QueryResultsFormat.from_media_type(media)) for x in (r, none)
        ]
        assert all(isinstance(a, ox.QueryBoolean) for a in answers) and [bool(a) for a in answers] == [True, False]


@pytest.mark.parametrize("media", GRAPH_TYPES)
def test_construct_formats(fixture_client, media):
    r = get(fixture_client, CONSTRUCT, Accept=media)
    assert r.headers["content-type"].split(";")[0] == media
    assert len(list(ox.parse(r.content, format=ox.RdfFormat.from_media_type(media)))) == 2


@pytest.mark.parametrize(
    "query,accept",
    [(SELECT, "text/turtle"), (ASK, "application/n-triples"), (CONSTRUCT, "text/csv"), (SELECT, "image/png")],
)
def test_not_acceptable(fixture_client, query, accept):
    assert get(fixture_client, query, Accept=accept).status_code == 406


def test_q_values_pick_the_preferred(fixture_client):
    r = get(fixture_client, SELECT, Accept="text/csv;q=0.5, application/sparql-results+xml;q=0.9")
    assert r.headers["content-type"].startswith("application/sparql-results+xml")
    r = get(fixture_client, CONSTRUCT, Accept="text/turtle;q=0.1, application/ld+json")
    assert r.headers["content-type"].startswith("application/ld+json")


def test_q_zero_refuses_a_type(fixture_client):
    r = get(fixture_client, CONSTRUCT, Accept="text/turtle;q=0, */*")
    assert r.status_code == 200 and not r.headers["content-type"].startswith("text/turtle")


def test_wildcards(fixture_client):
    assert get(fixture_client, SELECT, Accept="text/*").headers["content-type"].startswith("text/csv")
    assert get(fixture_client, CONSTRUCT, Accept="*/*").headers["content-type"].startswith("text/turtle")


@pytest.mark.parametrize(
    "fmt,media",
    [
        ("json", "application/sparql-results+json"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
        ("xml", "application/sparql-results+xml"),
    ],
)
def test_format_parameter_overrides_accept(fixture_client, fmt, media):
    r = get(fixture_client, SELECT, format=fmt, Accept="text/html")
    assert r.headers["content-type"].split(";")[0] == media


@pytest.mark.parametrize(
    "query,fmt,media",
    [
        (SELECT, "srj", "application/sparql-results+json"),
        (SELECT, "srx", "application/sparql-results+xml"),
        (CONSTRUCT, "xml", "application/rdf+xml"),  # SPARQLWrapper's XML and RDFXML
        (CONSTRUCT, "json-ld", "application/ld+json"),
        (CONSTRUCT, "json", "application/ld+json"),
        (CONSTRUCT, "n3", "text/turtle"),
    ],
)
def test_format_parameter_is_read_for_the_query_form(fixture_client, query, fmt, media):
    r = get(fixture_client, query, format=fmt)
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media


def test_format_that_does_not_apply_leaves_the_choice_to_accept(fixture_client):
    r = get(fixture_client, SELECT, format="turtle", Accept="text/csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert parse_select("text/csv", r.content) == 2
    r = get(fixture_client, CONSTRUCT, format="csv", Accept="application/n-triples")
    assert r.headers["content-type"].startswith("application/n-triples") and len(r.text.strip().split("\n")) == 2


def test_relative_iris_resolve_against_the_endpoint_url(fixture_client):
    r = get(fixture_client, "CONSTRUCT { <s> <p> 1 } WHERE {}", Accept="application/n-triples")
    assert r.status_code == 200
    assert r.text.strip() == (f'<{IN_PROCESS}/s> <{IN_PROCESS}/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .')
