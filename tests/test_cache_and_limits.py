"""The response cache (least recently used first out, bounded in bytes, emptied by a rebuild) and the
bound on requests in flight (503 with Retry-After past TEHKG_MAX_PENDING). The endpoint and the command line in
process."""

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tehkg.endpoint.documents.cache import ENTRY_OVERHEAD, ResponseCache
from tehkg.endpoint.engines.execution import QueryAnswer
from tehkg.loader.store_builder import build
from tests.conftest import FIXTURES, in_process, tehkg_cli

VALID = FIXTURES / "valid" / "mini.trig"
JSON = {"Accept": "application/sparql-results+json"}
LABELS = "SELECT (COUNT(*) AS ?n) WHERE { ?m <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }"
RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
    "?m ?n1 ?o . ?p ?q ?r . ?s ?t ?u . ?v ?w ?x . ?y ?z ?aa }"
)


def answer(text: str) -> QueryAnswer:
    return QueryAnswer(media_type="text/plain", body=text.encode())


def test_least_recently_used_goes_first():
    cache = ResponseCache(entries=2)
    assert cache.get("v1", "a") is None  # takes the version
    cache.put("v1", "a", answer("A"))
    cache.put("v1", "b", answer("B"))
    assert cache.get("v1", "a").body == b"A"  # a is now the most recently used
    cache.put("v1", "c", answer("C"))
    assert cache.get("v1", "b") is None
    assert [cache.get("v1", key).body for key in ("a", "c")] == [b"A", b"C"]
    assert (cache.hits, cache.misses) == (3, 2)


def test_bytes_bound_evicts_and_an_oversized_answer_is_never_kept():
    cache = ResponseCache(entries=10, max_bytes=2 * (ENTRY_OVERHEAD + 10), max_entry_bytes=ENTRY_OVERHEAD + 10)
    cache.get("v1", "x")
    for key in "abc":
        cache.put("v1", key, answer(key * 10))
    assert list(cache.items) == ["b", "c"] and cache.size == 2 * (ENTRY_OVERHEAD + 10)
    cache.put("v1", "big", answer("x" * 11))
    assert "big" not in cache.items


def test_a_new_store_version_empties_the_cache():
    cache = ResponseCache(entries=10)
    cache.get("v1", "a")
    cache.put("v1", "a", answer("A"))
    assert cache.get("v2", "a") is None and not cache.items
    cache.put("v1", "a", answer("stale"))  # an answer of the old version arriving late is dropped
    assert cache.get("v2", "a") is None


def labels(client: TestClient) -> httpx.Response:
    response = client.get("/sparql", params={"query": LABELS}, headers=JSON)
    assert response.status_code == 200, response.text
    return response


def count(response: httpx.Response) -> int:
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_cache_is_invalidated_by_a_rebuild(tmp_path):
    """The same query, cached, answers the new store's count once a rebuild is swapped in."""
    root = tmp_path / "store"
    build([VALID], root, validate=False, log=lambda _: None)
    with in_process(root) as client:
        first, again = labels(client), labels(client)
        assert again.headers["etag"] == first.headers["etag"] and count(again) == count(first)
        hits = client.get("/health").json()["cache"]["hits"]
        assert hits >= 1  # the second answer came from the cache
        extra = tmp_path / "extra.trig"
        extra.write_text(
            VALID.read_text()
            + "\n<https://w3id.org/tehkg/graph/test-extra> { <https://w3id.org/tehkg/id/x> "
            + '<http://www.w3.org/2004/02/skos/core#prefLabel> "x"@fr . }\n'
        )
        assert tehkg_cli("build", str(extra), "--store", str(root), "--no-validate").returncode == 0
        after = labels(client)
        assert count(after) == count(first) + 1
        assert after.headers["etag"] != first.headers["etag"]


@pytest.fixture
def one_pending(fixture_store: Path) -> Iterator[TestClient]:
    """The endpoint in process, admitting one request in flight at a time."""
    with in_process(fixture_store, TEHKG_MAX_PENDING="1", TEHKG_TIMEOUT="3") as client:
        yield client


def send_runaway(client: TestClient, results: dict[str, httpx.Response]) -> None:
    results["runaway"] = client.get("/sparql", params={"query": RUNAWAY}, timeout=30)


def hold_the_one_place(client: TestClient) -> tuple[threading.Thread, dict, httpx.Response]:
    """Send the runaway query until it holds the one place: /health is then refused as busy. (A runaway
    that arrived while a /health poll held the place was refused itself, and is sent again.)"""
    for _ in range(20):
        results: dict[str, httpx.Response] = {}
        thread = threading.Thread(target=send_runaway, args=(client, results))
        thread.start()
        while thread.is_alive():
            busy = client.get("/health")
            if busy.status_code == 503 and thread.is_alive():
                return thread, results, busy
        thread.join()
    raise AssertionError("the runaway query never held the place")


def test_past_max_pending_is_a_503_with_retry_after(one_pending):
    client = one_pending
    thread, results, busy = hold_the_one_place(client)
    refused = client.get("/sparql", params={"query": "ASK {}"})
    thread.join(30)
    assert (busy.status_code, busy.json()["error"]) == (503, "busy")
    assert (refused.status_code, refused.json()["error"], refused.headers["retry-after"]) == (503, "busy", "1")
    assert results["runaway"].json()["error"] == "timeout", results["runaway"].text
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200  # the place is free again
