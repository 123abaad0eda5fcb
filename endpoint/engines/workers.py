"""A pool of worker processes that evaluate queries, killed and replaced past their deadline.

pyoxigraph cannot be interrupted from Python, so queries run in processes and the only way to stop a runaway one is
to stop its process (threads would not even run side by side well: two full scans of the 1M store at once on two
threads took 1.57× as long as one, bench/ENGINE_SHARING.md).

One copy of the store in memory: a holder process copies a store small enough (``TEHKG_MEMORY_QUADS``) into its
memory once, then forks every worker, which shares that copy (copy-on-write, as preloading application servers
do); replacing a worker is a fork, milliseconds whatever the store's size. pyoxigraph writes to the memory of the
quads it reads (a full scan of a 1M-quad copy made 568 MiB of it private to the worker), so a worker's own share
of the copy grows with what its queries scan, up to a whole copy; with ``TEHKG_WORKER_PRIVATE_COPY`` set, a
worker that has made more than that many bytes its own is replaced by a fresh fork after its task: less memory,
at the price of the page copies every fresh fork makes again (bench/WORKERS_MEMORY.md).
A larger store is read from disk: each worker opens it read-only after the fork (the holder never opens it, so no
storage thread runs in the process that forks). On a rebuild, a holder of the new store is started; until it has
copied it, the workers answer from the new store on disk, then they are replaced by forks of the new holder.

Each worker's private memory is capped by the kernel (``RLIMIT_DATA``: what it inherits from the holder, its
stack plus ``TEHKG_WORKER_MEMORY``), whatever the query: past the cap an allocation fails, the engine aborts the
process, and the query is answered 503 naming the limit while a fresh worker takes its place.
"""

import asyncio
import hashlib
import logging
import multiprocessing as mp
import os
import pickle
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.reduction import recv_handle, send_handle
from pathlib import Path

import pyoxigraph as ox

from tehkg.endpoint import metrics
from tehkg.endpoint.engines.execution import QueryAnswer, QueryTask, execute
from tehkg.endpoint.engines.forwarder import Forwarder
from tehkg.endpoint.engines.isolation import GATES_CLOSED, HOST_NETWORK, NO_ROUTE, Wall, isolate_network
from tehkg.loader.store_layout import quad_count, release_id

_CONTEXT = mp.get_context("spawn")
STACK_BYTES = 1 << 30  # the evaluating thread's stack: pyoxigraph's parser and evaluator recurse per operator
PAGE = os.sysconf("SC_PAGE_SIZE")
BACKOFF_SECONDS = 30.0  # the longest wait before starting a worker again when fresh workers keep dying
KNOWN_EXITS = 256  # exit codes kept for workers nobody asked about yet
# a separate process writes the store as N-Quads into the holder: the holder itself never opens the store
_DUMP = (
    "import sys, pyoxigraph as ox; ox.Store.read_only(sys.argv[1]).dump(sys.stdout.buffer, format=ox.RdfFormat.N_QUADS)"
)
log = logging.getLogger("tehkg.workers")


@dataclass
class Snapshot:
    """One build of the store as a worker sees it: its in-memory copy, or the store read-only on disk."""

    directory: str
    store: ox.Store
    in_memory: bool


@dataclass
class BrokenStore:
    """A store directory that could not be opened or copied, and why: every task on it is answered 503."""

    directory: str
    error: str


def copy_store(directory: str) -> Snapshot | BrokenStore:
    """An in-memory copy of the store in ``directory``, loaded from a dump a separate process writes (RocksDB, and
    its threads, stay out of this process, which may fork)."""
    dump = subprocess.Popen([sys.executable, "-c", _DUMP, directory], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert dump.stdout is not None and dump.stderr is not None
    copy = ox.Store()
    try:
        copy.bulk_load(dump.stdout, format=ox.RdfFormat.N_QUADS)
    except Exception as err:  # noqa: BLE001 - a dump cut short is a store that cannot be copied
        dump.kill()
        dump.wait()
        return BrokenStore(directory, f"the store cannot be copied into memory: {err}")
    finally:
        dump.stdout.close()
    problem = dump.stderr.read().decode(errors="replace").strip()
    if dump.wait() != 0:
        reason = problem.splitlines()[-1] if problem else f"exit code {dump.returncode}"
        return BrokenStore(directory, f"the store cannot be opened: {reason}")
    return Snapshot(directory, copy, in_memory=True)


def open_on_disk(directory: str) -> Snapshot | BrokenStore:
    """The store in ``directory`` read-only on disk (a worker opens it after the fork, never the holder)."""
    try:
        return Snapshot(directory, ox.Store.read_only(directory), in_memory=False)
    except Exception as err:  # noqa: BLE001 - a truncated or missing store must not kill the worker
        return BrokenStore(directory, f"the store cannot be opened: {err}")


def _holder_copy(directory: str | None, memory_quads: int) -> Snapshot | BrokenStore | None:
    """What the holder keeps for its workers: the copy of a store of at most ``memory_quads`` quads, else nothing
    (each worker opens the store on disk itself)."""
    if directory is None:
        return None
    try:
        small = quad_count(Path(directory)) <= memory_quads
    except (OSError, ValueError, KeyError) as err:
        return BrokenStore(directory, f"the store cannot be opened: {err}")
    return copy_store(directory) if small else None


def served_snapshot(directory: str, memory_quads: int) -> Snapshot | BrokenStore:
    """The store as a worker answers from it: the holder's copy when it is small enough, else on disk."""
    return _holder_copy(directory, memory_quads) or open_on_disk(directory)


def private_bytes() -> int:
    """This process's memory no other process shares (copied-on-write pages included)."""
    with open("/proc/self/smaps_rollup") as rollup:
        return sum(
            int(line.split()[1]) * 1024 for line in rollup if line.startswith(("Private_Clean", "Private_Dirty"))
        )


def data_bytes() -> int:
    """This process's data segment as RLIMIT_DATA counts it (VmData)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmData:"))


def cap_memory(query_bytes: int) -> None:
    """Cap this process's data at what it holds now, its evaluating thread's stack and ``query_bytes``."""
    limit = data_bytes() + STACK_BYTES + query_bytes
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


class Growth:
    """Whether this worker has made more than ``limit`` bytes of the holder's copy its own, checked cheaply: the
    private memory (a read of smaps_rollup, milliseconds on a large copy) is read only once the minor page faults
    since the last reading (a page copied on write is one) could have reached ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit  # 0: nothing to watch (no copy shared, or no limit)
        self.start = private_bytes() if limit else 0
        self.faults = self._faults()

    @staticmethod
    def _faults() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

    def outgrown(self) -> bool:
        if not self.limit:
            return False
        faults = self._faults()
        if (faults - self.faults) * PAGE < self.limit:
            return False
        grown = private_bytes() - self.start
        self.faults = faults - max(0, grown // PAGE)  # the faults still to come before it can be past the limit
        return grown > self.limit


@dataclass
class Ready:
    """A worker's first frame: started, its store open; only then is it handed tasks."""

    pid: int
    isolated: int  # isolation.py's states
    in_memory: bool


@dataclass
class Done:
    """A worker's answer, whether it answers from the in-memory copy now (a rebuilt store is read from disk until
    its own copy is made), and whether it should be replaced now (its private memory outgrew its share)."""

    answer: QueryAnswer
    in_memory: bool
    outgrown: bool


@dataclass
class Exited:
    """The holder's report of a worker it reaped, with its exit code (negative: the signal that stopped it)."""

    pid: int
    code: int


@dataclass
class Loaded:
    """The holder's first frame: its copy is made (or there is none to make)."""


def _hold(
    control: Connection,
    directory: str | None,
    memory_quads: int,
    memory_limit: int,
    wall: Wall | None,
    private_copy: int,
) -> None:
    """The holder process: copy the store, then fork a worker for each socket the pool sends and report each
    worker's exit. When the pool closes its end, the workers still running are killed and the holder exits.
    ``private_copy``: the bytes of the copy a worker may make its own (0: no limit)."""
    copy = _holder_copy(directory, memory_quads)
    outgrown = private_copy if isinstance(copy, Snapshot) else 0
    start = WorkerStart(copy, directory, wall, memory_limit, outgrown)
    control.send(Loaded())
    children: dict[int, int] = {}  # pidfd -> pid
    while True:
        for event in wait([control, *children]):
            if event is control:
                try:
                    socket_fd = recv_handle(control)
                except (EOFError, OSError):
                    for pid in children.values():
                        os.kill(pid, signal.SIGKILL)
                        os.waitpid(pid, 0)
                    return
                pid = os.fork()
                if pid == 0:
                    _be_worker(control, list(children), socket_fd, start)
                os.close(socket_fd)
                children[os.pidfd_open(pid)] = pid
            else:
                assert isinstance(event, int)
                pid = children.pop(event)
                os.close(event)
                _, status = os.waitpid(pid, 0)
                try:
                    control.send(Exited(pid, os.waitstatus_to_exitcode(status)))
                except OSError:
                    pass  # the pool is gone: the next read of control says so


@dataclass
class WorkerStart:
    """What a forked worker starts from: the holder's copy (None: it opens ``directory`` on disk), the wall it goes
    behind, the bytes it may allocate for queries, and the bytes of the copy it may make its own before it asks to
    be replaced (0: no limit, or no copy)."""

    copy: Snapshot | BrokenStore | None
    directory: str | None
    wall: Wall | None
    memory_limit: int
    outgrown: int


def _be_worker(control: Connection, pidfds: list[int], socket_fd: int, start: WorkerStart) -> None:
    """The forked child: serve as a worker on ``socket_fd``, and never return into the holder's loop."""
    code = 0
    try:
        control.close()
        for pidfd in pidfds:
            os.close(pidfd)
        _serve(Connection(socket_fd), start)
    except BaseException:  # noqa: BLE001 - whatever stops a worker, its process ends here
        traceback.print_exc()
        code = 1
    finally:
        os._exit(code)


def _serve(conn: Connection, start: WorkerStart) -> None:
    """Worker process: cap its memory and go behind ``wall`` when given (before anything is evaluated), then
    answer tasks on a thread whose stack is deep enough for what the query scan lets through.

    The relays of the wall's gates listen before that thread starts, and accept once the stack size is back
    to its default: the threads they start need no deep stack."""
    cap_memory(start.memory_limit)
    isolated, relays = isolate_network(start.wall) if start.wall is not None else (HOST_NETWORK, None)
    threading.stack_size(STACK_BYTES)
    serving = threading.Thread(target=_answer_tasks, args=(conn, start, isolated))
    serving.start()
    threading.stack_size(0)
    if relays is not None:
        relays.start()
    serving.join()


def _answer_tasks(conn: Connection, start: WorkerStart, isolated: int) -> None:
    """Open the store (the holder's copy, else ``directory`` on disk) and say Ready, then receive (store directory,
    task) and answer, saying with each answer whether this worker outgrew its share of the copy."""
    snapshot = start.copy if start.copy is not None else (open_on_disk(start.directory) if start.directory else None)
    growth = Growth(start.outgrown)
    in_memory = isinstance(snapshot, Snapshot) and snapshot.in_memory
    conn.send_bytes(pickle.dumps(Ready(os.getpid(), isolated, in_memory)))
    while True:
        try:
            directory, task = conn.recv()
        except EOFError:
            return
        if task.release_directory is not None:
            answer = _answer_older_release(task)
        else:
            if snapshot is None or snapshot.directory != directory or isinstance(snapshot, BrokenStore):
                snapshot = None  # a store that could not be opened is tried again: it may have been repaired
                snapshot = open_on_disk(directory)  # a newer build, until the holder of its copy takes over
            if isinstance(snapshot, BrokenStore):
                answer = QueryAnswer(status=503, error=snapshot.error)
            else:
                answer = execute(snapshot.store, task)
                answer.release = release_id(directory)
        in_memory = isinstance(snapshot, Snapshot) and snapshot.in_memory
        done = Done(answer, in_memory, growth.outgrown())
        conn.send_bytes(pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL))


def _answer_older_release(task: QueryTask) -> QueryAnswer:
    """An older release's answer (``/releases/ID/sparql``): its store is opened read-only from disk for this task
    alone and closed after it. The worker's current snapshot, and the shared copy, stay as they are; an older
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


class Frames:
    """Frames read from a non-blocking pipe as they arrive: multiprocessing's (a 4-byte big-endian length, or -1
    and an 8-byte length, then a pickle)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.buffer = bytearray()

    def next(self) -> object | None:
        """The next complete frame, None while it is incomplete; EOFError once the other end has closed."""
        closed = False
        while not closed:
            try:
                chunk = os.read(self.conn.fileno(), 1 << 20)
            except BlockingIOError:
                break
            closed = not chunk
            self.buffer += chunk
        frame = self._complete()
        if frame is None and closed:
            raise EOFError("the other end closed")
        return frame

    def _complete(self) -> object | None:
        if len(self.buffer) < 4:
            return None
        size, header = struct.unpack("!i", self.buffer[:4])[0], 4
        if size == -1:
            if len(self.buffer) < 12:
                return None
            size, header = struct.unpack("!Q", self.buffer[4:12])[0], 12
        if len(self.buffer) < header + size:
            return None
        frame = pickle.loads(self.buffer[header : header + size])
        del self.buffer[: header + size]
        return frame


class Holder:
    """The pool's side of a holder process: asks it for workers, hears when its copy is made and when they exit."""

    def __init__(
        self,
        directory: str | None,
        memory_quads: int,
        memory_limit: int,
        wall: Wall | None,
        private_copy: int,
        on_loaded: "Callable[[Holder], None]",
    ) -> None:
        self.directory = directory
        self.loaded = False  # its copy is made: its workers answer from memory
        self.workers = 0  # its workers still in the pool
        self.on_loaded = on_loaded
        self.control, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(
            target=_hold, args=(child, directory, memory_quads, memory_limit, wall, private_copy), daemon=True
        )
        self.process.start()
        child.close()
        self.frames = Frames(self.control)
        self.codes: dict[int, int] = {}  # exit codes nobody has asked for yet
        self.waiting: dict[int, asyncio.Future[int | None]] = {}
        self.alive = True
        self.loop = asyncio.get_running_loop()
        os.set_blocking(self.control.fileno(), False)
        self.loop.add_reader(self.control.fileno(), self._on_frame)

    def fork(self) -> Connection:
        """A new worker's pipe; the holder forks it (once its copy is made: requests wait in the socket)."""
        ours, theirs = socket.socketpair()
        try:
            os.set_blocking(self.control.fileno(), True)
            send_handle(self.control, theirs.fileno(), self.process.pid)
        finally:
            if not self.control.closed:
                os.set_blocking(self.control.fileno(), False)
            theirs.close()
        return Connection(ours.detach())

    def _on_frame(self) -> None:
        while True:
            try:
                frame = self.frames.next()
            except (EOFError, OSError):
                self._lost()
                return
            if frame is None:
                return
            if isinstance(frame, Loaded):
                self.loaded = True
                self.on_loaded(self)
            elif isinstance(frame, Exited):
                waiter = self.waiting.pop(frame.pid, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(frame.code)
                else:
                    self.codes[frame.pid] = frame.code
                    while len(self.codes) > KNOWN_EXITS:
                        del self.codes[next(iter(self.codes))]

    def _lost(self) -> None:
        """The holder process is gone: no more workers from it, no more exit codes."""
        self.alive = False
        self.loop.remove_reader(self.control.fileno())
        for waiter in self.waiting.values():
            if not waiter.done():
                waiter.set_result(None)
        self.waiting.clear()

    async def exit_code(self, pid: int, timeout: float = 5.0) -> int | None:
        """How worker ``pid`` ended (None when the holder cannot say)."""
        if pid in self.codes:
            return self.codes.pop(pid)
        if not self.alive:
            return None
        waiter = self.waiting.setdefault(pid, self.loop.create_future())
        try:
            return await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except TimeoutError:
            self.waiting.pop(pid, None)
            return None

    def close(self) -> None:
        """Stop the holder; it kills the workers it still has."""
        if self.alive:
            self._lost()
        self.control.close()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)


class Worker:
    """One worker process, forked by ``holder``, and its pipe."""

    def __init__(self, holder: Holder) -> None:
        self.holder = holder
        holder.workers += 1
        self.conn = holder.fork()
        self.frames = Frames(self.conn)
        self.ready = False  # said Ready: started, its store open
        self.pid: int | None = None
        self.pidfd: int | None = None  # the process itself, whatever its pid may name later
        self.isolated = -1  # isolation.py's states, -1 until Ready
        self.in_memory = False

    def on_ready(self, ready: Ready) -> None:
        self.ready, self.pid, self.isolated, self.in_memory = True, ready.pid, ready.isolated, ready.in_memory
        try:
            self.pidfd = os.pidfd_open(ready.pid)
        except ProcessLookupError:
            self.pidfd = None  # already gone: its pipe says so

    def alive(self) -> bool:
        """Running, with nothing on its pipe: an idle worker that died shows EOF there."""
        return not self.conn.closed and not self.conn.poll()

    def kill(self) -> None:
        """Stop the process (its exit code then comes from the holder) and close its pipe; once or more."""
        if self.pidfd is not None:
            try:
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.close(self.pidfd)
            self.pidfd = None
        if not self.conn.closed:
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
SLOW_SHAPES = 4096  # queries remembered (by digest) as stopped on the reserve: they are not given it again


def query_shape(task: QueryTask) -> bytes:
    """What makes two tasks the same work for the engine: the query with its whitespace (comments are spaces by
    now) collapsed, its dataset and the release it reads."""
    shape = (" ".join(task.query.split()), task.default_graphs, task.named_graphs, task.release_directory)
    return hashlib.blake2b(repr(shape).encode(), digest_size=16).digest()


class WorkerPool:
    """Run tasks on ``size`` processes; a task past its deadline (or cancelled) kills its worker.

    Capacity for cheap work: one worker (when there are two or more) is reserved. A task gets the reserve
    only when every other worker is busy, and then runs under a hard deadline of RESERVE_SECONDS: a task
    still running then is stopped (its worker replaced) and waits, with the rest of its own deadline, for
    an unreserved worker. So ``/health``, pages and small queries keep answering while every other worker
    runs a runaway query, and no query holds the reserve longer than RESERVE_SECONDS, whatever it is and
    however fast it was before. A query stopped there is not given the reserve again (the SLOW_SHAPES last ones
    are remembered, until the store changes): under steady load of heavy queries the reserve would otherwise
    spend its time on work it is bound to throw away.

    A worker is handed tasks only once it has said Ready (started, its store open): its start-up never
    counts against a task's deadline on the reserve, and a worker that dies while starting is replaced
    without a task ever waiting on it. Workers are forked by the holder of the current store; a worker
    that outgrew its share of the holder's copy, or was forked from the holder of an older store once the
    current one has made its copy, is replaced after its task (recycled: not a loss, not counted in
    ``replaced``).
    """

    def __init__(
        self,
        size: int,
        memory_quads: int,
        memory_limit: int,
        isolate_network: bool = True,
        service_allow: tuple[str, ...] = (),
        private_copy: int = 0,
    ) -> None:
        self.size = size
        self.private_copy = private_copy  # bytes of the shared copy a worker may make its own (0: no limit)
        self.memory_quads = memory_quads
        self.memory_limit = memory_limit  # bytes of data each worker may allocate beyond its stack
        # the wall each worker builds around itself (None: workers keep the host's network); with SERVICE
        # allowed somewhere, its gates lead to the forwarder, which holds the allow-list
        self.forwarder = Forwarder(service_allow) if isolate_network and service_allow else None
        if self.forwarder is not None:
            weakref.finalize(self, self.forwarder.close)
        self.isolate_network = (self.forwarder.wall if self.forwarder else NO_ROUTE) if isolate_network else None
        self.isolation_warned = False
        self.failed_starts = 0  # workers in a row that died before saying Ready
        self.closed = False
        self.reserve = 1 if size > 1 else 0
        self.free: list[Worker] = []
        self.waiters: deque[tuple[bool, asyncio.Future[tuple[Worker, bool]]]] = deque()  # (may take the reserve, …)
        self.workers: set[Worker] = set()
        self.starting: set[Worker] = set()  # started, not Ready yet
        self.directory: str | None = None  # the store the last task ran on: new workers open it
        self.holder: Holder | None = None  # the holder of that store, which forks new workers
        self.replaced = 0  # workers lost or killed
        self.recycled = 0  # sound workers replaced by fresh forks (outgrown, store-changed)
        self.slow: OrderedDict[bytes, None] = OrderedDict()  # query shapes stopped on the reserve, latest last

    def start(self, directory: str | None) -> None:
        self.directory = directory
        self.holder = self._new_holder()
        for _ in range(self.size):
            self._add()

    def _new_holder(self) -> Holder:
        return Holder(
            self.directory,
            self.memory_quads,
            self.memory_limit,
            self.isolate_network,
            self.private_copy,
            self._on_loaded,
        )

    def _on_loaded(self, holder: Holder) -> None:
        """The current holder has made its copy: free workers forked from an older one are replaced now."""
        if holder is not self.holder:
            return
        for worker in [w for w in self.free if w.holder is not holder]:
            self.free.remove(worker)
            self._recycle(worker, "store-changed")

    def _switch(self, directory: str) -> None:
        """A new build is served: a holder of it starts; the older one goes once its last worker has."""
        self.directory = directory
        self.slow.clear()  # a query slow on the previous build may not be on this one
        previous, self.holder = self.holder, self._new_holder()
        if previous is not None and previous.workers == 0:
            previous.close()

    def _add(self) -> None:
        """Start a worker; it joins the free ones when it says Ready. A holder that has died is started again."""
        if self.closed:
            return
        if self.holder is None or not self.holder.alive:
            self.holder = self._new_holder()
        try:
            worker = Worker(self.holder)
        except OSError:  # the holder died since it was last heard of
            self.holder._lost()
            self.holder = self._new_holder()
            worker = Worker(self.holder)
        self.workers.add(worker)
        self.starting.add(worker)
        os.set_blocking(worker.conn.fileno(), False)
        asyncio.get_running_loop().add_reader(worker.conn.fileno(), self._on_start, worker)

    def _on_start(self, worker: Worker) -> None:
        """Free ``worker`` once its Ready frame is in; replace it when it died while starting."""
        try:
            frame = worker.frames.next()
        except (EOFError, OSError):
            self._stop_watching(worker)
            self._replace(worker, "died-starting")
            if self.failed_starts > self.size:
                self._fail_waiters()
            return
        if isinstance(frame, Ready):
            self._stop_watching(worker)
            worker.on_ready(frame)
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

    def _release(self, worker: Worker, outgrown: bool = False) -> None:
        """``worker`` is done with its task: free again, or recycled when it outgrew its share of the copy or
        came from the holder of an older store (once the current holder has made its copy)."""
        if outgrown:
            self._recycle(worker, "outgrown")
        elif self.holder is not None and worker.holder is not self.holder and self.holder.loaded:
            self._recycle(worker, "store-changed")
        else:
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
        return sum(worker.in_memory for worker in self.workers if worker.ready)

    def network_isolated(self) -> bool | None:
        """Whether every worker that has started is cut off the network (None before any has)."""
        states = [worker.isolated for worker in self.workers if worker.isolated != -1]
        return all(state != HOST_NETWORK for state in states) if states else None

    def _note_isolation(self, worker: Worker) -> None:
        """Log, once, a wall a worker could not build."""
        if self.isolate_network is None or self.isolation_warned:
            return
        if worker.isolated == HOST_NETWORK:
            self.isolation_warned = True
            log.warning(
                "query workers could not leave the network (no network namespace: unshare(CLONE_NEWNET) "
                "was refused); SERVICE is guarded by the query check alone"
            )
        elif worker.isolated == GATES_CLOSED:
            self.isolation_warned = True
            log.warning(
                "query workers are cut off the network but could not open the way to the allow-listed SERVICE "
                "endpoints (bringing up their loopback or mounting /etc/hosts was refused); SERVICE fails"
            )

    def _retire(self, worker: Worker) -> None:
        """Kill ``worker`` and drop it; an older holder goes with its last worker."""
        worker.kill()
        if worker not in self.workers:
            return
        self.workers.discard(worker)
        holder = worker.holder
        holder.workers -= 1
        if holder is not self.holder and holder.workers == 0:
            holder.close()

    def _recycle(self, worker: Worker, reason: str) -> None:
        """Replace a sound worker by a fresh fork (``reason``: outgrown, store-changed)."""
        self._retire(worker)
        self.recycled += 1
        metrics.WORKERS_REPLACED.labels(reason).inc()
        self._add()

    def _replace(self, worker: Worker, reason: str) -> None:
        """Kill ``worker`` and start another; later and later when fresh workers keep dying. ``reason`` labels
        the count of replacements (endpoint/metrics.py)."""
        self._retire(worker)
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
        if directory != self.directory:
            self._switch(directory)
        shape = query_shape(task) if self.slow else None  # hashed only once some query is remembered as slow
        may_reserve = shape not in self.slow
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
                self._remember_slow(shape or query_shape(task))

    def _remember_slow(self, shape: bytes) -> None:
        self.slow[shape] = None
        self.slow.move_to_end(shape)
        while len(self.slow) > SLOW_SHAPES:
            self.slow.popitem(last=False)

    async def _run_on(
        self, worker: Worker, directory: str, task: QueryTask, stop: float, timeout: float, reserve_stop: bool
    ) -> QueryAnswer:
        """Run ``task`` on ``worker`` until ``stop`` (QueryTimeout past it, the worker replaced); ``reserve_stop``:
        ``stop`` is the reserve's RESERVE_SECONDS, before the query's own deadline."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Done] = loop.create_future()

        def on_readable() -> None:
            try:
                frame = worker.frames.next()
            except (EOFError, OSError) as err:
                loop.remove_reader(worker.conn.fileno())
                done.set_exception(err)
                return
            if isinstance(frame, Done):
                loop.remove_reader(worker.conn.fileno())
                done.set_result(frame)

        try:
            os.set_blocking(worker.conn.fileno(), True)  # the event loop may have made it non-blocking
            worker.conn.send((directory, task))
            os.set_blocking(worker.conn.fileno(), False)
            loop.add_reader(worker.conn.fileno(), on_readable)
            finished = await asyncio.wait_for(done, max(0.0, stop - time.monotonic()))
        except (TimeoutError, EOFError, OSError, asyncio.CancelledError) as err:
            # unregister before the pipe closes: a new pipe may reuse the descriptor number
            loop.remove_reader(worker.conn.fileno())
            worker.kill()
            lost = isinstance(err, EOFError | OSError)
            exitcode = await worker.holder.exit_code(worker.pid) if lost and worker.pid else None
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
        worker.in_memory = finished.in_memory
        self._release(worker, finished.outgrown)
        return finished.answer

    def close(self) -> None:
        self.closed = True
        for worker in list(self.starting):
            self._stop_watching(worker)
        for worker in self.workers:
            worker.kill()
        holders = {worker.holder for worker in self.workers} | ({self.holder} if self.holder else set())
        self.workers.clear()
        for holder in holders:
            holder.close()
        if self.forwarder is not None:
            self.forwarder.close()
