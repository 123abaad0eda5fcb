"""``tehkg query``, ``export`` and ``report`` on the built shipped store (in process), and ``tehkg serve`` building
the store it needs (the command run): exact answers, compared with the store read without the command line."""

import json
import os
import subprocess
import sys

import httpx
import pyoxigraph as ox
import pytest

from tehkg.loader.store_layout import current_store
from tehkg.vocab import ONTOLOGY_GRAPH
from tests.conftest import PROJECT_ROOT, free_port, stop, tehkg_cli, wait_until_up

TEH = "https://w3id.org/tehkg/ontology#"
COUNT = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?m a <{TEH}Measure> }}"


@pytest.fixture(scope="module")
def store(shipped_store) -> ox.Store:
    return ox.Store.read_only(str(current_store(shipped_store)))


def tehkg(*args: str) -> str:
    done = tehkg_cli(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_query_counts_each_measure_once(shipped_store, tmp_path):
    assert tehkg("query", COUNT, "--store", str(shipped_store)).split() == ["n", "68"]
    (tmp_path / "count.rq").write_text(COUNT)
    answer = json.loads(tehkg("query", f"@{tmp_path / 'count.rq'}", "--store", str(shipped_store), "--format", "json"))
    assert answer["results"]["bindings"][0]["n"]["value"] == "68"


def test_query_construct_in_an_rdf_format(shipped_store):
    text = tehkg(
        "query",
        f"CONSTRUCT {{ ?m a <{TEH}Measure> }} WHERE {{ ?m a <{TEH}Measure> }}",
        "--store",
        str(shipped_store),
        "--format",
        "nt",
    )
    assert len(list(ox.parse(text.encode(), format=ox.RdfFormat.N_TRIPLES))) == 68


def test_query_syntax_error_exits_2(shipped_store):
    done = tehkg_cli("query", "SELECT WHERE {", "--store", str(shipped_store))
    assert done.returncode == 2 and done.stderr.startswith("error:")


def test_export_quads_are_the_named_graphs(shipped_store, store, tmp_path):
    out = tmp_path / "dump.nq"
    tehkg("export", "--store", str(shipped_store), "--format", "nq", "-o", str(out))
    quads = list(ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS))
    named = [q for q in store.quads_for_pattern(None, None, None) if not isinstance(q.graph_name, ox.DefaultGraph)]
    assert not any(isinstance(q.graph_name, ox.DefaultGraph) for q in quads)
    assert len(quads) == len(named)


def test_export_triples_are_the_default_graph_each_once(shipped_store, store):
    text = tehkg("export", "--store", str(shipped_store), "--format", "nt")
    triples = list(ox.parse(text.encode(), format=ox.RdfFormat.N_TRIPLES))
    distinct = {
        q.triple for q in store.quads_for_pattern(None, None, None) if not isinstance(q.graph_name, ox.DefaultGraph)
    }
    assert len(triples) == len(distinct)


def test_export_one_graph(shipped_store, store):
    text = tehkg("export", "--store", str(shipped_store), "--format", "nt", "--graph", ONTOLOGY_GRAPH)
    graph = list(store.quads_for_pattern(None, None, None, ox.NamedNode(ONTOLOGY_GRAPH)))
    assert len(list(ox.parse(text.encode(), format=ox.RdfFormat.N_TRIPLES))) == len(graph) > 0


def test_report_counts_the_measures_of_each_plan(store):
    table = json.loads(tehkg("report", "--format", "json"))
    per_plan = {
        row["plan"].value.rsplit("/", 1)[-1]: int(row["n"].value)
        for row in store.query(
            f"SELECT ?plan (COUNT(DISTINCT ?m) AS ?n) {{ ?m a <{TEH}Measure> ; <{TEH}inPlan> ?plan }} GROUP BY ?plan"
        )
    }
    assert {plan: table[f"measures {plan}"]["total"] for plan in per_plan} == per_plan
    assert sum(per_plan.values()) == 68
    text = tehkg("report")
    assert any(line.split()[:3] == ["measures", "2014-2016", str(per_plan["2014-2016"])] for line in text.splitlines())


def test_serve_builds_the_store_it_needs(tmp_path):
    """Without a store, ``tehkg serve`` builds the shipped data first; started again, it reuses that build."""
    root = tmp_path / "store"
    environ = {**os.environ, "TEHKG_STORE": str(root), "TEHKG_WORKERS": "1"}

    def serve(log_name: str) -> tuple[subprocess.Popen, str, object]:
        port = free_port()
        log = open(tmp_path / log_name, "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "tehkg.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=environ,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + "/health", process, seconds=300)
        return process, base, log

    assert current_store(root) is None
    process, base, log = serve("first.log")
    try:
        built = current_store(root)
        assert built is not None
        r = httpx.get(base + "/sparql", params={"query": COUNT}, headers={"Accept": "text/csv"})
        assert r.text.split() == ["n", "68"]
    finally:
        stop(process)
        log.close()
    assert "is missing: building it" in (tmp_path / "first.log").read_text()
    process, _, log = serve("second.log")
    stop(process)
    log.close()
    assert "is up to date with the sources" in (tmp_path / "second.log").read_text()
    assert current_store(root) == built
