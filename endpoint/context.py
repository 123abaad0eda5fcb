"""What every route needs, injected as a FastAPI dependency: settings, engine, cache, the per-client query slots
and helpers."""

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import Response

from tehkg import formats
from tehkg.endpoint import metrics
from tehkg.endpoint.documents.cache import ResponseCache
from tehkg.endpoint.engines import Engine
from tehkg.endpoint.engines.execution import QueryTask
from tehkg.endpoint.errors import ProtocolError, not_acceptable
from tehkg.endpoint.query import conneg, serializers
from tehkg.settings import Settings
from tehkg.vocab import BASE

Row = dict[str, Any]  # a solution's terms by variable name: what they are depends on the query
Rows = Callable[[str], Awaitable[list[Row]]]  # Context.rows: a SELECT's solutions, as pages and documents read them


class ClientSlots:
    """What each client address may run: ``limit`` uncached queries at once, and ``budget`` seconds of query
    time per minute (a bucket that refills at ``budget`` per minute, as the Wikidata Query Service counts it).

    A client whose queries used up its budget is refused (429) until the bucket refills, whatever its queries
    look like: nothing is trusted for having been cheap once. Clients with a full bucket and nothing running
    are forgotten, and at most ``MAX_CLIENTS`` are remembered (the oldest go first).
    """

    MAX_CLIENTS = 100_000

    def __init__(self, limit: int, budget: float) -> None:
        self.limit, self.budget = limit, budget
        self.running: dict[str, int] = {}
        self.balance: dict[str, tuple[float, float]] = {}  # client -> (seconds left, when it was counted)

    def _left(self, client: str, now: float) -> float:
        left, counted = self.balance.get(client, (self.budget, now))
        return min(self.budget, left + (now - counted) * self.budget / 60)

    def refusal(self, client: str) -> str | None:
        """Why ``client`` may not start a query now, or None (then it holds a slot until :meth:`give`)."""
        if self.running.get(client, 0) >= self.limit:
            metrics.CLIENT_REFUSALS.labels("concurrent-queries").inc()
            return f"at most {self.limit} uncached queries at once per client; retry shortly"
        if self._left(client, time.monotonic()) <= 0:
            metrics.CLIENT_REFUSALS.labels("time-budget").inc()
            return (
                f"this client used its {self.budget:g} s of query time per minute; retry when it refills "
                "(TEHKG_CLIENT_BUDGET)"
            )
        self.running[client] = self.running.get(client, 0) + 1
        return None

    def give(self, client: str, seconds: float) -> None:
        """Release ``client``'s slot and charge it the ``seconds`` its query ran."""
        left = self.running.pop(client) - 1
        if left:
            self.running[client] = left
        now = time.monotonic()
        balance = self._left(client, now) - seconds
        self.balance.pop(client, None)
        if balance < self.budget:
            self.balance[client] = (balance, now)
            if len(self.balance) > self.MAX_CLIENTS:
                del self.balance[next(iter(self.balance))]


def client_of(request: Request) -> str:
    """The address a request came from: what the per-client slots count."""
    return (request.scope.get("client") or ("",))[0]


@dataclass
class Context:
    """The application's shared state; one per application, in ``app.state.context``."""

    settings: Settings
    engine: Engine
    cache: ResponseCache
    slots: ClientSlots  # shared by every route that runs a client's query: /sparql, /sparql/why

    async def rows(self, query: str) -> list[Row]:
        """Solutions of a SELECT over the store, as terms (for pages and documents)."""
        answer = await self.engine.run(QueryTask(query=query, rows_only=True, max_rows=100_000), self.settings.timeout)
        if answer.status != 200:
            raise ProtocolError(answer.status if answer.status >= 500 else 502, answer.error or "", "backend")
        return [{v: t for v, t in zip(answer.variables, row, strict=True) if t is not None} for row in answer.rows]


def get_context(request: Request) -> Context:
    """FastAPI dependency: the application's Context."""
    return request.app.state.context


def wants_html(request: Request, fmt: str | None) -> bool:
    """Whether the client asked for a page (``format=html`` or an Accept preferring HTML)."""
    if fmt:
        return fmt.lower() in (formats.HTML.name, formats.HTML.media_type)
    offers = (*formats.GRAPH_FORMATS, formats.HTML)  # */* is Turtle, not a page
    return conneg.choose(request.headers.get("accept"), offers) == formats.HTML.media_type


def graph_response(request: Request, triples: list, fmt: str | None, location: str | None = None) -> Response:
    """Triples (or quads) serialised in the negotiated RDF format; 406 when none fits."""
    media = conneg.choose(request.headers.get("accept"), formats.GRAPH_FORMATS, fmt)
    if media is None:
        return not_acceptable(formats.GRAPH_FORMATS)
    headers = {"Vary": "Accept"}
    if location:
        headers["Content-Location"] = location
    return Response(serializers.graph(media, triples), media_type=media, headers=headers)


def checked_iri(value: str) -> str:
    """An absolute IRI (RFC 3987, as pyoxigraph checks it), safe to put between < > in a query."""
    try:
        return ox.NamedNode(value).value
    except ValueError:
        raise ProtocolError(400, f"not an absolute IRI: {value!r}") from None


def local_path(iri: str) -> str:
    """The local path serving an IRI under the base."""
    return "/" + iri[len(BASE) :] if iri.startswith(BASE) else iri
