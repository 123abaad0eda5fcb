"""The ASGI application: the layers around the query path, and the routers behind them."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Mount

from tehkg import __version__
from tehkg.endpoint.context import ClientSlots, Context
from tehkg.endpoint.documents.cache import ResponseCache
from tehkg.endpoint.engines import make_engine
from tehkg.endpoint.engines.workers import QueryTimeout
from tehkg.endpoint.errors import ProtocolError, error_response
from tehkg.endpoint.http.guard import GuardAndLog
from tehkg.endpoint.http.methods import HttpMethods, allowed_methods
from tehkg.endpoint.http.protocol import QueryLayer
from tehkg.endpoint.metrics import PAST_DEADLINE
from tehkg.endpoint.routes import (
    api_docs,
    completion,
    dataset,
    documents,
    examples,
    graph_store,
    health,
    metrics,
    site,
    sparql,
    why,
)
from tehkg.settings import Settings

STATIC = Path(__file__).parent / "static"
HTTP_KINDS = {400: "bad-request", 404: "not-found", 405: "method-not-allowed", 406: "not-acceptable"}
ROUTERS = (
    health.router,
    sparql.router,
    graph_store.router,
    dataset.router,
    documents.router,
    site.router,
    examples.router,
    api_docs.router,
    completion.router,
    why.router,
)


def routers(settings: Settings) -> tuple[APIRouter, ...]:
    """The routers the application includes; ``/metrics`` only when ``TEHKG_METRICS`` is on (else not even routed:
    a 404 like any unknown path)."""
    return (*ROUTERS, metrics.router) if settings.metrics else ROUTERS


def counted_routes(api: FastAPI, settings: Settings) -> list[BaseRoute]:
    """The routes the guard counts requests by: the routers' own (FastAPI keeps included ones behind wrappers that
    do not say which route matched) and the static files' mount."""
    return [route for router in routers(settings) for route in router.routes] + [
        route for route in api.routes if isinstance(route, Mount)
    ]


def create_api(context: Context) -> FastAPI:
    """The FastAPI application over ``context``: every route except the answering of queries."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        context.engine.start()
        yield
        await context.engine.close()

    api = FastAPI(
        title="tehkg",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # Swagger UI and ReDoc are served from the package (routes/api_docs.py), not a CDN
        redoc_url=None,
        description="SPARQL 1.1 endpoint and linked data for French public policy against trafficking in human beings.",
    )
    api.state.context = context
    api.add_middleware(GZipMiddleware, minimum_size=1024)  # documents and dumps; SPARQL answers are in front
    for router in routers(context.settings):
        api.include_router(router)
    api.mount("/static", StaticFiles(directory=STATIC), name="static")

    @api.exception_handler(ProtocolError)
    async def on_protocol_error(request: Request, err: ProtocolError) -> Response:
        return err.response()

    @api.exception_handler(QueryTimeout)
    async def on_timeout(request: Request, err: QueryTimeout) -> Response:
        PAST_DEADLINE.inc()  # a page's or document's query
        return error_response(503, "timeout", str(err))

    @api.exception_handler(HTTPException)
    async def on_http_error(request: Request, err: HTTPException) -> Response:
        response = error_response(err.status_code, HTTP_KINDS.get(err.status_code, "error"), str(err.detail))
        if err.status_code == 405:
            response.headers["Allow"] = ", ".join(allowed_methods(api, request.scope))
        return response

    @api.exception_handler(RequestValidationError)
    async def on_invalid_parameters(request: Request, err: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        return error_response(422, "invalid-parameters", problems)

    @api.exception_handler(Exception)
    async def on_unhandled(request: Request, err: Exception) -> Response:
        return error_response(500, "internal-error", "the server failed to answer; the error is logged")

    return api


def create_app(settings: Settings | None = None) -> Callable:
    """The endpoint over the engine the settings name, as an ASGI application.

    Outside in: request guard and log, HTTP methods (HEAD as GET without a body, OPTIONS, the
    last-resort JSON 500), CORS, the query layer (it answers SPARQL queries), then the FastAPI
    application (every other route); the framework's own middleware thus stays off the hot path
    of queries.
    """
    settings = settings or Settings.load()
    cache = ResponseCache(settings.cache_entries, settings.cache_bytes, settings.cache_entry_bytes)
    slots = ClientSlots(settings.max_per_client, settings.client_budget)
    context = Context(settings, make_engine(settings), cache, slots)
    api = create_api(context)
    cors = CORSMiddleware(
        QueryLayer(api, context.engine, context.cache, settings, context.slots),
        allow_origins=["*"],
        allow_methods=["GET", "POST", "HEAD"],
        allow_headers=["*"],
        expose_headers=["ETag", "Tehkg-Truncated", "Tehkg-Row-Limit", "Tehkg-Result-Count", "Tehkg-Release", "Link"],
    )
    return GuardAndLog(HttpMethods(cors, api), settings, counted_routes(api, settings))
