"""Workers answer from an in-memory copy of a small store, and from disk when told not to copy."""

import time

import httpx

from tests.conftest import start_server, stop

QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def workers_in_memory(base: str, wanted: int, seconds: float = 20) -> int:
    """Poll /health (each call runs on a worker, in turn) until ``wanted`` workers answer from memory."""
    end = time.monotonic() + seconds
    while True:
        seen = httpx.get(base + "/health").json()["workers_in_memory"]
        if seen == wanted or time.monotonic() > end:
            return seen
        time.sleep(0.1)


def count(base: str) -> str:
    response = httpx.post(
        base + "/sparql", data={"query": QUERY}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200
    return response.json()["results"]["bindings"][0]["n"]["value"]


def test_small_store_is_served_from_memory_with_the_same_answers(shipped_store):
    on_disk, disk_base = start_server(shipped_store, TEHKG_MEMORY_QUADS="0")
    in_memory, memory_base = start_server(shipped_store)
    try:
        assert workers_in_memory(memory_base, 2) == 2
        for _ in range(4):
            assert count(disk_base)
        assert workers_in_memory(disk_base, 0, seconds=0) == 0
        assert count(memory_base) == count(disk_base)
    finally:
        stop(on_disk)
        stop(in_memory)
