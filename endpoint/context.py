"""What every route needs, injected as a FastAPI dependency: settings, engine, cache and helpers."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import Response

from tehkg import formats
from tehkg.endpoint.documents.cache import ResponseCache
from tehkg.endpoint.engines import Engine
from tehkg.endpoint.engines.execution import QueryTask
from tehkg.endpoint.errors import ProtocolError, not_acceptable
from tehkg.endpoint.query import conneg, serializers
from tehkg.settings import Settings
from tehkg.vocab import BASE

Row = dict[str, Any]  # a solution's terms by variable name: what they are depends on the query
Rows = Callable[[str], Awaitable[list[Row]]]  # Context.rows: a SELECT's solutions, as pages and documents read them


@dataclass
class Context:
    """The application's shared state; one per application, in ``app.state.context``."""

    settings: Settings
    engine: Engine
    cache: ResponseCache

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
