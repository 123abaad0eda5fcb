"""Hostile queries: no SERVICE gets out (query check and workers without network), and no input kills a worker.
The endpoint is the whole application in process; the worker pool is also called directly."""

import asyncio
import os
import random
import select
import shutil
import signal
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tehkg.endpoint.engines.execution import QueryTask
from tehkg.endpoint.engines.workers import WorkerPool
from tehkg.endpoint.query.scan import MAX_DEPTH, PARSED_LENGTH, QueryRejected, canonical, scan
from tehkg.loader.store_layout import current_store
from tests.conftest import skip_where_refused
from tests.test_safety import RUNAWAY

JSON = {"Accept": "application/sparql-results+json"}
WORKER_MEMORY = 1 << 30
EX = "PREFIX ex: <http://example.org/> "
CANARY = "<http://127.0.0.1:{port}/x>"
# each one reached the canary through the lexer the SERVICE check used to rely on
BYPASSES = [
    EX + r"SELECT * { BIND(ex:a\# AS ?q) SERVICE {canary} { ?x ?y ?z } }",
    EX + r"SELECT * { BIND(ex:a\' AS ?q) SERVICE {canary} { ?x ?y ?z } } # '",
    EX + r"SELECT * { ?s ex:p ex:it\'s . SERVICE {canary} { ?x ?y ?z } } # '",
    EX + r"SELECT * { ?s ex:p ex:a\# . SERVICE {canary} { ?x ?y ?z } }",
]
# forms the old check refused too: kept refused, with no connection
FORMS = [
    r"SELECT * { SERVICE <http://127.0.0.1:{port}/\u0078> { ?x ?y ?z } }",  # the engine unescapes IRIs
    r"SELECT * { \u0053ERVICE {canary} { ?x ?y ?z } }",  # SPARQL §19.2 reads it as SERVICE
    r"SELECT * { \u0053\u0045\u0052\u0056\u0049\u0043\u0045 {canary} { ?x ?y ?z } }",
    r"SELECT * { \U00000053ervice {canary} { ?x ?y ?z } }",
    "BASE <http://127.0.0.1:{port}/> SELECT * { SERVICE <x> { ?x ?y ?z } }",
    "PREFIX c: <http://127.0.0.1:{port}/> SELECT * { SERVICE c:x { ?x ?y ?z } }",
    "SELECT * { BIND({canary} AS ?e) SERVICE ?e { ?x ?y ?z } }",
    "SELECT * { VALUES ?e { {canary} } SERVICE SILENT ?e { ?x ?y ?z } }",
    "SELECT * { { SELECT * { SERVICE {canary} { ?x ?y ?z } } } }",
    "ASK { FILTER EXISTS { SERVICE {canary} { ?x ?y ?z } } }",
    "SELECT * { ?s ?p ?o FILTER NOT EXISTS { SERVICE {canary} { ?x ?y ?z } } }",
    "SELECT * { OPTIONAL { GRAPH ?g { SERVICE {canary} { ?x ?y ?z } } } }",
    "SELECT * { {} UNION { MINUS { SERVICE {canary} { ?x ?y ?z } } } }",
    "SELECT * { ?s <http://example.org/#> ?o . SERVICE {canary} { ?x ?y ?z } }",
    "SELECT * { ?s ?p '#' . SERVICE {canary} { ?x ?y ?z } }",
    'SELECT * { ?s ?p """a"b""c""" . SERVICE {canary} { ?x ?y ?z } }',
    "SELECT * { ?s ?p 'it\\'s' . service {canary} { ?x ?y ?z } }",
    "SELECT * { # a comment\n SeRvIcE {canary} { ?x ?y ?z } }",
    "CONSTRUCT { ?x ?y ?z } WHERE { service silent {canary} { ?x ?y ?z } }",
]
# lexical edge cases put before a SERVICE by the fuzz: each is legal SPARQL in object position
EDGES = [
    r"ex:a\#",
    r"ex:a\'",
    r"ex:\'\'",
    r"ex:a\.b",
    r"ex:a%41",
    r"ex:\%",
    r'"a\"b"',
    r"'a\'b'",
    '"""x"y"""',
    "'''x''y'''",
    "<http://example.org/#'>",
    "<http://example.org/a'b>",
    '"#"',
    "'<'",
    "1.5e3",
    "?v",
    "$v",
    "ex:a #\n",
    r"'\u0041'",
]


def _service_keyword(rng: random.Random) -> str:
    """SERVICE in a random case; one time in four with letters written as codepoint escapes."""
    letters = [c.upper() if rng.random() < 0.5 else c.lower() for c in "service"]
    escaped = rng.random() < 0.25
    return "".join(f"\\u{ord(c):04X}" if escaped and rng.random() < 0.5 else c for c in letters)


def fuzz_cases(count: int = 60, seed: int = 14) -> list[str]:
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        objects = " . ".join(f"?s{i} ex:p {rng.choice(EDGES)}" for i in range(rng.randint(1, 3)))
        keyword = _service_keyword(rng) + (" SILENT" if rng.random() < 0.3 else "")
        cases.append(EX + f"SELECT * {{ {objects} . {keyword} {CANARY} {{ ?x ?y ?z }} }}")
    return cases


def _ask(client: TestClient, query: str) -> httpx.Response:
    return client.post("/sparql", content=query, headers={"Content-Type": "application/sparql-query", **JSON})


def _engine_traffic(client: TestClient) -> tuple[int, int]:
    """Queries that went past the checks to the cache and the engine (cache misses), and workers replaced: a query
    refused before the engine changes neither."""
    health = client.get("/health").json()
    return health["cache"]["misses"], health["workers_replaced"]


@pytest.mark.parametrize("template", BYPASSES + FORMS)
def test_service_never_reaches_the_canary(fixture_client, canary, template):
    query = template.replace("{canary}", CANARY).replace("{port}", str(canary.port))
    before = _engine_traffic(fixture_client)
    r = _ask(fixture_client, query)
    assert r.status_code in (400, 403), r.text
    assert r.json()["error"] in ("service-refused", "bad-query")
    assert canary.connections_from_others() == 0
    assert _engine_traffic(fixture_client) == before  # refused before the engine


def test_fuzzed_lexical_edges_never_reach_the_canary(fixture_client, canary):
    statuses = set()
    for template in fuzz_cases():
        r = _ask(fixture_client, template.replace("{port}", str(canary.port)))
        statuses.add(r.status_code)
        assert r.status_code in (400, 403), (template, r.text)
    assert canary.connections_from_others() == 0
    assert 403 in statuses  # most cases parse, and are refused for what they are


def test_long_query_mentioning_service_is_refused_unparsed(shipped_client, canary):
    padding = "#" * PARSED_LENGTH + "\n"  # a comment: the parse would cost time, the lexer finds nothing in it
    query = f"SELECT * {{ {padding} SERVICE {CANARY.format(port=canary.port)} {{ ?x ?y ?z }} }}"
    r = _ask(shipped_client, query)
    assert r.status_code == 400 and f"up to {PARSED_LENGTH} characters" in r.json()["message"]
    assert canary.connections_from_others() == 0
    short = _ask(shipped_client, "SELECT * { SERVICE " + CANARY.format(port=canary.port) + " { ?x ?y ?z } }")
    assert (
        short.status_code == 403 and canary.connections_from_others() == 0
    )  # under the limit: parsed and refused for what it is


@pytest.mark.parametrize("query", [t.replace("{port}", "1") for t in fuzz_cases(20, seed=7)])
def test_fuzzed_services_are_found_by_the_scan(query):
    keyword = query.split(" . ")[-1]
    if "\\u" in keyword:  # the keyword written with escapes: refused before any reading of it
        with pytest.raises(QueryRejected, match="outside a string or an IRI"):
            canonical(query)
    else:
        found = scan(canonical(query))
        assert found.services == ["<http://127.0.0.1:1/x>"] or found.unreadable


def test_allowed_service_and_the_word_service_elsewhere_pass_the_check(fixture_client):
    # the fixture's endpoint allows http://127.0.0.1:1/allowed, where nothing listens
    allowed = _ask(fixture_client, "SELECT * { SERVICE SILENT <http://127.0.0.1:1/allowed> { ?s ?p ?o } }")
    assert allowed.status_code == 200, allowed.text
    words = "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> SELECT ?service { ?service a sd:Service }"
    assert _ask(fixture_client, words).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "ASK { FILTER(" + "!" * 15_000 + "true) }",
        EX + r"ASK { ?s ex:p ex:a\' FILTER(" + "(" * 5_000 + "true" + ")" * 5_000 + ") } # '",  # nesting once hidden
        EX + r"ASK { ?s ex:p ex:a\# FILTER(" + "(" * 5_000 + "true" + ")" * 5_000 + ") }",
        "ASK { FILTER(1 <" + "(" * 5_000 + "1" + ")" * 5_000 + ">0) }",  # an IRI to a lexer, a comparison here
    ],
)
def test_deep_queries_are_refused_before_a_worker(fixture_client, query):
    before = _engine_traffic(fixture_client)
    r = _ask(fixture_client, query)
    assert r.status_code == 400 and f"deeper than {MAX_DEPTH}" in r.json()["message"]
    assert _engine_traffic(fixture_client) == before


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
def test_dataset_iris_are_checked(fixture_client, param):
    before = _engine_traffic(fixture_client)
    r = fixture_client.get("/sparql", params={"query": f"ASK {{}} # {uuid.uuid4()}", param: "not an iri"}, headers=JSON)
    assert r.status_code == 400 and "not an iri" in r.json()["message"]
    assert _engine_traffic(fixture_client) == before


@pytest.mark.parametrize("value", ["-5", "nan", "abc", "-inf"])
def test_timeout_must_be_a_number_of_seconds(fixture_client, value):
    r = fixture_client.get("/sparql", params={"query": "ASK {}", "timeout": value}, headers=JSON)
    assert r.status_code == 400 and "timeout" in r.json()["message"]


def test_health_says_whether_workers_are_cut_off(fixture_client):
    # one SERVICE endpoint is allowed here: the workers are walled all the same (the forwarder is their way)
    assert fixture_client.get("/health").json()["workers_network_isolated"] is True


def _run(pool: WorkerPool, directory: str, query: str, timeout: float = 20):
    return pool.run(directory, QueryTask(query=query, format="json"), timeout)


@pytest.fixture
def store_directory(fixture_store: Path) -> str:
    return str(current_store(fixture_store))


@pytest.mark.parametrize("isolate", [True, False])
def test_worker_network_is_isolated_without_an_allow_list(store_directory, canary, isolate):
    """The query check bypassed (the pool called directly): only the worker's namespace stands."""

    async def scenario():
        pool = WorkerPool(1, 0, WORKER_MEMORY, isolate_network=isolate)
        pool.start(store_directory)
        try:
            answer = await _run(
                pool, store_directory, "SELECT * { SERVICE " + CANARY.format(port=canary.port) + " { ?s ?p ?o } }"
            )
            return answer, pool.network_isolated()
        finally:
            pool.close()

    answer, isolated = asyncio.run(scenario())
    if isolate and not isolated:
        skip_where_refused("network namespaces (the wall around query workers)")
    assert isolated is isolate
    assert answer.status == 400  # the engine's error, not a dead worker
    assert canary.connections_from_others() == (0 if isolate else 1)


def test_worker_killed_mid_query_is_a_502_and_replaced(store_directory):
    async def scenario():
        pool = WorkerPool(1, 0, WORKER_MEMORY)
        pool.start(store_directory)
        try:
            (worker,) = pool.workers
            running = asyncio.ensure_future(_run(pool, store_directory, RUNAWAY))
            while not worker.ready or pool.free:  # until the runaway query holds the started worker
                await asyncio.sleep(0.01)
            os.kill(worker.pid, signal.SIGKILL)
            died = await running
            after = await _run(pool, store_directory, "ASK {}")
            return died, after, pool.replaced
        finally:
            pool.close()

    died, after, replaced = asyncio.run(scenario())
    assert died.status == 502 and "worker stopped" in died.error
    assert after.status == 200 and replaced == 1


def test_dead_idle_worker_is_replaced_before_use(store_directory):
    async def scenario():
        pool = WorkerPool(1, 0, WORKER_MEMORY)
        pool.start(store_directory)
        try:
            assert (await _run(pool, store_directory, "ASK {}")).status == 200
            (worker,) = pool.workers
            os.kill(worker.pid, signal.SIGKILL)
            select.select([worker.pidfd], [], [], 5)  # until it has exited
            return await _run(pool, store_directory, "ASK {}"), pool.replaced
        finally:
            pool.close()

    answer, replaced = asyncio.run(scenario())
    assert answer.status == 200 and replaced == 1


def test_broken_store_is_a_503_and_workers_stay(store_directory, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(store_directory, broken)
    for manifest in broken.glob("MANIFEST-*"):
        manifest.write_bytes(manifest.read_bytes()[:10])

    async def scenario():
        pool = WorkerPool(1, 0, WORKER_MEMORY)
        pool.start(str(broken))
        try:
            answers = [await _run(pool, str(broken), "ASK {}") for _ in range(3)]
            return answers, pool.replaced
        finally:
            pool.close()

    answers, replaced = asyncio.run(scenario())
    assert {a.status for a in answers} == {503}
    assert all(a.error.startswith("the store cannot be opened: ") for a in answers)
    assert replaced == 0
