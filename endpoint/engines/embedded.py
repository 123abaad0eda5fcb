"""The embedded store: a built Oxigraph store, read-only, queried by a pool of worker processes."""

import asyncio
import sys
from pathlib import Path

from tehkg import formats
from tehkg.endpoint.engines.execution import QueryAnswer, QueryTask
from tehkg.endpoint.engines.workers import WorkerPool
from tehkg.endpoint.errors import ProtocolError
from tehkg.endpoint.query.scan import vet
from tehkg.loader.search_index import SearchIndex
from tehkg.loader.store_layout import current_store, store_version
from tehkg.settings import Settings


class EmbeddedEngine:
    """A built Oxigraph store, read-only, queried by a pool of worker processes."""

    def __init__(self, settings: Settings) -> None:
        self.root = Path(settings.store)
        # workers leave the network, a wall behind the query check; allow-listed SERVICE goes through the forwarder
        self.pool = WorkerPool(
            settings.workers,
            settings.memory_quads,
            settings.worker_memory,
            service_allow=settings.service_allow,
            private_copy=settings.worker_private_copy,
        )
        self._index: tuple[str | None, SearchIndex] = (None, SearchIndex([]))

    def start(self) -> None:
        directory = self.directory()
        self.pool.start(str(directory) if directory else None)

    async def close(self) -> None:
        self.pool.close()

    def directory(self) -> Path | None:
        return current_store(self.root)

    def version(self) -> str | None:
        """The built store's identity: changes with every build (cache keys use it)."""
        return store_version(self.root)

    async def run(self, task: QueryTask, timeout: float) -> QueryAnswer:
        directory = self.directory()
        if directory is None:
            return QueryAnswer(status=503, error="no store is built yet")
        return await self.pool.run(str(directory), task, timeout)

    async def search_index(self) -> SearchIndex:
        """The index the build wrote next to the served store."""
        version, directory = self.version(), self.directory()
        if directory is None:
            raise ProtocolError(503, "no store is built yet", "backend")
        if self._index[0] != version:
            self._index = (version, SearchIndex.read(directory))
        return self._index[1]


def answer_once(settings: Settings, text: str, fmt: str | None) -> QueryAnswer:
    """One query answered as the endpoint answers it, every row of it (``tehkg query``): vetted the same way, then
    evaluated in one query worker behind the network wall (SERVICE to the allow-list only, through the
    forwarder), killed at ``settings.timeout``. ``fmt`` is read as ``format=`` is; one that names no format of
    the query's form falls back to CSV for solutions, Turtle for graphs. ProtocolError when the query is
    refused, QueryTimeout past the deadline."""
    directory = current_store(settings.store)
    if directory is None:
        return QueryAnswer(status=503, error=f"no built store under {settings.store}; run `tehkg build` first")
    query, _ = vet(text, settings.service_allow)
    task = QueryTask(query=query, accept=f"{formats.CSV}, {formats.TURTLE}", format=fmt, max_rows=sys.maxsize)

    async def evaluate() -> QueryAnswer:
        pool = WorkerPool(1, 0, settings.worker_memory, service_allow=settings.service_allow)  # no copy: one query
        pool.start(str(directory))
        try:
            return await pool.run(str(directory), task, settings.timeout)
        finally:
            pool.close()

    return asyncio.run(evaluate())
