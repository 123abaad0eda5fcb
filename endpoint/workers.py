"""A pool of worker processes that evaluate queries, killed and replaced past their deadline.

pyoxigraph cannot be interrupted from Python, so the only way to stop a runaway query is to stop
the process running it. Each worker opens the store read-only and keeps it open until the store
is rebuilt (the parent passes the current store directory with every task).
"""

import asyncio
import multiprocessing as mp
import os
import pickle
import struct
import time
from multiprocessing.connection import Connection

from endpoint.execution import QueryAnswer, QueryTask, execute

_CONTEXT = mp.get_context("spawn")


def _serve(conn: Connection) -> None:
    """Worker main loop: receive (store directory, task), send back an answer."""
    import pyoxigraph as ox

    opened: tuple[str, ox.Store] | None = None
    while True:
        try:
            directory, task = conn.recv()
        except EOFError:
            return
        if opened is None or opened[0] != directory:
            opened = None
            opened = (directory, ox.Store.read_only(directory))
        conn.send_bytes(pickle.dumps(execute(opened[1], task), protocol=pickle.HIGHEST_PROTOCOL))


class Worker:
    """One worker process and its pipe."""

    def __init__(self) -> None:
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.buffer = bytearray()

    def read_answer(self) -> QueryAnswer | None:
        """Read what the pipe holds without blocking; the answer once its frame is complete.

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
        answer = pickle.loads(self.buffer[header:header + size])
        del self.buffer[:header + size]
        return answer

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class QueryTimeout(Exception):
    """The query ran past its deadline and its worker was killed."""


class WorkerPool:
    """Run tasks on ``size`` processes; a task past its deadline kills its worker."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.idle: asyncio.Queue[Worker] = asyncio.Queue()
        self.replaced = 0

    def start(self) -> None:
        for _ in range(self.size):
            self.idle.put_nowait(Worker())

    async def run(self, directory: str, task: QueryTask, timeout: float) -> QueryAnswer:
        """Answer ``task`` on the store in ``directory`` within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        try:
            worker = await asyncio.wait_for(self.idle.get(), timeout)
        except TimeoutError:
            raise QueryTimeout(f"no query worker became free within {timeout:g} s") from None
        loop = asyncio.get_running_loop()
        done: asyncio.Future[QueryAnswer] = loop.create_future()

        def on_readable() -> None:
            try:
                answer = worker.read_answer()
            except (EOFError, OSError) as err:
                loop.remove_reader(worker.conn.fileno())
                done.set_exception(err)
                return
            if answer is not None:
                loop.remove_reader(worker.conn.fileno())
                done.set_result(answer)

        try:
            os.set_blocking(worker.conn.fileno(), True)  # the event loop may have made it non-blocking
            worker.conn.send((directory, task))
            os.set_blocking(worker.conn.fileno(), False)
            loop.add_reader(worker.conn.fileno(), on_readable)
            answer = await asyncio.wait_for(done, max(0.0, deadline - time.monotonic()))
        except (TimeoutError, EOFError, OSError, asyncio.CancelledError) as err:
            # unregister before the pipe closes: a new pipe may reuse the descriptor number
            loop.remove_reader(worker.conn.fileno())
            worker.kill()
            self.replaced += 1
            self.idle.put_nowait(Worker())
            if isinstance(err, TimeoutError):
                raise QueryTimeout(f"query exceeded its time limit of {timeout:g} s") from None
            if isinstance(err, EOFError | OSError):
                return QueryAnswer(status=400, error="the query made its worker fail (for "
                                   "example by nesting too deep); the worker was replaced")
            raise
        self.idle.put_nowait(worker)
        return answer

    def close(self) -> None:
        while not self.idle.empty():
            self.idle.get_nowait().kill()
