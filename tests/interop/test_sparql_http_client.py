"""sparql-http-client (npm) over the served shipped store: SELECT, ASK and CONSTRUCT by each SPARQL
Protocol operation it offers, and a Graph Store read, compared exactly with the store's own answers."""

import pyoxigraph as ox
import pytest

from tehkg.loader.store_layout import current_store
from tehkg.vocab import ONTOLOGY_GRAPH
from tests.interop.node_clients import run

TEH = "https://w3id.org/tehkg/ontology#"
OPERATIONS = ["get", "postUrlencoded", "postDirect"]


def client(server: str, form: str, operation: str, text: str) -> object:
    return run("sparql-http-client.mjs", server + "/sparql", server + "/store", form, operation, text)


@pytest.fixture(scope="module")
def store(shipped_store) -> ox.Store:
    return ox.Store.read_only(str(current_store(shipped_store)))


@pytest.mark.parametrize("operation", OPERATIONS)
def test_select_count(server, operation):
    rows = client(server, "select", operation, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?m a <{TEH}Measure> }}")
    assert rows == [{"n": {"termType": "Literal", "value": "68"}}]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_ask(server, operation):
    assert client(server, "ask", operation, f"ASK {{ ?m a <{TEH}Measure> }}") is True
    assert client(server, "ask", operation, f"ASK {{ ?m a <{TEH}NoSuchClass> }}") is False


@pytest.mark.parametrize("operation", OPERATIONS)
def test_construct(server, operation):
    quads = client(
        server, "construct", operation, f"CONSTRUCT {{ ?m a <{TEH}Measure> }} WHERE {{ ?m a <{TEH}Measure> }}"
    )
    assert len(quads) == 68 and len({s["value"] for s, _, _, _ in quads}) == 68


def test_graph_store_read(server, store):
    """The client's Graph Store read of the ontology graph: its triples, each once."""
    graph = list(store.quads_for_pattern(None, None, None, ox.NamedNode(ONTOLOGY_GRAPH)))
    quads = client(server, "graph", "get", ONTOLOGY_GRAPH)
    assert len(quads) == len(graph)
    named = [q for q in graph if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)]
    served = [(s, p, o) for s, p, o, _ in quads if "BlankNode" not in (s["termType"], o["termType"])]
    assert sorted((s["value"], p["value"], o["value"]) for s, p, o in served) == sorted(
        (q.subject.value, q.predicate.value, q.object.value) for q in named
    )
