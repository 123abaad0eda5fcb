"""GRAPH patterns restricted in a query's text to the graphs a record lists (endpoint/query/graph_patterns.py).

The engine is played by pyoxigraph reading the rewritten query as Virtuoso does when it gets a default graph and no
named graphs: ``GRAPH ?g`` ranges over every graph of the store (the record, a stage of a publish, the merge). Each
rewritten query must answer exactly as the original over the published dataset: the merge as default graph, the
listed graphs as named graphs.
"""

import pyoxigraph as ox
import pytest

from tehkg.endpoint.query.graph_patterns import RESTRICTED_LENGTH, restrict_graphs
from tehkg.endpoint.query.scan import PARSED_LENGTH, QueryRejected, canonical, portable
from tehkg.vocab import DCTERMS

RECORD = "https://w3id.org/tehkg/graph/publication"
EX = "http://example.org/"
PUBLISHED = [f"{EX}a", f"{EX}b"]
STAGE = f"{EX}stage"
MERGE = f"{RECORD}/v1/default"
PREFIXES = f"PREFIX ex: <{EX}> "


@pytest.fixture(scope="module")
def store() -> ox.Store:
    """Two published graphs, a stage holding the same kind of triples, the record, the merge of the published."""
    held = ox.Store()
    data = {
        f"{EX}a": [("s1", "p", "o1"), ("s2", "p", "o2"), ("s1", "q", "s2")],
        f"{EX}b": [("s1", "p", "o3"), ("s3", "r", "o3")],
        STAGE: [("s1", "p", "o9"), ("s9", "r", "o9")],
    }
    for graph, triples in data.items():
        for s, p, o in triples:
            quad = (ox.NamedNode(EX + s), ox.NamedNode(EX + p), ox.NamedNode(EX + o))
            held.add(ox.Quad(*quad, ox.NamedNode(graph)))
            if graph in PUBLISHED:
                held.add(ox.Quad(*quad, ox.NamedNode(MERGE)))
    record = ox.NamedNode(RECORD)
    for graph in PUBLISHED:
        held.add(ox.Quad(record, ox.NamedNode(f"{DCTERMS}hasPart"), ox.NamedNode(graph), record))
    return held


def answer(store: ox.Store, query: str, **dataset: list[str]) -> tuple[list[str], list[str]]:
    """The variables and the rows (sorted, each written as text) of a SELECT, or an ASK's boolean."""
    found = store.query(
        query,
        default_graph=[ox.NamedNode(g) for g in dataset.get("default", [])] or None,
        named_graphs=[ox.NamedNode(g) for g in dataset["named"]] if "named" in dataset else None,
    )
    if isinstance(found, ox.QueryBoolean):
        return [], [str(bool(found))]
    variables = [v.value for v in found.variables]
    return variables, sorted(" ".join(str(row[v]) for v in variables) for row in found)


QUERIES = {
    "a variable graph": "SELECT ?g ?o WHERE { GRAPH ?g { ex:s1 ex:p ?o } }",
    "a $variable graph": "SELECT $g ?o WHERE { GRAPH $g { ex:s1 ex:p ?o } }",
    "a published graph by IRI": f"SELECT ?o WHERE {{ GRAPH <{EX}b> {{ ?s ?p ?o }} }}",
    "a published graph by prefixed name": "SELECT ?s ?o WHERE { GRAPH ex:a { ?s ex:p ?o } }",
    "a graph not published": f"SELECT ?o WHERE {{ GRAPH <{STAGE}> {{ ?s ?p ?o }} }}",
    "counted per graph": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "the record is no named graph": f"ASK {{ GRAPH ?g {{ <{RECORD}> ?p ?o }} }}",
    "nested": "SELECT ?g ?h ?o WHERE { GRAPH ?g { ex:s1 ex:q ?x GRAPH ?h { ?x ex:p ?o } } }",
    "nested in a constant": "SELECT ?h ?o WHERE { GRAPH ex:a { ex:s1 ex:q ?x GRAPH ?h { ?x ex:p ?o } } }",
    "beside the default graph": "SELECT ?s ?g WHERE { ?s ex:p ex:o3 OPTIONAL { GRAPH ?g { ?s ex:q ?x } } }",
    "in a union": "SELECT ?o WHERE { { GRAPH ex:a { ex:s1 ex:p ?o } } UNION { GRAPH ex:b { ex:s1 ex:p ?o } } }",
    "in a filter": "SELECT ?s WHERE { ?s ex:p ?o FILTER NOT EXISTS { GRAPH ?g { ?s ex:q ?x } } }",
    "a constant without variables": "ASK { GRAPH ex:b { ex:s3 ex:r ex:o3 } }",
    "the stage's triple by constant": f"ASK {{ GRAPH <{STAGE}> {{ ex:s9 ex:r ex:o9 }} }}",
    "in a subquery": "SELECT ?n WHERE { { SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } } }",
    "a string that looks like one": "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?g != 'GRAPH ?g { }') }",
    "a variable named like the rewrite's": "SELECT ?tehkg_graph1 WHERE { GRAPH ex:a { ?tehkg_graph1 ex:q ?x } }",
    "blank nodes alone, counted": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ex:a { [] ex:p [] } }",
    "a blank node label alone, counted": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { _:b ex:p ex:o3 } }",
    "every variable": "SELECT * WHERE { GRAPH ?g { ?s ex:p ?o } }",
    "in nested subqueries": "SELECT ?m ?n WHERE { { SELECT (COUNT(*) AS ?m) WHERE { ?x ex:p ?y } } "
    "{ SELECT (COUNT(DISTINCT ?y) AS ?n) WHERE { GRAPH ?g { ?x ex:p ?y } } } }",
}


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
def test_a_restricted_query_answers_as_over_the_published_dataset(store, query):
    query = PREFIXES + query
    expected = answer(store, query, default=[MERGE], named=PUBLISHED)
    rewritten = restrict_graphs(canonical(query), RECORD)
    assert rewritten != query
    assert answer(store, rewritten, default=[MERGE]) == expected


def test_unrestricted_the_engine_reads_its_other_graphs(store):
    """The check above can fail: the same queries as written read the stage."""
    query = PREFIXES + QUERIES["a variable graph"]
    assert answer(store, query, default=[MERGE]) != answer(store, query, default=[MERGE], named=PUBLISHED)


def test_a_query_without_graph_patterns_is_unchanged():
    query = PREFIXES + "SELECT ?s WHERE { ?s ex:graph ?o FILTER(?o != 'GRAPH') }"
    assert restrict_graphs(query, RECORD) == query


@pytest.mark.parametrize(
    ("query", "names", "variables"),
    [
        ("SELECT * WHERE { GRAPH ex:a { ?s ?p ?o } }", (f"{EX}a",), False),
        ("SELECT * WHERE { ?s ?p ?o FILTER EXISTS { GRAPH ex:b { ?s ?p ?x } } }", (f"{EX}b",), False),
        ("SELECT * WHERE { { SELECT ?s WHERE { GRAPH <http://example.org/a> { ?s ?p ?o } } } }", (f"{EX}a",), False),
        ("SELECT * WHERE { GRAPH ex:a { ?s ?p ?o } FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } } }", (f"{EX}a",), True),
        ("SELECT * WHERE { ?s ?p ?o }", (), False),
    ],
)
def test_the_graphs_a_query_reads_are_read_from_its_parse(query, names, variables):
    """What decides whether Virtuoso gets the graphs named (a few) or the rewrite: every GRAPH pattern, in a
    subquery or an EXISTS too, its prefixed name resolved."""
    read = portable(canonical(PREFIXES + query))
    assert (read.graph_names, read.graph_variables) == (names, variables)


def test_a_rewrite_that_would_grow_past_its_bound_is_refused():
    """Each GRAPH pattern grows by a subquery, and nested ones project their variables again: a query within the
    parse's length of many patterns, or of nested ones over many variables, is refused rather than sent grown."""
    many = "SELECT * WHERE { " + " ".join("GRAPH ?g { }" for _ in range(2400)) + " }"
    variables = " ".join(f"?v{i}" for i in range(2000))
    nested = "SELECT * WHERE { " + "GRAPH ?g { " * 20 + f"VALUES ({variables}) {{ }} " + "}" * 20 + " }"
    for query in (many, nested):
        assert len(query) <= PARSED_LENGTH
        with pytest.raises(QueryRejected, match=f"more than the engine is sent \\({RESTRICTED_LENGTH}\\)"):
            restrict_graphs(query, RECORD)
