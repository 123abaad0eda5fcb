"""rdflib's SPARQLStore over the endpoint, with its defaults (``returnFormat="xml"``, GET): queries,
the graphs it lists and the size it counts."""

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore

from tehkg.loader.store_layout import current_store

TEH = rdflib.Namespace("https://w3id.org/tehkg/ontology#")


@pytest.fixture(scope="module")
def store(shipped_store) -> ox.Store:
    return ox.Store.read_only(str(current_store(shipped_store)))


@pytest.fixture(scope="module")
def remote(server) -> rdflib.Graph:
    return rdflib.Graph(store=SPARQLStore(server + "/sparql"))


def test_select(remote, server):
    rows = list(remote.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?m a <{TEH.Measure}> }}"))
    assert [int(row.n) for row in rows] == [68]
    as_json = rdflib.Graph(store=SPARQLStore(server + "/sparql", returnFormat="json", method="POST"))
    assert [int(row.n) for row in as_json.query(f"SELECT (COUNT(*) AS ?n) {{ ?m a <{TEH.Measure}> }}")] == [68]


def test_ask(remote):
    assert remote.query("ASK { ?m a <https://w3id.org/tehkg/ontology#Measure> }").askAnswer is True
    assert remote.query("ASK { ?m a <https://w3id.org/tehkg/ontology#Nothing> }").askAnswer is False


def test_construct(remote):
    graph = remote.query(f"CONSTRUCT {{ ?m a <{TEH.Measure}> }} WHERE {{ ?m a <{TEH.Measure}> }}").graph
    assert len(graph) == 68


def test_contexts_are_the_named_graphs(remote, store):
    assert sorted(str(g) for g in remote.store.contexts()) == sorted(g.value for g in store.named_graphs())


def test_len_is_the_default_graph(remote, store):
    distinct = {q.triple for q in store.quads_for_pattern(None, None, None) if q.graph_name != ox.DefaultGraph()}
    assert len(remote) == len(distinct)
