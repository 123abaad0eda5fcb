"""Hostile traffic: slow and oversized requests, abandoned runaway queries, greedy clients, forged
log lines. Real HTTP on loopback against a server of our own; every wait is bounded."""

import asyncio
import re
import select
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tehkg.endpoint.documents.cache import DocumentCache, ResponseCache
from tehkg.endpoint.engines.execution import QueryAnswer
from tehkg.endpoint.http.guard import printable
from tehkg.loader.search_index import MAX_QUERY_CHARS, MAX_QUERY_WORDS, QueryTooLong, SearchIndex
from tests.conftest import start_server, stop

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o . ?p ?q ?r }"
MAX_BODY = 10_000
WAIT = 30.0  # seconds any single wait may last; the runaway's own limit is far beyond it


@pytest.fixture(scope="module")
def hostile(shipped_store: Path) -> Iterator[tuple[str, Path]]:
    """A server with two workers (one reserved), small caps and the access log on; its base URL and log."""
    process, base = start_server(
        shipped_store,
        TEHKG_WORKERS="2",
        TEHKG_TIMEOUT="300",
        TEHKG_MAX_PER_CLIENT="2",
        TEHKG_MAX_BODY=str(MAX_BODY),
        TEHKG_BODY_TIMEOUT="1",
        TEHKG_MAX_PENDING="6",
        TEHKG_ACCESS_LOG="1",
    )
    yield base, shipped_store.parent / f"server-{base.rsplit(':', 1)[1]}.log"
    stop(process)


def connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=WAIT)
    return sock


def send_query(base: str, query: str) -> socket.socket:
    """A connection that has sent a GET for ``query`` and not read the answer."""
    sock = connect(base)
    sock.sendall(f"GET /sparql?query={quote(query)} HTTP/1.1\r\nHost: t\r\nAccept: application/json\r\n\r\n".encode())
    return sock


def status_of(sock: socket.socket) -> int:
    head = b""
    while b"\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            return 0
        head += chunk
    return int(head.split(b" ", 2)[1])


def health(base: str) -> httpx.Response:
    return httpx.get(base + "/health", timeout=WAIT)


def wait_for_replaced(base: str, count: int) -> None:
    """Poll /health until ``count`` workers have been replaced (bounded)."""
    for _ in range(300):
        if health(base).json()["workers_replaced"] >= count:
            return
        select.select([], [], [], 0.1)
    raise AssertionError(f"fewer than {count} workers replaced")


# finding 2: search bounded in length and words


def test_search_refuses_long_queries(hostile):
    base, _ = hostile
    long_text = httpx.get(base + "/search", params={"q": "a" * (MAX_QUERY_CHARS + 1)}, timeout=WAIT)
    many_words = httpx.get(base + "/search", params={"q": " ".join(["mesure"] * (MAX_QUERY_WORDS + 1))}, timeout=WAIT)
    assert (long_text.status_code, long_text.json()["error"]) == (400, "query-too-long")
    assert (many_words.status_code, many_words.json()["error"]) == (400, "query-too-long")
    assert httpx.get(base + "/search", params={"q": "mesure"}, timeout=WAIT).json()["results"]


def test_search_index_limits():
    index = SearchIndex([("http://x/a", "label", "Mesure")])
    assert [h.iri for h in index.search(" ".join(["mesure"] * MAX_QUERY_WORDS), 5)] == ["http://x/a"]
    with pytest.raises(QueryTooLong):
        index.search(" ".join(["m"] * (MAX_QUERY_WORDS + 1)), 5)


# finding 3: a body that never comes


def test_silent_bodies_time_out_and_do_not_count_as_in_flight(hostile):
    base, _ = hostile
    silent = [connect(base) for _ in range(10)]  # more than TEHKG_MAX_PENDING
    for sock in silent:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: t\r\nContent-Type: application/sparql-query\r\nContent-Length: 100\r\n\r\n"
        )
    try:
        assert health(base).status_code == 200
        assert [status_of(sock) for sock in silent] == [408] * len(silent)
    finally:
        for sock in silent:
            sock.close()


# finding 4: chunked bodies are counted


def test_chunked_body_over_the_limit_is_413_before_it_ends(hostile):
    base, _ = hostile
    sock = connect(base)
    sock.sendall(
        b"POST /sparql HTTP/1.1\r\nHost: t\r\nContent-Type: application/sparql-query\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"#" * 4096
    try:
        for _ in range(MAX_BODY // len(chunk) + 1):
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        assert status_of(sock) == 413  # the terminating chunk was never sent
    finally:
        sock.close()


def test_chunked_body_under_the_limit_is_answered(hostile):
    base, _ = hostile

    def chunks() -> Iterator[bytes]:
        yield b"ASK { ?s ?p "
        yield b"?o }"

    response = httpx.post(
        base + "/sparql", content=chunks(), headers={"Content-Type": "application/sparql-query"}, timeout=WAIT
    )
    assert (response.status_code, response.json()["boolean"]) == (200, True)


# finding 5: caches bounded in bytes


def test_response_cache_is_bounded_in_bytes():
    cache = ResponseCache(entries=100, max_bytes=10_000, max_entry_bytes=4_000)
    cache.get("v1", "probe")
    cache.put("v1", "huge", QueryAnswer(body=b"x" * 5_000))
    for name in "abcd":
        cache.put("v1", name, QueryAnswer(body=b"x" * 2_500))
    assert cache.get("v1", "huge") is None
    assert list(cache.items) == ["b", "c", "d"]  # "a" went first, to stay under 10 000 bytes
    assert cache.size <= 10_000


def test_document_cache_builds_once_per_version():
    builds: list[str] = []

    async def scenario() -> list[bytes]:
        cache = DocumentCache(max_bytes=1_000)

        async def build() -> bytes:
            builds.append("built")
            await asyncio.sleep(0)
            return b"dump"

        first = await asyncio.gather(*(cache.get("v1", ("dump",), build) for _ in range(5)))
        return [*first, await cache.get("v1", ("dump",), build), await cache.get("v2", ("dump",), build)]

    assert asyncio.run(scenario()) == [b"dump"] * 7
    assert builds == ["built", "built"]  # once for v1 (six requests), once for v2


def test_dump_is_served_from_one_build(hostile):
    base, _ = hostile
    first, second = (httpx.get(base + "/dump.nq", timeout=WAIT) for _ in range(2))
    assert first.status_code == 200 and first.content == second.content and first.content.count(b"\n") > 1000


# finding 6: abandoned queries, greedy clients, capacity for cheap requests


def test_health_answers_while_every_unreserved_worker_runs_away(hostile):
    base, _ = hostile
    replaced = health(base).json()["workers_replaced"]
    runaways = [send_query(base, RUNAWAY + f" # {n}") for n in range(2)]
    try:
        assert health(base).status_code == 200
    finally:
        for sock in runaways:
            sock.close()
    wait_for_replaced(base, replaced + 1)


def test_an_abandoned_runaway_is_cancelled(hostile):
    base, _ = hostile
    replaced = health(base).json()["workers_replaced"]
    runaway = send_query(base, RUNAWAY + " # abandoned")
    with httpx.Client(timeout=WAIT) as client:
        waiting = send_query(base, "ASK { ?s ?p ?o FILTER(?o = 'uncached') }")
        runaway.close()
        try:
            assert status_of(waiting) == 200  # the only unreserved worker was freed long before the deadline
        finally:
            waiting.close()
        assert client.get(base + "/health").json()["workers_replaced"] >= replaced + 1


def test_a_client_may_run_only_so_many_uncached_queries(hostile):
    base, _ = hostile
    replaced = health(base).json()["workers_replaced"]
    runaways = [send_query(base, RUNAWAY + f" # greedy {n}") for n in range(3)]
    try:
        readable, _, _ = select.select(runaways, [], [], WAIT)
        assert len(readable) == 1
        head = readable[0].recv(4096)
        assert head.startswith(b"HTTP/1.1 429") and b"retry-after: 1" in head.lower()
    finally:
        for sock in runaways:
            sock.close()
    wait_for_replaced(base, replaced + 1)


# finding 12: headers and logs


def test_oversized_headers_are_refused(hostile):
    base, _ = hostile
    big = httpx.get(base + "/health", headers={"X-Pad": "p" * 20_000}, timeout=WAIT)
    assert (big.status_code, big.json()["error"]) == (431, "headers-too-large")
    sock = connect(base)
    try:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\nX-Pad: " + b"p" * 1_000_000 + b"\r\n\r\n")
    except OSError:
        pass  # the server closed the connection while the headers were still coming
    try:
        assert status_of(sock) in (0, 400, 431)
    except OSError:
        pass
    finally:
        sock.close()


def test_control_characters_cannot_forge_log_lines(hostile):
    base, log = hostile
    httpx.get(base + "/nothing%0a2026-01-01 tehkg.access GET /forged 200 1.0ms", timeout=WAIT)
    health(base)  # logged after the forged request: its line is written
    text = log.read_text()
    assert "/nothing\\x0a2026-01-01" in text
    assert not re.search(r"^2026-01-01 tehkg.access GET /forged", text, re.M)


def test_printable_escapes_control_characters():
    assert printable("/a\nb\x1b[31m\\") == "/a\\x0ab\\x1b[31m\\x5c"
