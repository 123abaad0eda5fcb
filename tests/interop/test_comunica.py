"""Comunica (``@comunica/query-sparql``) over the served shipped store: declared a SPARQL endpoint
(the CLI's ``sparql@URL``) and given the bare URL, which it identifies from the service description.
Every answer is compared exactly with the store's own."""

import pyoxigraph as ox
import pytest

from tehkg.loader.store_layout import current_store
from tests.interop.node_clients import run

TEH = "https://w3id.org/tehkg/ontology#"
MEASURES = f"SELECT ?m WHERE {{ ?m a <{TEH}Measure> }}"
COUNT = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?m a <{TEH}Measure> }}"
MODES = ["sparql", "introspect"]


@pytest.fixture(scope="module")
def measures(shipped_store) -> set[str]:
    store = ox.Store.read_only(str(current_store(shipped_store)))
    found = {row["m"].value for row in store.query(f"SELECT DISTINCT ?m {{ GRAPH ?g {{ ?m a <{TEH}Measure> }} }}")}
    assert len(found) == 68
    return found


@pytest.mark.parametrize("mode", MODES)
def test_count_of_measures(server, mode):
    assert run("comunica.mjs", mode, server + "/sparql", COUNT) == [{"n": {"termType": "Literal", "value": "68"}}]


@pytest.mark.parametrize("mode", MODES)
def test_each_measure_once(server, measures, mode):
    rows = run("comunica.mjs", mode, server + "/sparql", MEASURES)
    assert sorted(row["m"]["value"] for row in rows) == sorted(measures)


@pytest.mark.parametrize("mode", MODES)
def test_ask(server, mode):
    assert run("comunica.mjs", mode, server + "/sparql", f"ASK {{ ?m a <{TEH}Measure> }}") is True
    assert run("comunica.mjs", mode, server + "/sparql", f"ASK {{ ?m a <{TEH}NoSuchClass> }}") is False


@pytest.mark.parametrize("mode", MODES)
def test_construct(server, measures, mode):
    triples = run(
        "comunica.mjs", mode, server + "/sparql", f"CONSTRUCT {{ ?m a <{TEH}Measure> }} WHERE {{ {MEASURES[16:]} }}"
    )
    assert sorted(s["value"] for s, _, _ in triples) == sorted(measures)


@pytest.mark.parametrize(
    "path,title",
    [
        ("/id/plan/2019-2021/measure/16", "http://www.w3.org/2004/02/skos/core#prefLabel"),
        ("/id/org/miprof", "http://www.w3.org/2004/02/skos/core#prefLabel"),
        ("/id/legal/int/directive-2011-36-eu", "http://purl.org/dc/terms/title"),
    ],
)
def test_entity_iri_read_as_a_document(server, shipped_store, path, title):
    """Comunica given the entity's URL (a document, no SPARQL) reads its description from the default graph."""
    store = ox.Store.read_only(str(current_store(shipped_store)))
    entity = f"https://w3id.org/tehkg{path}"
    expected = {row["t"].value for row in store.query(f"SELECT DISTINCT ?t {{ <{entity}> <{title}> ?t }}")}
    assert expected
    rows = run("comunica.mjs", "introspect", server + path, f"SELECT DISTINCT ?t WHERE {{ <{entity}> <{title}> ?t }}")
    assert {row["t"]["value"] for row in rows} == expected
