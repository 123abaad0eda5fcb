"""Query workers share one in-memory copy of the store: a holder process copies it once and forks them.

The pool is called directly (no HTTP): what is checked is where each worker gets its store from, how a replaced
worker comes back, and what happens on a rebuild."""

import asyncio
import shutil
from pathlib import Path

import pytest

from tehkg.endpoint.engines.execution import QueryTask
from tehkg.endpoint.engines.workers import Growth, WorkerPool
from tehkg.loader.store_layout import current_store
from tests.test_safety import RUNAWAY

WORKER_MEMORY = 1 << 30
COPY_ALL = 10**9  # TEHKG_MEMORY_QUADS: every store is copied into memory
TITLES = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture
def store_directory(fixture_store: Path) -> str:
    return str(current_store(fixture_store))


def _ask(pool: WorkerPool, directory: str, query: str, timeout: float = 30):
    return pool.run(directory, QueryTask(query=query, format="json"), timeout)


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


async def _until(condition, seconds: float = 60) -> None:
    """Poll ``condition`` on the event loop (the pool's frames arrive there) until it holds."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


def test_workers_are_forks_of_one_holder_answering_from_its_copy(store_directory):
    async def scenario():
        pool = WorkerPool(3, COPY_ALL, WORKER_MEMORY)
        pool.start(store_directory)
        try:
            answers = await asyncio.gather(*(_ask(pool, store_directory, TITLES) for _ in range(6)))
            await _until(lambda: all(w.ready for w in pool.workers))
            parents = {_parent(w.pid) for w in pool.workers}
            return answers, parents, pool.holder.process.pid, pool.in_memory()
        finally:
            pool.close()

    answers, parents, holder, in_memory = asyncio.run(scenario())
    assert {a.status for a in answers} == {200} and len({a.body for a in answers}) == 1
    assert parents == {holder}
    assert in_memory == 3


def test_a_worker_killed_at_its_deadline_comes_back_at_once_with_the_copy(store_directory):
    """Finding: at 1M quads every worker killed on the reserve came back copying the store again (seconds of
    CPU and 0.7 GB each); now its replacement is a fork of the holder, answering from the shared copy."""

    async def scenario():
        pool = WorkerPool(1, COPY_ALL, WORKER_MEMORY)
        pool.start(store_directory)
        try:
            first = await _ask(pool, store_directory, TITLES)
            with pytest.raises(Exception, match="time limit"):
                await _ask(pool, store_directory, RUNAWAY, timeout=0.5)
            (replacement,) = pool.workers
            await _until(lambda: replacement.ready)
            in_memory_at_start = replacement.in_memory
            again = await _ask(pool, store_directory, TITLES)
            return first, again, in_memory_at_start, pool.replaced, _parent(replacement.pid), pool.holder.process.pid
        finally:
            pool.close()

    first, again, in_memory_at_start, replaced, parent, holder = asyncio.run(scenario())
    assert in_memory_at_start is True and replaced == 1 and parent == holder
    assert again.status == 200 and again.body == first.body


def test_a_rebuild_is_answered_from_disk_until_the_new_copy_is_made(store_directory, tmp_path):
    """The new build answers at once (workers open it on disk); once its holder has copied it, every worker is a
    fork of that holder, and the older holder is gone."""
    rebuilt = tmp_path / "v2"
    shutil.copytree(store_directory, rebuilt)

    async def scenario():
        pool = WorkerPool(2, COPY_ALL, WORKER_MEMORY)
        pool.start(store_directory)
        try:
            before = await _ask(pool, store_directory, TITLES)
            old_holder = pool.holder
            await _until(lambda: len(pool.free) == 2)
            first_workers = list(pool.workers)
            after = await _ask(pool, str(rebuilt), TITLES)
            # the worker that answered read the rebuilt store on disk (and said so with its answer)
            answered_from_disk = [w.in_memory for w in first_workers].count(False) == 1
            new_holder = pool.holder
            await _until(lambda: new_holder.loaded and all(w.holder is new_holder and w.ready for w in pool.workers))
            later = await _ask(pool, str(rebuilt), TITLES)
            return (
                before,
                after,
                later,
                old_holder,
                new_holder,
                answered_from_disk,
                pool.in_memory(),
                {_parent(w.pid) for w in pool.workers},
            )
        finally:
            pool.close()

    before, after, later, old_holder, new_holder, answered_from_disk, in_memory, parents = asyncio.run(scenario())
    assert new_holder is not old_holder and new_holder.directory == str(rebuilt)
    assert before.status == after.status == later.status == 200 and before.body == after.body == later.body
    assert answered_from_disk and in_memory == 2 and parents == {new_holder.process.pid}
    assert not old_holder.process.is_alive()


def test_growth_counts_pages_a_process_makes_its_own():
    """A worker is recycled once its private memory has grown past its share: 64 MiB written here is seen."""
    growth = Growth(16 << 20)
    assert not growth.outgrown()
    written = bytearray(b"x" * (64 << 20))
    assert growth.outgrown()
    assert written[-1] == ord("x")
    assert not Growth(0).outgrown()  # nothing shared: nothing watched


def test_a_worker_past_its_private_share_of_the_copy_is_replaced_by_a_fresh_fork(store_directory):
    """TEHKG_WORKER_PRIVATE_COPY: here one byte, so every worker is recycled after its task; no answer is lost and
    nothing counts as a worker lost."""

    async def scenario():
        pool = WorkerPool(1, COPY_ALL, WORKER_MEMORY, private_copy=1)
        pool.start(store_directory)
        try:
            answers, pids = [], []
            for _ in range(3):
                answers.append(await _ask(pool, store_directory, TITLES))
                await _until(lambda: all(w.ready for w in pool.workers))
                pids += [w.pid for w in pool.workers]
            return answers, pids, pool.recycled, pool.replaced
        finally:
            pool.close()

    answers, pids, recycled, replaced = asyncio.run(scenario())
    assert {a.status for a in answers} == {200} and len({a.body for a in answers}) == 1
    assert recycled == 3 and replaced == 0 and len(set(pids)) == 3


def test_a_holder_that_died_is_started_again_for_the_next_worker(store_directory):
    """The holder killed (say by the kernel's out-of-memory killer): its workers go on answering, and the worker
    replaced next is forked by a new holder of the same store."""

    async def scenario():
        pool = WorkerPool(1, COPY_ALL, WORKER_MEMORY)
        pool.start(store_directory)
        try:
            first = await _ask(pool, store_directory, TITLES)
            dead = pool.holder
            dead.process.kill()
            await _until(lambda: not dead.alive)  # its pipe said so
            still = await _ask(pool, store_directory, TITLES)  # the orphaned worker answers
            with pytest.raises(Exception, match="time limit"):
                await _ask(pool, store_directory, RUNAWAY, timeout=0.5)  # its worker is killed and replaced
            (replacement,) = pool.workers
            await _until(lambda: replacement.ready)
            again = await _ask(pool, store_directory, TITLES)
            holder = pool.holder
            started_again = holder is not dead and holder.alive and _parent(replacement.pid) == holder.process.pid
            return first, still, again, started_again, replacement.in_memory
        finally:
            pool.close()

    first, still, again, started_again, in_memory = asyncio.run(scenario())
    assert first.body == still.body == again.body and again.status == 200
    assert started_again and in_memory
