"""The SPARQL 1.1 Protocol, query side: read a request into a task, answer it over HTTP."""

import asyncio
import math
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from tehkg import formats
from tehkg.endpoint import metrics
from tehkg.endpoint.context import ClientSlots, client_of
from tehkg.endpoint.documents.cache import ResponseCache
from tehkg.endpoint.engines import Engine
from tehkg.endpoint.engines.execution import QueryAnswer, QueryTask, is_iri
from tehkg.endpoint.engines.releases import OlderRelease, release_engine
from tehkg.endpoint.engines.workers import QueryTimeout
from tehkg.endpoint.errors import READ_ONLY, ProtocolError, error_response, not_acceptable
from tehkg.endpoint.query import conneg
from tehkg.endpoint.query.scan import needs_full_parse, vet
from tehkg.settings import Settings


@dataclass
class SparqlRequest:
    """The protocol parameters of one request."""

    query: str | None
    default_graphs: list[str]
    named_graphs: list[str]
    format: str | None
    timeout: float | None


def _params(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


async def read_request(request: Request, settings: Settings) -> SparqlRequest:
    """Parameters from GET, POST form or POST direct; raises ProtocolError."""
    url_params = _params(parse_qsl(request.scope["query_string"].decode("utf-8", "replace"), keep_blank_values=True))
    params = url_params
    body_query: str | None = None
    if request.method == "POST":
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        raw = await request.body()
        if len(raw) > settings.max_body:
            raise ProtocolError(413, f"request body exceeds {settings.max_body} bytes", "too-large")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(400, "request body is not valid UTF-8") from None
        if media == formats.FORM:
            params = _params(parse_qsl(text, keep_blank_values=True))
            for key in ("default-graph-uri", "named-graph-uri", "format", "timeout"):
                if key not in params and key in url_params:
                    params[key] = url_params[key]
        elif media == formats.SPARQL_QUERY:
            body_query = text
            if "query" in url_params:
                raise ProtocolError(400, "a direct POST carries the query in its body only")
        elif media == formats.SPARQL_UPDATE:
            raise ProtocolError(403, READ_ONLY, "read-only")
        else:
            raise ProtocolError(
                415,
                f"unsupported request media type {media or '(none)'}; use {formats.FORM} or {formats.SPARQL_QUERY}",
                "unsupported-media-type",
            )
    if "update" in params:
        raise ProtocolError(403, READ_ONLY, "read-only")
    queries = params.get("query", [])
    if body_query is not None:
        queries = [body_query]
    if len(queries) > 1:
        raise ProtocolError(400, "exactly one query per request")
    timeout = None
    if params.get("timeout"):
        try:
            timeout = float(params["timeout"][0])
        except ValueError:
            timeout = math.nan
        if not timeout >= 0:  # NaN too
            raise ProtocolError(400, "timeout must be a number of seconds, zero or more (0: the server's limit)")
    default_graphs, named_graphs = params.get("default-graph-uri", []), params.get("named-graph-uri", [])
    for iri in default_graphs + named_graphs:
        if not is_iri(iri):
            raise ProtocolError(400, f"default-graph-uri and named-graph-uri take absolute IRIs, not {iri!r}")
    return SparqlRequest(
        query=queries[0] if queries else None,
        default_graphs=default_graphs,
        named_graphs=named_graphs,
        format=params["format"][0] if params.get("format") else None,
        timeout=timeout,
    )


def _headers(answer: QueryAnswer, etag: str, settings: Settings) -> dict[str, str]:
    headers = {
        "ETag": etag,
        "Vary": "Accept",
        "Cache-Control": "public, max-age=60",
        "Tehkg-Result-Count": str(answer.count),
    }
    if answer.release:
        headers["Tehkg-Release"] = answer.release  # the release that answered: /releases/ID/sparql asks it again
    if answer.truncated:
        headers["Tehkg-Truncated"] = "true"
        headers["Tehkg-Row-Limit"] = str(answer.row_limit or settings.max_rows)
    return headers


def _media_header(media: str) -> str:
    return f"{media}; charset=utf-8" if media.startswith(formats.TEXT_MEDIA) else media


class ClientGone(Exception):
    """The client disconnected before its answer was ready; the work was cancelled."""


async def _disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def unless_disconnected(receive: Receive, work: Awaitable[QueryAnswer]) -> QueryAnswer:
    """Await ``work``, cancelled as soon as the client disconnects (then ClientGone).

    Cancelling the pool's run kills the worker evaluating the query, so an abandoned runaway
    query stops costing anything at once instead of at its deadline.
    """
    query, watcher = asyncio.ensure_future(work), asyncio.ensure_future(_disconnect(receive))
    try:
        await asyncio.wait((query, watcher), return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
        if not query.done():
            query.cancel()
            await asyncio.wait((query,))
    if query.cancelled():
        raise ClientGone
    return query.result()


async def answer_query(
    request: Request,
    sparql: SparqlRequest,
    engine: Engine | OlderRelease,
    cache: ResponseCache,
    settings: Settings,
    slots: ClientSlots | None = None,
) -> Response:
    """Evaluate the request's query (checked, bounded, cached) and build the HTTP response.

    The client holds one of its slots from the first check on (the complete parse a SERVICE check needs is
    work too) and is charged the time its query ran."""
    client = client_of(request)
    refusal = slots.refusal(client) if slots is not None else None
    if refusal is not None:
        return error_response(429, "too-many-queries", refusal)
    charged = [0.0]
    try:
        return await _answer_query(request, sparql, engine, cache, settings, charged)
    finally:
        if slots is not None:
            slots.give(client, charged[0])


async def _answer_query(
    request: Request,
    sparql: SparqlRequest,
    engine: Engine | OlderRelease,
    cache: ResponseCache,
    settings: Settings,
    charged: list[float],
) -> Response:
    """The work of :func:`answer_query`; ``charged[0]`` is set to the seconds the engine ran."""
    text = sparql.query or ""
    try:
        if needs_full_parse(text):
            query, found = await asyncio.to_thread(vet, text, settings.service_allow)
        else:
            query, found = vet(text, settings.service_allow)
    except ProtocolError as err:
        return err.response()
    accept = request.headers.get("accept")
    offers = formats.GRAPH_FORMATS if found.form in ("CONSTRUCT", "DESCRIBE") else formats.RESULT_FORMATS
    media = conneg.choose(accept, offers, sparql.format)
    if media is None and found.form is not None:
        return not_acceptable(offers, f"a {found.form} query")
    protocol_dataset = bool(sparql.default_graphs or sparql.named_graphs)
    task = QueryTask(
        query=query,
        accept=accept,
        format=sparql.format,
        default_graphs=sparql.default_graphs if protocol_dataset else None,
        named_graphs=sparql.named_graphs if protocol_dataset else None,
        base_iri=str(request.url.replace(query="")),  # the endpoint's URL, as the client addressed it
        max_rows=settings.max_rows,
    )
    timeout = min(settings.timeout, sparql.timeout or settings.timeout)
    version = engine.version()
    # keyed by the text as sent: a client that varies a comment to get a fresh evaluation gets one
    key = (text, tuple(sparql.default_graphs), tuple(sparql.named_graphs), media, timeout, task.base_iri)
    etag = cache.etag(version, key)
    answer = cache.get(version, etag)
    metrics.CACHE.labels("miss" if answer is None else "hit").inc()
    if answer is not None and etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers={"ETag": etag, "Vary": "Accept"})
    if answer is None:
        start = time.monotonic()
        try:
            answer = await unless_disconnected(request.receive, engine.run(task, timeout))
        except QueryTimeout as err:
            metrics.PAST_DEADLINE.inc()
            return error_response(503, "timeout", str(err), limit=timeout, elapsed=round(time.monotonic() - start, 3))
        except ClientGone:
            metrics.CANCELLED.inc()
            return error_response(499, "client-gone", "the client disconnected; its query was cancelled")
        finally:
            charged[0] = time.monotonic() - start
        if not found.volatile:  # NOW(), RAND(), STRUUID()…: everyone gets an answer of their own
            cache.put(version, etag, answer)
    if answer.status != 200:
        # 5xx: the engine failed or is missing (a worker, the store, --backend), the kind pages give too
        kind = {400: "bad-query", 406: "not-acceptable", 502: "backend", 503: "backend"}.get(answer.status, "error")
        return error_response(answer.status, kind, answer.error or "")
    return Response(answer.body, media_type=_media_header(answer.media_type), headers=_headers(answer, etag, settings))


def prefers_page(request: Request, sparql: SparqlRequest) -> bool:
    """Whether a GET with a query asks for the editor page: ``format=html``, or an Accept that ranks HTML above
    every result and graph format (a browser opening a shared link: ``text/html,…,*/*;q=0.8``)."""
    if request.method != "GET":
        return False
    offers = (*formats.RESULT_FORMATS, *formats.GRAPH_FORMATS, formats.HTML)  # HTML last: */* is not a page
    return conneg.choose(request.headers.get("accept"), offers, sparql.format) == formats.HTML.media_type


def release_path(path: str) -> str | None:
    """The release id of a release's query path, ``/releases/ID/sparql``; None for any other path."""
    parts = path.split("/")
    return parts[2] if len(parts) == 4 and parts[1] == "releases" and parts[3] == "sparql" and parts[2] else None


class QueryLayer:
    """ASGI layer in front of the router: it answers the ``/sparql`` requests that carry a query.

    Queries are the endpoint's hot path; answered here they skip routing, request validation and
    the framework's middleware, which took 30% of this process's time per query in a profile of
    the 14k benchmark mix. Requests without a query (service description, query editor) and
    browsers opening a query link (the editor shows the query and its results) go on to
    the ``/sparql`` route with their parameters, already read, in ``scope["tehkg.sparql"]``.
    """

    def __init__(
        self, app: ASGIApp, engine: Engine, cache: ResponseCache, settings: Settings, slots: ClientSlots
    ) -> None:
        self.app, self.engine, self.cache, self.settings, self.slots = app, engine, cache, settings, slots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        release = release_path(scope["path"]) if scope["type"] == "http" else None
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "POST")
            or (scope["path"] != "/sparql" and release is None)
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            parsed = await read_request(request, self.settings)
        except ProtocolError as err:
            response = error_response(err.status, err.kind, err.message)
        else:
            if parsed.query is None or prefers_page(request, parsed):
                scope["tehkg.sparql"] = parsed
                await self.app(scope, receive, send)
                return
            try:  # /releases/ID/sparql: the same protocol over a kept release
                engine = self.engine if release is None else release_engine(self.engine, release)
            except ProtocolError as err:
                response = err.response()
            else:
                response = await answer_query(request, parsed, engine, self.cache, self.settings, self.slots)
                if isinstance(engine, OlderRelease) and response.status_code == 200:
                    response.headers.update(engine.memento_headers())
        await response(scope, receive, send)
