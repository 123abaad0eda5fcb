"""The loader: errors located, failed or killed builds leave the previous store serving, GSP publish. The command
line and the endpoint in process; a build killed, and the engine published to, in processes of their own."""

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tehkg.loader.search_index import SearchIndex
from tehkg.loader.store_builder import build
from tehkg.loader.store_layout import current_store
from tests.conftest import FIXTURES, free_port, in_process, stop, tehkg_cli, wait_until_up

PROJECT_ROOT = Path(__file__).resolve().parent.parent

VALID = FIXTURES / "valid" / "mini.trig"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, TestClient]]:
    """A store built from the valid fixture and the endpoint on it, in process."""
    root = tmp_path / "store"
    build([VALID], root, log=lambda _: None)
    with in_process(root) as client:
        yield root, client


def count(client: TestClient) -> int:
    r = client.get("/sparql", params={"query": COUNT}, headers={"Accept": "text/csv"})
    assert r.status_code == 200, r.text
    return int(r.text.split()[1])


def test_syntax_error_exit_2_with_position_and_store_untouched(served, tmp_path):
    root, client = served
    before, n = current_store(root), count(client)
    broken = tmp_path / "broken.trig"
    broken.write_text(VALID.read_text() + "\n<https://w3id.org/tehkg/id/x> <http://p> .\n")
    line = len(broken.read_text().splitlines())
    for flags in ([], ["--no-validate"]):
        result = tehkg_cli("build", str(broken), "--store", str(root), *flags)
        assert result.returncode == 2, result.stderr
        assert f"{broken}:{line}:" in result.stderr
    assert current_store(root) == before and count(client) == n


def test_violation_aborts_build_and_store_untouched(served, tmp_path):
    root, client = served
    before, n = current_store(root), count(client)
    invalid = tmp_path / "invalid.trig"
    invalid.write_text(
        VALID.read_text().replace('skos:notation "1" ; skos:prefLabel "Mesure', 'skos:prefLabel "Mesure')
    )
    result = tehkg_cli("build", str(invalid), "--store", str(root))
    assert result.returncode == 1
    assert "VIOLATION https://w3id.org/tehkg/id/plan/2030-2032/measure/1" in result.stderr
    assert "nothing was published or swapped in" in result.stderr
    assert current_store(root) == before and count(client) == n


def test_rebuild_swaps_and_server_follows(served, tmp_path):
    root, client = served
    n = count(client)
    extra = tmp_path / "extra.trig"
    extra.write_text(VALID.read_text().replace("Le texte de la mesure.", "Le texte, modifié."))
    assert tehkg_cli("build", str(extra), "--store", str(root)).returncode == 0
    r = client.get(
        "/sparql",
        params={"query": 'ASK { ?m ?p "Le texte, modifié."@fr }'},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert r.json()["boolean"] is True and count(client) == n
    hits = client.get("/search", params={"q": "texte modifie"}).json()["results"]
    assert [h["path"] for h in hits] == ["/id/plan/2030-2032/measure/1"]  # the new build's index


def test_build_writes_the_search_index(tmp_path):
    directory = build([VALID], tmp_path / "store", log=lambda _: None).directory
    hits = SearchIndex.read(directory).search("MESURE D'ESSAI", 5)
    assert hits[0].iri == "https://w3id.org/tehkg/id/plan/2030-2032/measure/1" and hits[0].score == 1.0


def synthetic(path: Path, triples: int) -> Path:
    with path.open("w") as out:
        for i in range(triples):
            out.write(
                f'<https://w3id.org/tehkg/id/x/{i}> <http://example.org/p> "v{i}" <https://w3id.org/tehkg/graph/big> .\n'
            )
    return path


def test_killed_build_leaves_a_working_store(served, tmp_path):
    root, client = served
    before, n = current_store(root), count(client)
    big = synthetic(tmp_path / "big.nq", 1_500_000)
    process = subprocess.Popen(
        [sys.executable, "-m", "tehkg.cli", "build", str(big), "--store", str(root), "--no-validate"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(root.glob("v*.partial")) and process.poll() is None:
        time.sleep(0.02)
    (partial,) = root.glob("v*.partial")  # recognisable while the build runs
    assert process.poll() is None, "the build finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert partial.is_dir() and current_store(root) == before and count(client) == n  # never served
    assert tehkg_cli("build", str(VALID), "--store", str(root)).returncode == 0  # and cleans up
    assert not partial.exists() and not list(root.glob("*.partial"))
    assert len([d for d in root.glob("v*") if d.is_dir()]) == 2  # the new store and the one it replaced


@pytest.fixture
def oxigraph_server(tmp_path):
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    port = free_port()
    process = subprocess.Popen(
        [binary, "serve", "--location", str(tmp_path / "ox"), "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base + "/query?query=ASK%7B%7D", process)
    yield base
    stop(process)


def test_target_round_trips_every_graph(oxigraph_server):
    import pyoxigraph as ox
    from rdflib import Graph
    from rdflib.compare import isomorphic

    result = tehkg_cli("build", str(VALID), "--target", oxigraph_server + "/store")
    assert result.returncode == 0, result.stderr
    graphs = {q.graph_name.value for q in ox.parse(path=str(VALID), format=ox.RdfFormat.TRIG)}
    for graph in graphs - {"https://w3id.org/tehkg/graph/metadata"}:  # metadata also gets statistics
        r = httpx.get(oxigraph_server + "/store", params={"graph": graph}, headers={"Accept": "application/n-triples"})
        mine = [q.triple for q in ox.parse(path=str(VALID), format=ox.RdfFormat.TRIG) if q.graph_name.value == graph]
        expected = Graph().parse(data=ox.serialize(mine, format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")
        assert isomorphic(Graph().parse(data=r.text, format="nt"), expected), graph


def test_target_keeps_graph_ownership(oxigraph_server):
    evil = FIXTURES / "hostile" / "foreign-document.trig"
    refused = tehkg_cli("build", str(VALID), str(evil), "--target", oxigraph_server + "/store")
    assert refused.returncode == 2 and "graph <https://w3id.org/tehkg/graph/test-plan> is owned by" in refused.stderr
    shared = tehkg_cli("build", str(VALID), str(evil), "--target", oxigraph_server + "/store", "--allow-shared-graphs")
    assert shared.returncode == 0, shared.stderr
    r = httpx.get(oxigraph_server + "/store", params={"graph": "https://w3id.org/tehkg/graph/test-plan"})
    assert "Plan d'un autre" in r.text


def test_backend_serves_the_same_answers(oxigraph_server):
    assert tehkg_cli("build", str(VALID), "--target", oxigraph_server + "/store").returncode == 0
    with in_process(TEHKG_BACKEND=oxigraph_server + "/query") as client:
        query = (
            "SELECT ?m ?label WHERE { ?m a <https://w3id.org/tehkg/ontology#Measure> ; "
            "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label } ORDER BY ?label"
        )
        r = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
        assert r.status_code == 200, r.text
        assert r.text.splitlines()[1:] == [
            "https://w3id.org/tehkg/id/plan/2030-2032/measure/1,Mesure d'essai",
            "https://w3id.org/tehkg/id/plan/2030-2032/measure/1,Test measure",
        ]
        scoped = client.get(
            "/sparql",
            headers={"Accept": "text/csv"},
            params=[
                ("query", "SELECT ?s WHERE { ?s a <https://w3id.org/tehkg/ontology#Measure> }"),
                ("default-graph-uri", "https://w3id.org/tehkg/graph/test-registry"),
            ],
        )
        assert scoped.status_code == 200 and scoped.text.split() == ["s"]  # no measure in that graph
        page = client.get("/id/plan/2030-2032/measure/1", headers={"Accept": "text/turtle"})
        assert page.status_code == 200 and "Mesure d'essai" in page.text
        hits = client.get("/search", params={"q": "mesure d'essai"}).json()["results"]
        assert hits[0]["path"] == "/id/plan/2030-2032/measure/1"
