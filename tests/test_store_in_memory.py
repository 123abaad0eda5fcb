"""Workers answer from an in-memory copy of a small store, and from disk when told not to copy;
on both, and behind ``--backend``, the default graph is a set: the RDF merge of the named graphs. The endpoint and
the command line in process; the engine behind ``--backend`` a server of its own."""

import itertools
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from tehkg.loader.store_layout import current_store
from tests.conftest import free_port, in_process, stop, tehkg_cli, wait_until_up

ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
MEASURES = "SELECT (COUNT(*) AS ?n) WHERE { ?m a <https://w3id.org/tehkg/ontology#Measure> }"


def workers_in_memory(client: TestClient, wanted: int, seconds: float = 20) -> int:
    """Poll /health (each call runs on a worker, in turn) until ``wanted`` workers answer from memory."""
    end = time.monotonic() + seconds
    while True:
        seen = client.get("/health").json()["workers_in_memory"]
        if seen == wanted or time.monotonic() > end:
            return seen
        time.sleep(0.1)


def count(client: TestClient, query: str, **params: str | list[str]) -> int:
    response = client.post(
        "/sparql", data={"query": query, **params}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def graphs(shipped_store) -> dict[str, set[ox.Triple]]:
    """The triples of each named graph, read from the built store without SPARQL."""
    store = ox.Store.read_only(str(current_store(shipped_store)))
    out: dict[str, set[ox.Triple]] = {}
    for quad in store.quads_for_pattern(None, None, None):
        if not isinstance(quad.graph_name, ox.DefaultGraph):
            out.setdefault(quad.graph_name.value, set()).add(quad.triple)
    return out


@pytest.fixture(scope="module")
def endpoints(shipped_store) -> Iterator[dict[str, TestClient]]:
    """The endpoint in process over the shipped data, its worker answering from disk, and from memory."""
    # one worker each: every query then runs where /health looked
    with (
        in_process(shipped_store, TEHKG_MEMORY_QUADS="0", TEHKG_WORKERS="1") as on_disk,
        in_process(shipped_store, TEHKG_WORKERS="1") as in_memory,
    ):
        assert workers_in_memory(in_memory, 1) == 1
        assert workers_in_memory(on_disk, 0, seconds=0) == 0
        yield {"disk": on_disk, "memory": in_memory}


@pytest.fixture(scope="module")
def backend(shipped_store, tmp_path_factory) -> Iterator[TestClient]:
    """The endpoint in process over ``--backend``: ``oxigraph serve`` (an engine of its own, over HTTP) that
    ``tehkg build --target`` published the shipped data to."""
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(binary).exists():
        pytest.skip("the oxigraph server (pip package oxigraph) is not installed")
    root = tmp_path_factory.mktemp("backend")
    port = free_port()
    engine = subprocess.Popen(
        [binary, "serve", "--location", str(root / "ox"), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", engine)
        # staged, with the merge as the default graph: the update endpoint is named
        with pytest.MonkeyPatch.context() as env:
            env.setenv("TEHKG_TARGET_UPDATE", f"http://127.0.0.1:{port}/update")
            env.setenv("TEHKG_TARGET_QUERY", f"http://127.0.0.1:{port}/query")
            published = tehkg_cli("build", "--target", f"http://127.0.0.1:{port}/store")
        assert published.returncode == 0 and "named graphs and their merge" in published.stdout, published.stderr
        with in_process(shipped_store, TEHKG_BACKEND=f"http://127.0.0.1:{port}/query") as front:
            yield front
    finally:
        stop(engine)


@pytest.mark.parametrize("where", ["disk", "memory", "backend"])
def test_default_graph_is_the_merge_of_the_named_graphs(request, graphs, where):
    client = request.getfixturevalue("backend") if where == "backend" else request.getfixturevalue("endpoints")[where]
    assert count(client, MEASURES) == 68  # 23 of them are typed in two documents' graphs
    distinct = set().union(*graphs.values())
    assert sum(map(len, graphs.values())) > len(distinct)  # the data does state some triples twice
    assert count(client, ALL) == len(distinct)
    assert count(client, "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }") == sum(map(len, graphs.values()))


@pytest.mark.parametrize("where", ["disk", "memory"])
def test_several_default_graphs_merge_as_a_set(endpoints, graphs, where):
    a, b = next((a, b) for a, b in itertools.combinations(sorted(graphs), 2) if graphs[a] & graphs[b])
    merged = len(graphs[a] | graphs[b])
    client = endpoints[where]
    assert count(client, f"SELECT (COUNT(*) AS ?n) FROM <{a}> FROM <{b}> {{ ?s ?p ?o }}") == merged
    assert count(client, ALL, **{"default-graph-uri": [a, b]}) == merged
    named = f"SELECT (COUNT(*) AS ?n) FROM <{a}> FROM <{b}> FROM NAMED <{a}> {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert count(client, named) == len(graphs[a])
