"""Where queries run: the embedded store (worker processes) or an external SPARQL 1.1 engine."""

from pathlib import Path

import httpx
import pyoxigraph as ox

from tehkg.endpoint import conneg
from tehkg.endpoint.execution import QueryAnswer, QueryTask
from tehkg.endpoint.settings import Settings
from tehkg.endpoint.workers import QueryTimeout, WorkerPool
from tehkg.loader.search_index import ENTRIES_QUERY, SearchIndex
from tehkg.loader.store_layout import current_store, store_version


class EmbeddedEngine:
    """A built Oxigraph store, read-only, queried by a pool of worker processes."""

    def __init__(self, settings: Settings) -> None:
        self.root = Path(settings.store)
        # with no SERVICE allowed, workers need no network: they leave it (a wall behind the query check)
        self.pool = WorkerPool(settings.workers, settings.memory_quads, isolate_network=not settings.service_allow)
        self._index: tuple[str | None, SearchIndex] = (None, SearchIndex([]))

    def start(self) -> None:
        directory = self.directory()
        self.pool.start(str(directory) if directory else None)

    def close(self) -> None:
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
        if directory is not None and self._index[0] != version:
            self._index = (version, SearchIndex.read(directory))
        return self._index[1]


class RemoteEngine:
    """An external SPARQL 1.1 query endpoint (Oxigraph server, Fuseki, GraphDB, Virtuoso, QLever).

    The engine must expose the union of its named graphs as its default graph (Oxigraph:
    ``--union-default-graph``; Fuseki: ``tdb:unionDefaultGraph``), as the embedded store does.
    """

    def __init__(self, settings: Settings) -> None:
        self.url = settings.backend or ""
        self.client = httpx.AsyncClient(timeout=settings.timeout)
        self.timeout = settings.timeout
        self._index: SearchIndex | None = None

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass

    def version(self) -> str | None:
        """None: an external engine may change at any time, so nothing from it is cached."""
        return None

    async def run(self, task: QueryTask, timeout: float) -> QueryAnswer:
        form = {
            "query": task.query,
            "default-graph-uri": task.default_graphs or [],
            "named-graph-uri": task.named_graphs or [],
        }
        headers = {"Accept": "application/sparql-results+json, application/n-triples;q=0.9"}
        try:
            response = await self.client.post(self.url, data=form, headers=headers, timeout=timeout)
        except httpx.TimeoutException:
            raise QueryTimeout(f"query exceeded its time limit of {timeout:g} s") from None
        except httpx.TransportError as err:
            return QueryAnswer(status=502, error=f"the SPARQL backend {self.url} is unreachable: {type(err).__name__}")
        if response.status_code >= 400:
            return QueryAnswer(
                status=400 if response.status_code < 500 else 502, error=f"backend: {response.text[:2000]}"
            )
        return _reserialise(task, response)

    async def search_index(self) -> SearchIndex:
        """Indexed from the backend on first use, then kept for the life of the server."""
        if self._index is None:
            answer = await self.run(QueryTask(query=ENTRIES_QUERY, rows_only=True, max_rows=5_000_000), self.timeout)
            if answer.status != 200:
                from tehkg.endpoint.sparql_protocol import ProtocolError  # it imports this module

                raise ProtocolError(answer.status if answer.status >= 500 else 502, answer.error or "", "backend")
            self._index = SearchIndex([(s.value, p.value, t.value) for s, p, t in answer.rows])
        return self._index


def _reserialise(task: QueryTask, response: httpx.Response) -> QueryAnswer:
    """Turn the backend's JSON results or N-Triples into the answer the client asked for."""
    from tehkg.endpoint import serializers

    media = response.headers.get("content-type", "").split(";")[0].strip()
    if media == "application/sparql-results+json":
        parsed = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
        if isinstance(parsed, ox.QueryBoolean):
            chosen = conneg.choose(task.accept, conneg.RESULTS, task.format)
            if chosen is None:
                return QueryAnswer(status=406, error="no acceptable result format")
            return QueryAnswer(media_type=chosen, body=serializers.ask(chosen, bool(parsed)))
        variables = [v.value for v in parsed.variables]
        rows = []
        truncated = False
        for solution in parsed:
            if len(rows) == task.max_rows:
                truncated = True  # a solution past the cap, not merely as many as the cap
                break
            rows.append([solution[i] for i in range(len(variables))])
        if task.rows_only:
            return QueryAnswer(variables=variables, rows=rows, count=len(rows), truncated=truncated)
        chosen = conneg.choose(task.accept, conneg.RESULTS, task.format)
        if chosen is None:
            return QueryAnswer(status=406, error="no acceptable result format")
        return QueryAnswer(
            media_type=chosen,
            count=len(rows),
            truncated=truncated,
            body=serializers.select(chosen, variables, rows, truncated),
        )
    triples = list(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))
    chosen = conneg.choose(task.accept, conneg.GRAPHS, task.format, aliases=conneg.GRAPH_ALIASES)
    if chosen is None:
        return QueryAnswer(status=406, error="no acceptable RDF format")
    truncated, triples = len(triples) > task.max_rows, triples[: task.max_rows]
    return QueryAnswer(
        media_type=chosen, body=serializers.graph(chosen, triples), count=len(triples), truncated=truncated
    )


Engine = EmbeddedEngine | RemoteEngine


def make_engine(settings: Settings) -> Engine:
    """The engine the settings ask for."""
    return RemoteEngine(settings) if settings.backend else EmbeddedEngine(settings)
