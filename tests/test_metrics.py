"""``/metrics`` (TEHKG_METRICS): scraped with prometheus-client's own parser, the counters moving by exactly what
the requests made did. The application in process where it can be; a real server for what only a connection
shows (connections refused, a client that leaves)."""

import select
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from tehkg.endpoint.metrics import REGISTRY
from tests.conftest import in_process, start_server, stop
from tests.test_defences import SMALL_CAP, doubling_query
from tests.test_safety import RUNAWAY

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
JSON = {"Accept": "application/sparql-results+json"}
WAIT = 30.0  # seconds any single wait on the real server may last


def samples(text: str) -> Samples:
    """Every sample of a scrape, by name and labels, read by prometheus-client's parser."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    """How much one sample moved between two scrapes (a sample not there yet counts as 0)."""
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


def scrape(client: TestClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return samples(response.text)


def wait_ready(client: TestClient) -> None:
    """Return once ``/health`` says the query worker answers (it waits up to 5 s for it each time; bounded)."""
    for _ in range(12):
        if client.get("/health").status_code == 200:
            return
    raise AssertionError("the query worker never became ready")


def sparql(client: TestClient, query: str, **params: str) -> httpx.Response:
    return client.get("/sparql", params={"query": query, **params}, headers=JSON)


def test_metrics_are_off_unless_switched_on(fixture_store: Path):
    """Off by default: ``/metrics`` is not routed (the 404 of any unknown path) and requests are not counted."""
    before = samples(generate_latest(REGISTRY).decode())
    with in_process(fixture_store) as client:
        response = client.get("/metrics")
        assert (response.status_code, response.json()["error"]) == (404, "not-found")
        assert sparql(client, "ASK {}").status_code == 200
    after = samples(generate_latest(REGISTRY).decode())
    counted = {key: value for key, value in after.items() if key[0].startswith("tehkg_http_")}
    assert counted == {key: value for key, value in before.items() if key[0].startswith("tehkg_http_")}


def test_requests_are_counted_by_route_and_status_timed_and_cache_hits_seen(fixture_store: Path):
    with in_process(fixture_store, TEHKG_METRICS="1") as client:
        before = scrape(client)
        query = "ASK { ?s ?p ?o } # metrics: cached"
        assert sparql(client, query).status_code == 200
        assert sparql(client, query).status_code == 200  # the same text again: the cache answers
        assert client.get("/health").status_code == 200
        assert client.head("/health").status_code == 200
        assert client.get("/no/such/page").status_code == 404
        assert client.get("/static/no-such-file.css").status_code == 404
        assert sparql(client, "SELECT * WHERE { ?s ?p }").status_code == 400
        after = scrape(client)

    requests = "tehkg_http_requests_total"
    assert moved(before, after, requests, route="/sparql", status="200") == 2
    assert moved(before, after, requests, route="/sparql", status="400") == 1
    assert moved(before, after, requests, route="/health", status="200") == 2  # HEAD as GET, counted on its path
    assert moved(before, after, requests, route="unmatched", status="404") == 1  # not the path a client made up
    assert moved(before, after, requests, route="/static", status="404") == 1
    assert moved(before, after, requests, route="/metrics", status="200") == 1  # the first scrape, once answered
    assert not [key for key in after if key[0] == requests and ("route", "/no/such/page") in key[1]]
    latency = "tehkg_http_request_duration_seconds"
    assert moved(before, after, latency + "_count", route="/sparql") == 3
    assert moved(before, after, latency + "_bucket", route="/sparql", le="+Inf") == 3
    assert moved(before, after, latency + "_sum", route="/sparql") > 0
    assert moved(before, after, "tehkg_query_cache_total", result="miss") == 2  # the first ASK, the bad query
    assert moved(before, after, "tehkg_query_cache_total", result="hit") == 1
    assert after[("process_resident_memory_bytes", frozenset())] > 0  # the serving process's own figures


def test_a_query_past_its_deadline_is_counted_its_worker_replaced_and_the_spent_budget_refuses(fixture_store: Path):
    """The runaway is stopped at its 1 s deadline (its worker replaced, for that reason); it spent more than the
    client's 0.5 s budget, so the client's next query is refused for it. The worker is ready first: a query that finds
    none free before its deadline is past it too, but kills no worker."""
    with in_process(fixture_store, TEHKG_METRICS="1", TEHKG_WORKERS="1", TEHKG_CLIENT_BUDGET="0.5") as client:
        wait_ready(client)
        before = scrape(client)
        stopped = sparql(client, RUNAWAY, timeout="1")
        refused = sparql(client, "ASK {} # metrics: after the runaway")
        after = scrape(client)
    assert (stopped.status_code, stopped.json()["error"]) == (503, "timeout")
    assert (refused.status_code, refused.json()["error"]) == (429, "too-many-queries")
    assert moved(before, after, "tehkg_queries_past_deadline_total") == 1
    assert moved(before, after, "tehkg_workers_replaced_total", reason="deadline") == 1
    assert moved(before, after, "tehkg_client_refusals_total", rule="time-budget") == 1
    assert moved(before, after, "tehkg_client_refusals_total", rule="concurrent-queries") == 0
    assert moved(before, after, "tehkg_http_requests_total", route="/sparql", status="503") == 1
    assert moved(before, after, "tehkg_http_requests_total", route="/sparql", status="429") == 1


def test_a_worker_killed_at_its_memory_cap_is_counted(fixture_store: Path):
    with in_process(
        fixture_store, TEHKG_METRICS="1", TEHKG_WORKERS="1", TEHKG_WORKER_MEMORY=str(SMALL_CAP), TEHKG_MEMORY_QUADS="0"
    ) as client:
        before = scrape(client)
        hungry = sparql(client, doubling_query(20), timeout="30")  # 1 GiB of string
        after = scrape(client)
    assert hungry.status_code == 503 and "TEHKG_WORKER_MEMORY" in hungry.json()["message"]
    assert moved(before, after, "tehkg_workers_replaced_total", reason="memory-limit") == 1
    assert moved(before, after, "tehkg_workers_replaced_total", reason="crashed") == 0
    assert moved(before, after, "tehkg_queries_past_deadline_total") == 0


# over real connections


@pytest.fixture(scope="module")
def metered(fixture_store: Path) -> Iterator[str]:
    """A server with metrics on, one query worker, one uncached query and three connections per client."""
    process, base = start_server(
        fixture_store,
        TEHKG_METRICS="1",
        TEHKG_WORKERS="1",
        TEHKG_TIMEOUT="300",
        TEHKG_MAX_PER_CLIENT="1",
        TEHKG_MAX_CLIENT_CONNECTIONS="3",
    )
    yield base
    stop(process)


def connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=WAIT)


def send_query(base: str, query: str) -> socket.socket:
    """A connection that has sent a GET for ``query`` and not read the answer."""
    sock = connect(base)
    sock.sendall(f"GET /sparql?query={quote(query)} HTTP/1.1\r\nHost: t\r\nAccept: application/json\r\n\r\n".encode())
    return sock


def real_scrape(base: str) -> Samples:
    response = httpx.get(base + "/metrics", timeout=WAIT)
    assert response.status_code == 200
    return samples(response.text)


def wait_for_replaced(base: str, count: int) -> None:
    """Poll /health until ``count`` workers have been replaced (bounded)."""
    for _ in range(300):
        if httpx.get(base + "/health", timeout=WAIT).json()["workers_replaced"] >= count:
            return
        select.select([], [], [], 0.1)
    raise AssertionError(f"fewer than {count} workers replaced")


def test_a_second_query_at_once_is_refused_and_a_query_its_client_left_is_cancelled(metered: str):
    assert httpx.get(metered + "/sparql", params={"query": "ASK {}"}, timeout=WAIT).status_code == 200  # worker ready
    replaced = httpx.get(metered + "/health", timeout=WAIT).json()["workers_replaced"]
    before = real_scrape(metered)
    runaways = [send_query(metered, RUNAWAY + f" # metrics {n}") for n in range(2)]
    try:
        readable, _, _ = select.select(runaways, [], [], WAIT)
        assert len(readable) == 1 and readable[0].recv(4096).startswith(b"HTTP/1.1 429")
    finally:
        for sock in runaways:
            sock.close()  # the running one's client leaves: its query is cancelled, its worker replaced
    wait_for_replaced(metered, replaced + 1)
    after = real_scrape(metered)
    assert moved(before, after, "tehkg_client_refusals_total", rule="concurrent-queries") == 1
    assert moved(before, after, "tehkg_queries_cancelled_total") == 1
    assert moved(before, after, "tehkg_workers_replaced_total", reason="cancelled") == 1
    assert moved(before, after, "tehkg_http_requests_total", route="/sparql", status="429") == 1


def test_connections_past_the_per_client_cap_are_counted(metered: str):
    """Every connection the server closed unread is one refusal: the test's own (its fourth held connection, and any
    scrape that came before the server saw the held ones close) and no other."""
    before = real_scrape(metered)
    held = [connect(metered) for _ in range(4)]
    try:
        refused = sum(closed_unread(sock) for sock in held)
    finally:
        for sock in held:
            sock.close()
    assert refused == 1
    for _ in range(100):
        try:
            after = real_scrape(metered)
            break
        except httpx.TransportError:
            refused += 1  # the held connections were not all closed yet on the server's side
    else:
        raise AssertionError("no scrape was answered")
    assert moved(before, after, "tehkg_client_refusals_total", rule="connections") == refused


def closed_unread(sock: socket.socket) -> bool:
    """Whether the server closed ``sock`` without answering the request sent on it."""
    try:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        return sock.recv(4096) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
