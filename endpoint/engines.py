"""Where queries run: the embedded store (worker processes) or an external SPARQL 1.1 engine."""

import asyncio
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import httpx
import pyoxigraph as ox

from tehkg import vocab
from tehkg.endpoint import conneg
from tehkg.endpoint.execution import QueryAnswer, QueryTask
from tehkg.endpoint.query_scan import scan
from tehkg.endpoint.settings import Settings
from tehkg.endpoint.workers import QueryTimeout, WorkerPool
from tehkg.loader.search_index import ENTRIES_QUERY, SearchIndex
from tehkg.loader.store_layout import current_store, store_version

PUBLICATION_REFRESH = 1.0  # seconds between reads of the publication record of an external engine
PUBLICATION_QUERY = (
    f"SELECT ?version ?graph WHERE {{ GRAPH <{vocab.PUBLICATION_GRAPH}> {{ <{vocab.PUBLICATION_GRAPH}> "
    f"<{vocab.OWL}versionInfo> ?version "
    f"OPTIONAL {{ <{vocab.PUBLICATION_GRAPH}> <{vocab.DCTERMS}hasPart> ?graph }} }} }}"
)
JSON_ACCEPT = {"Accept": "application/sparql-results+json"}
# Virtuoso's timeout is an "anytime" budget it overruns while it winds down: it gets this share of the deadline
VIRTUOSO_TIMEOUT_SHARE = 0.5


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
        if directory is not None and self._index[0] != version:
            self._index = (version, SearchIndex.read(directory))
        return self._index[1]


class RemoteEngine:
    """An external SPARQL 1.1 query endpoint (Virtuoso, Oxigraph server, Fuseki, GraphDB, QLever).

    On an engine ``tehkg build --target`` published to, the publication record (``…/graph/publication``,
    read at most once a second) gives the version, which keys the cache, and the named graphs: a query
    without a dataset of its own is sent with the published merge (``…/graph/default``) as its default
    graph and those graphs as its named graphs, so the default graph is a set and the engine's other
    graphs stay out. Without a record the engine's default graph must be the union of its named graphs
    (Oxigraph: ``--union-default-graph``; Fuseki: ``tdb:unionDefaultGraph``) and nothing is cached.
    Virtuoso gets the deadline as its ``timeout`` too, so the engine stops the query as well.
    """

    def __init__(self, settings: Settings) -> None:
        self.url = settings.backend or ""
        self.client = httpx.AsyncClient(timeout=settings.timeout)
        self.timeout = settings.timeout
        self._publication: Publication | None = None
        self._checked = -math.inf
        self._refreshing: asyncio.Task | None = None
        self._virtuoso = False
        self._index: tuple[str | None, SearchIndex] | None = None

    def start(self) -> None:
        pass

    async def close(self) -> None:
        if self._refreshing is not None:
            self._refreshing.cancel()
        await self.client.aclose()

    def directory(self) -> None:
        """No store directory: the data lives in the engine."""
        return None

    def version(self) -> str | None:
        """The published version the engine last said it serves (None without a publication record)."""
        if time.monotonic() - self._checked > PUBLICATION_REFRESH:
            self._refresh()
        return self._publication.version if self._publication else None

    def _refresh(self) -> asyncio.Task:
        """The read of the publication record in flight, started if there is none."""
        if self._refreshing is None or self._refreshing.done():
            self._refreshing = asyncio.get_running_loop().create_task(self._read_publication())
        return self._refreshing

    async def _read_publication(self) -> None:
        try:
            response = await self.client.post(self.url, data={"query": PUBLICATION_QUERY}, headers=JSON_ACCEPT)
        except httpx.HTTPError:
            return  # the engine is unreachable: queries will say so; the record is read again next time
        self._checked = time.monotonic()
        self._virtuoso = response.headers.get("server", "").startswith("Virtuoso")
        if response.status_code != 200:
            return
        rows = response.json()["results"]["bindings"]
        versions = {row["version"]["value"] for row in rows}
        graphs = tuple(sorted({row["graph"]["value"] for row in rows if "graph" in row}))
        self._publication = Publication(versions.pop(), graphs) if len(versions) == 1 else None

    async def _dataset(self, task: QueryTask) -> tuple[list[str], list[str]]:
        """The default-graph-uri and named-graph-uri to send with ``task``."""
        if time.monotonic() - self._checked > PUBLICATION_REFRESH:
            await asyncio.shield(self._refresh())
        if task.default_graphs or task.named_graphs:
            return task.default_graphs or [], task.named_graphs or []
        if self._publication is None or scan(task.query).has_from:  # the query's own FROM holds
            return [], []
        return [vocab.PUBLISHED_DEFAULT_GRAPH], list(self._publication.graphs)

    async def run(self, task: QueryTask, timeout: float) -> QueryAnswer:
        default_graphs, named_graphs = await self._dataset(task)
        form: dict[str, str | list[str]] = {
            "query": task.query,
            "default-graph-uri": default_graphs,
            "named-graph-uri": named_graphs,
        }
        if self._virtuoso:
            form["timeout"] = str(max(1, int(timeout * 1000 * VIRTUOSO_TIMEOUT_SHARE)))
        # Virtuoso answers a CONSTRUCT in JSON results when they come first in Accept
        graph_form = scan(task.query).form in ("CONSTRUCT", "DESCRIBE")
        headers = {"Accept": "application/n-triples" if graph_form else "application/sparql-results+json"}
        try:
            response = await self.client.post(self.url, data=form, headers=headers, timeout=timeout)
        except httpx.TimeoutException:
            raise QueryTimeout(f"query exceeded its time limit of {timeout:g} s") from None
        except httpx.TransportError as err:
            return QueryAnswer(status=502, error=f"the SPARQL backend {self.url} is unreachable: {type(err).__name__}")
        if response.headers.get("x-sql-state") == "S1TAT":  # Virtuoso's partial answer at its timeout
            raise QueryTimeout(f"query exceeded its time limit of {timeout:g} s")
        if response.status_code >= 400:
            return QueryAnswer(status=_status(response), error=f"backend: {response.text[:2000]}")
        try:
            return _reserialise(task, response)
        except (SyntaxError, ValueError) as err:  # an answer that is not what its Content-Type says
            return QueryAnswer(status=502, error=f"backend: its answer could not be read: {err}")

    async def search_index(self) -> SearchIndex:
        """Indexed from the backend on first use, again for each published version."""
        version = self.version()
        if self._index is None or self._index[0] != version:
            answer = await self.run(QueryTask(query=ENTRIES_QUERY, rows_only=True, max_rows=5_000_000), self.timeout)
            if answer.status != 200:
                from tehkg.endpoint.sparql_protocol import ProtocolError  # it imports this module

                raise ProtocolError(answer.status if answer.status >= 500 else 502, answer.error or "", "backend")
            rows = cast("list[list[ox.NamedNode | ox.Literal]]", answer.rows)  # ENTRIES_QUERY: IRIs and literals
            self._index = (version, SearchIndex([(s.value, p.value, t.value) for s, p, t in rows]))
        return self._index[1]


@dataclass(frozen=True)
class Publication:
    """What ``tehkg build --target`` last switched in: its version and named graphs."""

    version: str
    graphs: tuple[str, ...]


def _status(response: httpx.Response) -> int:
    """400 for a query the engine refuses, 502 for an engine that fails."""
    return 400 if response.status_code < 500 else 502


def _reserialise(task: QueryTask, response: httpx.Response) -> QueryAnswer:
    """Turn the backend's JSON results or N-Triples into the answer the client asked for."""
    from tehkg.endpoint import serializers

    media = response.headers.get("content-type", "").split(";")[0].strip()
    if media == "application/sparql-results+json":
        # Virtuoso names blank nodes "nodeID://b1": not a blank node label; "b1" is
        content = response.content.replace(b'"nodeID://', b'"')
        parsed = ox.parse_query_results(content, format=ox.QueryResultsFormat.JSON)
        if isinstance(parsed, ox.QueryBoolean):
            chosen = conneg.choose(task.accept, conneg.RESULTS, task.format)
            if chosen is None:
                return QueryAnswer(status=406, error="no acceptable result format")
            return QueryAnswer(media_type=chosen, body=serializers.ask(chosen, bool(parsed)))
        variables = [v.value for v in parsed.variables]
        rows: list[serializers.Row] = []
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
