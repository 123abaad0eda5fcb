"""Answers written by pyoxigraph: exact row counts, and the row cap and size bound still hold."""

import json

import pyoxigraph as ox
import pytest

from tehkg.endpoint.engines import execution
from tehkg.endpoint.engines.execution import QueryTask, execute
from tehkg.loader.store_builder import merge_into_default_graph

EX = "http://example.org/"
JSON = "application/sparql-results+json"
# literals holding the bytes a row counter could mistake for row boundaries
TRICKY = ['a}},{"b', "{}", "}},{}", 'x\\"}},{"y', "plain"]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    for i, text in enumerate(TRICKY):
        store.add(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"), ox.Literal(text), ox.NamedNode(EX + "g")))
    merge_into_default_graph(store)  # as a build does: queries read the default graph
    return store


def answer(store: ox.Store, query: str, max_rows: int = 100) -> tuple[execution.QueryAnswer, list]:
    result = execute(store, QueryTask(query=query, accept=JSON, max_rows=max_rows))
    assert result.status == 200, result.error
    return result, json.loads(result.body)["results"]["bindings"]


@pytest.mark.parametrize(
    "query, rows",
    [
        ("SELECT ?s ?o { ?s ?p ?o }", 5),
        ("SELECT ?o { ?s ?p ?o FILTER(CONTAINS(?o, '}')) }", 4),
        ("SELECT ?o { ?s ?p ?o FILTER(CONTAINS(?o, '\"')) }", 2),  # no {} in the answer
        ("SELECT ?unbound { ?s ?p ?o }", 5),  # five empty solutions
        ("SELECT ?s ?x { ?s ?p ?o OPTIONAL { ?s ?q ?x } }", 5),  # ?x never bound
        ("SELECT * { }", 1),
        ("SELECT ?s { ?s ?p 'absent' }", 0),
    ],
)
def test_row_count_is_exact(store, query, rows):
    result, bindings = answer(store, query)
    assert result.count == len(bindings) == rows
    assert not result.truncated


def test_literals_survive_unchanged(store):
    _, bindings = answer(store, "SELECT ?o { ?s ?p ?o }")
    assert sorted(b["o"]["value"] for b in bindings) == sorted(TRICKY)


def test_row_cap_truncates_and_says_so(store):
    result, bindings = answer(store, "SELECT ?s { ?s ?p ?o }", max_rows=2)
    assert result.truncated and result.count == len(bindings) == 2
    assert json.loads(result.body)["truncated"] is True


def test_answer_beyond_the_size_bound_is_complete(store, monkeypatch):
    monkeypatch.setattr(execution, "NATIVE_BYTES", 64)  # every answer here is larger
    result, bindings = answer(store, "SELECT ?s ?o { ?s ?p ?o }")
    assert result.count == len(bindings) == 5 and not result.truncated
    assert sorted(b["o"]["value"] for b in bindings) == sorted(TRICKY)
