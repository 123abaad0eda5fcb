"""A pool of worker processes that evaluate queries, killed and replaced past their deadline.

pyoxigraph cannot be interrupted from Python, so the only way to stop a runaway query is to stop
the process running it. Each worker opens the store read-only and keeps it open until the store
is rebuilt (the parent passes the current store directory with every task); a store small enough
is then copied into the worker's memory, where pyoxigraph evaluates queries several times faster.

Each worker's private memory is capped by the kernel (``RLIMIT_DATA``: its stack plus
``TEHKG_WORKER_MEMORY``), whatever the query: past the cap an allocation fails, the engine aborts
the process, and the query is answered 503 naming the limit while a fresh worker takes its place.
"""

import asyncio
import logging
import multiprocessing as mp
import os
import pickle
import resource
import signal
import struct
import threading
import time
import weakref
from collections import deque
from ctypes import c_byte
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from tehkg.endpoint import metrics
from tehkg.endpoint.engines.execution import QueryAnswer, QueryTask, execute
from tehkg.endpoint.engines.forwarder import Forwarder
from tehkg.endpoint.engines.isolation import GATES_CLOSED, HOST_NETWORK, NO_ROUTE, Wall, isolate_network
from tehkg.loader.store_layout import quad_count, release_id

_CONTEXT = mp.get_context("spawn")
STACK_BYTES = 1 << 30  # the evaluating thread's stack: pyoxigraph's parser and evaluator recurse per operator
BYTES_PER_QUAD = 700  # an in-memory copy of the store costs about 0.7 GB per million quads
READY = "ready"  # a worker's first frame: started, its store open; only then is it handed tasks
BACKOFF_SECONDS = 30.0  # the longest wait before starting a worker again when fresh workers keep dying
log = logging.getLogger("tehkg.workers")


class Snapshot:
    """One build of the store as a worker sees it: read from disk at once, from memory once copied."""

    def __init__(self, directory: str, memory_quads: int, in_memory: c_byte) -> None:
        self.directory = directory
        self.in_memory = in_memory  # shared with the pool: 1 once the copy answers
        in_memory.value = 0
        self.disk = self.store = ox.Store.read_only(directory)
        self.copying = threading.Thread(target=self._copy, args=(memory_quads,), daemon=True)
        self.copying.start()

    def _copy(self, memory_quads: int) -> None:
        """Swap in an in-memory copy when the store holds at most ``memory_quads`` quads.

        pyoxigraph releases the GIL while it dumps and loads, so queries keep being answered from
        disk meanwhile; the copy is exact because the store never changes once built.
        """
        if quad_count(Path(self.directory)) > memory_quads:
            return
        copy = ox.Store()
        copy.bulk_load(self.disk.dump(format=ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)
        self.store = copy
        self.in_memory.value = 1


class BrokenStore:
    """A store directory that could not be opened, and why: every task on it is answered 503."""

    def __init__(self, directory: str, err: Exception) -> None:
        self.directory = directory
        self.error = f"the store cannot be opened: {err}"


def _open(directory: str, memory_quads: int, in_memory: c_byte) -> Snapshot | BrokenStore:
    try:
        return Snapshot(directory, memory_quads, in_memory)
    except Exception as err:  # noqa: BLE001 - a truncated or missing store must not kill the worker
        return BrokenStore(directory, err)


def cap_memory(query_bytes: int) -> None:
    """Cap this process's private memory at its evaluating thread's stack plus ``query_bytes``."""
    limit = STACK_BYTES + query_bytes
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _serve(
    conn: Connection,
    memory_quads: int,
    directory: str | None,
    wall: Wall | None,
    isolated: c_byte,
    in_memory: c_byte,
    memory_limit: int,
) -> None:
    """Worker process: cap its memory and go behind ``wall`` when given (before anything is evaluated), then
    answer tasks on a thread whose stack is deep enough for what the query scan lets through.

    The relays of the wall's gates listen before that thread starts, and accept once the stack size is back
    to its default: the threads they start need no deep stack."""
    cap_memory(memory_limit)
    memory_quads = min(memory_quads, memory_limit // 2 // BYTES_PER_QUAD)  # the copy leaves half for queries
    isolated.value, relays = isolate_network(wall) if wall is not None else (HOST_NETWORK, None)
    threading.stack_size(STACK_BYTES)
    serving = threading.Thread(target=_answer_tasks, args=(conn, memory_quads, directory, in_memory))
    serving.start()
    threading.stack_size(0)
    if relays is not None:
        relays.start()
    serving.join()


def _answer_tasks(conn: Connection, memory_quads: int, directory: str | None, in_memory: c_byte) -> None:
    """Open ``directory`` at once and say READY, then receive (store directory, task) and answer."""
    snapshot = _open(directory, memory_quads, in_memory) if directory else None
    conn.send_bytes(pickle.dumps(READY))
    while True:
        try:
            directory, task = conn.recv()
        except EOFError:
            return
        if task.release_directory is not None:
            conn.send_bytes(pickle.dumps(_answer_older_release(task), protocol=pickle.HIGHEST_PROTOCOL))
            continue
        if snapshot is None or snapshot.directory != directory or isinstance(snapshot, BrokenStore):
            snapshot = None  # a store that could not be opened is tried again: it may have been repaired
            snapshot = _open(directory, memory_quads, in_memory)
        if isinstance(snapshot, BrokenStore):
            answer = QueryAnswer(status=503, error=snapshot.error)
        else:
            answer = execute(snapshot.store, task)
            answer.release = release_id(directory)
        conn.send_bytes(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))


def _answer_older_release(task: QueryTask) -> QueryAnswer:
    """An older release's answer (``/releases/ID/sparql``): its store is opened read-only from disk for this task
    alone and closed after it. The worker's current snapshot, and its in-memory copy, stay as they are; an older
    release costs a worker no memory but while it is queried (opening a small store takes milliseconds)."""
    directory = task.release_directory
    assert directory is not None
    try:
        store = ox.Store.read_only(directory)
    except Exception as err:  # noqa: BLE001 - a release pruned meanwhile must not kill the worker
        return QueryAnswer(status=503, error=f"the release cannot be opened: {err}")
    try:
        answer = execute(store, task)
    finally:
        del store
    answer.release = release_id(directory)
    return answer


class Worker:
    """One worker process and its pipe; it starts opening ``directory`` (when given) at once."""

    def __init__(
        self, memory_quads: int, directory: str | None, memory_limit: int, wall: Wall | None = NO_ROUTE
    ) -> None:
        self.conn, child = _CONTEXT.Pipe()
        self.isolated = _CONTEXT.Value("b", -1, lock=False)  # -1 until the process says (isolation.py's states)
        self.in_memory = _CONTEXT.Value("b", 0, lock=False)  # 1 while it answers from an in-memory copy
        self.process = _CONTEXT.Process(
            target=_serve,
            args=(child, memory_quads, directory, wall, self.isolated, self.in_memory, memory_limit),
            daemon=True,
        )
        self.process.start()
        child.close()
        self.buffer = bytearray()
        self.ready = False  # said READY: started, its store open

    def alive(self) -> bool:
        """Running, with nothing on its pipe: an idle worker that died shows EOF there."""
        return self.process.is_alive() and not self.conn.poll()

    def read_answer(self) -> QueryAnswer | str | None:
        """Read what the pipe holds without blocking; the answer (or READY) once its frame is complete.

        Frames are multiprocessing's: a 4-byte big-endian length (or -1 and an 8-byte length).
        """
        while True:
            try:
                chunk = os.read(self.conn.fileno(), 1 << 20)
            except BlockingIOError:
                break
            if not chunk:
                raise EOFError("worker exited")
            self.buffer += chunk
        if len(self.buffer) < 4:
            return None
        size, header = struct.unpack("!i", self.buffer[:4])[0], 4
        if size == -1:
            if len(self.buffer) < 12:
                return None
            size, header = struct.unpack("!Q", self.buffer[4:12])[0], 12
        if len(self.buffer) < header + size:
            return None
        answer = pickle.loads(self.buffer[header : header + size])
        del self.buffer[: header + size]
        return answer

    def kill(self) -> None:
        """Stop the process and wait for it (its exit code is then known); once or more."""
        self.process.kill()
        self.process.join(5)
        self.conn.close()


def replacement_reason(err: BaseException, exitcode: int | None, reserve_stop: bool) -> str:
    """Why a worker that was running a task is replaced, as endpoint/metrics.py counts it."""
    if isinstance(err, TimeoutError):
        return "reserve-deadline" if reserve_stop else "deadline"
    if isinstance(err, EOFError | OSError):
        return "memory-limit" if exitcode == -signal.SIGABRT else "crashed"
    return "cancelled"


class QueryTimeout(Exception):
    """The query ran past its deadline and its worker was killed."""


class WorkersFailing(Exception):
    """Fresh workers die as they start: no worker can be handed out for now."""


STARTS_FAILING = (
    "query workers stop as soon as they start (the store cannot be opened, or memory is short); new ones are "
    "started with a growing delay"
)


RESERVE_SECONDS = 0.5  # the hard deadline of any query that runs on the reserved worker


class WorkerPool:
    """Run tasks on ``size`` processes; a task past its deadline (or cancelled) kills its worker.

    Capacity for cheap work: one worker (when there are two or more) is reserved. A task gets the reserve
    only when every other worker is busy, and then runs under a hard deadline of RESERVE_SECONDS: a task
    still running then is stopped (its worker replaced) and waits, with the rest of its own deadline, for
    an unreserved worker. So ``/health``, pages and small queries keep answering while every other worker
    runs a runaway query, and no query holds the reserve longer than RESERVE_SECONDS, whatever it is and
    however fast it was before.

    A worker is handed tasks only once it has said READY (started, its store open): its start-up never
    counts against a task's deadline on the reserve, and a worker that dies while starting is replaced
    without a task ever waiting on it.
    """

    def __init__(
        self,
        size: int,
        memory_quads: int,
        memory_limit: int,
        isolate_network: bool = True,
        service_allow: tuple[str, ...] = (),
    ) -> None:
        self.size = size
        self.memory_quads = memory_quads
        self.memory_limit = memory_limit  # bytes of data each worker may allocate beyond its stack
        # the wall each worker builds around itself (None: workers keep the host's network); with SERVICE
        # allowed somewhere, its gates lead to the forwarder, which holds the allow-list
        self.forwarder = Forwarder(service_allow) if isolate_network and service_allow else None
        if self.forwarder is not None:
            weakref.finalize(self, self.forwarder.close)
        self.isolate_network = (self.forwarder.wall if self.forwarder else NO_ROUTE) if isolate_network else None
        self.isolation_warned = False
        self.failed_starts = 0  # workers in a row that died before saying READY
        self.closed = False
        self.reserve = 1 if size > 1 else 0
        self.free: list[Worker] = []
        self.waiters: deque[tuple[bool, asyncio.Future[tuple[Worker, bool]]]] = deque()  # (may take the reserve, …)
        self.workers: set[Worker] = set()
        self.starting: set[Worker] = set()  # started, not READY yet
        self.directory: str | None = None  # the store the last task ran on: new workers open it
        self.replaced = 0

    def start(self, directory: str | None) -> None:
        self.directory = directory
        for _ in range(self.size):
            self._add()

    def _add(self) -> None:
        """Start a worker; it joins the free ones when it says READY."""
        if self.closed:
            return
        worker = Worker(self.memory_quads, self.directory, self.memory_limit, self.isolate_network)
        self.workers.add(worker)
        self.starting.add(worker)
        os.set_blocking(worker.conn.fileno(), False)
        asyncio.get_running_loop().add_reader(worker.conn.fileno(), self._on_start, worker)

    def _on_start(self, worker: Worker) -> None:
        """Free ``worker`` once its READY frame is in; replace it when it died while starting."""
        try:
            frame = worker.read_answer()
        except (EOFError, OSError):
            self._stop_watching(worker)
            self._replace(worker, "died-starting")
            if self.failed_starts > self.size:
                self._fail_waiters()
            return
        if frame == READY:
            self._stop_watching(worker)
            worker.ready = True
            self.failed_starts = 0
            self._release(worker)

    def _stop_watching(self, worker: Worker) -> None:
        """No more start-up reads of ``worker`` (before its pipe may close: a new pipe may reuse the number)."""
        self.starting.discard(worker)
        asyncio.get_running_loop().remove_reader(worker.conn.fileno())

    def _fail_waiters(self) -> None:
        """Fresh workers keep dying: every waiting task gets the 503 that says so."""
        for _, waiter in self.waiters:
            if not waiter.done():
                waiter.set_exception(WorkersFailing(STARTS_FAILING))
        self.waiters.clear()

    def _release(self, worker: Worker) -> None:
        self.free.append(worker)
        self._dispatch()

    def _dispatch(self) -> None:
        """Hand free workers to waiters in arrival order: an unreserved worker to anyone, the reserve (the
        last free worker) to a waiter that may take it, marked so that its task runs under RESERVE_SECONDS."""
        for entry in list(self.waiters):
            may_reserve, waiter = entry
            if waiter.done():
                self.waiters.remove(entry)
            elif not self.free:
                return
            elif len(self.free) > self.reserve or may_reserve:
                self.waiters.remove(entry)
                waiter.set_result((self.free.pop(), len(self.free) < self.reserve))

    async def _acquire(self, may_reserve: bool, timeout: float) -> tuple[Worker, bool]:
        """A free worker, and whether it is the reserve."""
        waiter: asyncio.Future[tuple[Worker, bool]] = asyncio.get_running_loop().create_future()
        self.waiters.append((may_reserve, waiter))
        self._dispatch()
        try:
            return await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            raise QueryTimeout(f"no query worker became free within {timeout:g} s") from None
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release(waiter.result()[0])
            raise

    def in_memory(self) -> int:
        """How many workers answer from an in-memory copy of the store."""
        return sum(worker.in_memory.value for worker in self.workers)

    def network_isolated(self) -> bool | None:
        """Whether every worker that has started is cut off the network (None before any has)."""
        states = [worker.isolated.value for worker in self.workers if worker.isolated.value != -1]
        return all(state != HOST_NETWORK for state in states) if states else None

    def _note_isolation(self, worker: Worker) -> None:
        """Log, once, a wall a worker could not build."""
        if self.isolate_network is None or self.isolation_warned:
            return
        if worker.isolated.value == HOST_NETWORK:
            self.isolation_warned = True
            log.warning(
                "query workers could not leave the network (no network namespace: unshare(CLONE_NEWNET) "
                "was refused); SERVICE is guarded by the query check alone"
            )
        elif worker.isolated.value == GATES_CLOSED:
            self.isolation_warned = True
            log.warning(
                "query workers are cut off the network but could not open the way to the allow-listed SERVICE "
                "endpoints (bringing up their loopback or mounting /etc/hosts was refused); SERVICE fails"
            )

    def _replace(self, worker: Worker, reason: str) -> None:
        """Kill ``worker`` and start another; later and later when fresh workers keep dying. ``reason`` labels
        the count of replacements (endpoint/metrics.py)."""
        worker.kill()
        self.workers.discard(worker)
        self.replaced += 1
        metrics.WORKERS_REPLACED.labels(reason).inc()
        self.failed_starts = 0 if worker.ready else self.failed_starts + 1
        if self.failed_starts > self.size:
            delay = min(BACKOFF_SECONDS, 0.1 * 2 ** (self.failed_starts - self.size))
            asyncio.get_running_loop().call_later(delay, self._add)
        else:
            self._add()

    async def _acquire_alive(self, may_reserve: bool, deadline: float) -> tuple[Worker, bool] | QueryAnswer:
        """A free worker that is still running (dead ones are replaced) and whether it is the reserve, or the 503
        when fresh workers keep dying."""
        while True:
            if self.failed_starts > self.size:
                return QueryAnswer(status=503, error=STARTS_FAILING)
            try:
                worker, reserved = await self._acquire(may_reserve, max(0.0, deadline - time.monotonic()))
            except WorkersFailing as err:
                return QueryAnswer(status=503, error=str(err))
            if worker.alive():
                return worker, reserved
            self._replace(worker, "died-idle")

    async def run(self, directory: str, task: QueryTask, timeout: float) -> QueryAnswer:
        """Answer ``task`` on the store in ``directory`` within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        self.directory = directory
        may_reserve = True
        while True:
            acquired = await self._acquire_alive(may_reserve, deadline)
            if isinstance(acquired, QueryAnswer):
                return acquired
            worker, reserved = acquired
            stop = min(deadline, time.monotonic() + RESERVE_SECONDS) if reserved else deadline
            try:
                return await self._run_on(worker, directory, task, stop, timeout, stop < deadline)
            except QueryTimeout:
                if stop >= deadline:
                    raise
                may_reserve = False  # stopped on the reserve: it waits for an unreserved worker

    async def _run_on(
        self, worker: Worker, directory: str, task: QueryTask, stop: float, timeout: float, reserve_stop: bool
    ) -> QueryAnswer:
        """Run ``task`` on ``worker`` until ``stop`` (QueryTimeout past it, the worker replaced); ``reserve_stop``:
        ``stop`` is the reserve's RESERVE_SECONDS, before the query's own deadline."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[QueryAnswer] = loop.create_future()

        def on_readable() -> None:
            try:
                answer = worker.read_answer()
            except (EOFError, OSError) as err:
                loop.remove_reader(worker.conn.fileno())
                done.set_exception(err)
                return
            if isinstance(answer, QueryAnswer):  # READY came before the worker was handed out
                loop.remove_reader(worker.conn.fileno())
                done.set_result(answer)

        try:
            os.set_blocking(worker.conn.fileno(), True)  # the event loop may have made it non-blocking
            worker.conn.send((directory, task))
            os.set_blocking(worker.conn.fileno(), False)
            loop.add_reader(worker.conn.fileno(), on_readable)
            answer = await asyncio.wait_for(done, max(0.0, stop - time.monotonic()))
        except (TimeoutError, EOFError, OSError, asyncio.CancelledError) as err:
            # unregister before the pipe closes: a new pipe may reuse the descriptor number
            loop.remove_reader(worker.conn.fileno())
            worker.kill()  # before it is replaced: its exit code says why it stopped
            exitcode = worker.process.exitcode
            self._replace(worker, replacement_reason(err, exitcode, reserve_stop))
            if isinstance(err, TimeoutError):
                raise QueryTimeout(f"query exceeded its time limit of {timeout:g} s") from None
            if isinstance(err, EOFError | OSError) and exitcode == -signal.SIGABRT:
                return QueryAnswer(
                    status=503,
                    error=f"the query needed more memory than a query worker may use (TEHKG_WORKER_MEMORY: "
                    f"{self.memory_limit} bytes); the worker was replaced",
                )
            if isinstance(err, EOFError | OSError):
                return QueryAnswer(
                    status=502,
                    error=f"the query worker stopped before answering (exit code {exitcode}); "
                    "a fresh worker replaces it",
                )
            raise
        self._note_isolation(worker)
        self._release(worker)
        return answer

    def close(self) -> None:
        self.closed = True
        for worker in list(self.starting):
            self._stop_watching(worker)
        for worker in self.workers:
            worker.kill()
        self.workers.clear()
        if self.forwarder is not None:
            self.forwarder.close()
