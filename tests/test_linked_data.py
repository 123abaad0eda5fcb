"""Dereferenceable IRIs, pages, ontology, search and dataset description, through the whole application in process."""

import json

import httpx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from tests.conftest import own_path
from tests.test_entity_documents import EXTENSIONS

MEASURE = "/id/plan/2030-2032/measure/1"
IRI = "https://w3id.org/tehkg" + MEASURE


def triples(client: TestClient, response: httpx.Response) -> list[ox.Triple]:
    media = response.headers["content-type"].split(";")[0]
    body = response.content
    if media == "application/ld+json":  # compacted against the published context: inline it for the parser
        document = response.json()
        document["@context"] = client.get(own_path(document["@context"])).json()["@context"]
        body = json.dumps(document).encode()
    return [q.triple for q in ox.parse(body, format=ox.RdfFormat.from_media_type(media))]


@pytest.mark.parametrize(
    "accept",
    [
        "text/turtle",
        "application/ld+json",
        "application/n-triples",
        "application/rdf+xml",
        "application/trig",
        "application/n-quads",
    ],
)
def test_deref_rdf_by_accept(mini_client, accept):
    r = mini_client.get(MEASURE, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    assert r.headers["content-location"] == MEASURE + "." + EXTENSIONS[accept]  # the variant served
    labels = {
        t.object.value
        for t in triples(mini_client, r)
        if t.subject.value == IRI and t.predicate.value.endswith("#prefLabel")
    }
    assert labels == {"Mesure d'essai", "Test measure"}


def test_quads_keep_provenance(mini_client):
    r = mini_client.get(MEASURE, headers={"Accept": "application/n-quads"})
    quads = list(ox.parse(r.content, format=ox.RdfFormat.N_QUADS))
    graphs = {q.graph_name.value for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)}
    assert {"https://w3id.org/tehkg/graph/test-plan", "https://w3id.org/tehkg/graph/translations"} <= graphs


@pytest.mark.parametrize(
    "suffix,media",
    [
        (".ttl", "text/turtle"),
        (".jsonld", "application/ld+json"),
        (".nt", "application/n-triples"),
        (".rdf", "application/rdf+xml"),
        ("?format=ttl", "text/turtle"),
    ],
)
def test_deref_by_extension_or_format(mini_client, suffix, media):
    r = mini_client.get(MEASURE + suffix, headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)


def test_link_header_lists_alternates(mini_client):
    link = mini_client.get(MEASURE, headers={"Accept": "text/turtle"}).headers["link"]
    assert f'<{MEASURE}.ttl>; rel="alternate"; type="text/turtle"' in link


def test_browser_gets_a_page(mini_client):
    r = mini_client.get(MEASURE, headers={"Accept": "text/html,application/xhtml+xml"})
    assert r.headers["content-type"].startswith("text/html")
    assert '<h1 class="measure-title"><span class="number">Mesure 1</span> Mesure d&#39;essai</h1>' in r.text
    assert '<a href="/id/org/direction-essai?lang=fr"' in r.text  # the pilot, linked in the page's language
    assert "Axe 1 › Action 1 › Mesure 1" in r.text  # provenance passage
    english = mini_client.get(MEASURE + "?lang=en", headers={"Accept": "text/html"})
    assert '<h1 class="measure-title"><span class="number">Measure 1</span> Test measure</h1>' in english.text


def test_incoming_links_on_organisation_page(mini_client):
    r = mini_client.get("/id/org/direction-essai", headers={"Accept": "text/html"})
    assert f'href="{MEASURE}?lang=fr"' in r.text


@pytest.mark.parametrize("accept", ["text/turtle", "text/html"])
def test_unknown_iri_is_404(mini_client, accept):
    assert mini_client.get("/id/plan/1900-1901", headers={"Accept": accept}).status_code == 404


def test_ontology(mini_client):
    html = mini_client.get("/ontology", headers={"Accept": "text/html"})
    assert 'id="Measure"' in html.text
    ttl = mini_client.get("/ontology", headers={"Accept": "text/turtle"})
    assert any(t.subject.value == "https://w3id.org/tehkg/ontology#Measure" for t in triples(mini_client, ttl))


def test_named_graph_dereferences(mini_client):
    r = mini_client.get("/graph/test-plan", headers={"Accept": "application/n-quads"})
    quads = list(ox.parse(r.content, format=ox.RdfFormat.N_QUADS))
    assert any(q.subject.value == IRI for q in quads)


@pytest.mark.parametrize("path", ["/dataset", "/.well-known/void"])
def test_dataset_description(mini_client, path):
    r = mini_client.get(path, headers={"Accept": "text/turtle"})
    store = ox.Store()
    store.load(r.content, format=ox.RdfFormat.TURTLE)
    prefix = "PREFIX void: <http://rdfs.org/ns/void#> PREFIX dcat: <http://www.w3.org/ns/dcat#> "
    assert store.query(
        prefix + "ASK { ?d void:triples ?n ; void:sparqlEndpoint ?e ; void:dataDump ?dump ; "
        "void:classPartition [ void:class ?c ; void:entities ?k ] ; dcat:distribution ?x }"
    )


def test_search_is_accent_and_case_insensitive(mini_client):
    hits = mini_client.get("/search", params={"q": "MINISTERE essai"}).json()["results"]
    assert hits[0]["iri"] == "https://w3id.org/tehkg/id/org/ministere-essai"
    assert mini_client.get("/search", params={"q": "test measure"}).json()["results"][0]["path"] == MEASURE


def test_landing_page(mini_client):
    r = mini_client.get("/", headers={"Accept": "text/html"})
    assert r.status_code == 200 and "CC BY 4.0" in r.text and "/sparql" in r.text


def test_dump(mini_client):
    r = mini_client.get("/dump.nq")
    assert len(list(ox.parse(r.content, format=ox.RdfFormat.N_QUADS))) > 90


def test_dataset_page_plots_its_series(mini_client):
    r = mini_client.get("/id/dataset/test", headers={"Accept": "text/html"})
    assert "<svg" in r.text and "Victimes" in r.text and ">12<" in r.text


def test_plan_page_shows_tree_and_charts(mini_client):
    r = mini_client.get("/id/plan/2030-2032", headers={"Accept": "text/html"})
    assert (
        'href="/id/plan/2030-2032/axis/1?lang=fr"' in r.text and 'href="/id/plan/2030-2032/measure/1?lang=fr"' in r.text
    )
    assert "<svg" in r.text  # status breakdown and pilots
