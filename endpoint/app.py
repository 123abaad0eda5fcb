"""The ASGI application: the layers around the query path, and the routers behind them."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from tehkg import __version__
from tehkg.endpoint.cache import ResponseCache
from tehkg.endpoint.context import Context
from tehkg.endpoint.engines import make_engine
from tehkg.endpoint.guard import GuardAndLog
from tehkg.endpoint.routes import dataset, documents, graph_store, health, site, sparql
from tehkg.endpoint.settings import Settings
from tehkg.endpoint.sparql_protocol import ProtocolError, QueryLayer, error_response
from tehkg.endpoint.workers import QueryTimeout

STATIC = Path(__file__).parent / "static"
ROUTERS = (health.router, sparql.router, graph_store.router, dataset.router, documents.router, site.router)


def create_api(context: Context) -> FastAPI:
    """The FastAPI application over ``context``: every route except the answering of queries."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        context.engine.start()
        yield
        context.engine.close()

    api = FastAPI(
        title="tehkg",
        version=__version__,
        lifespan=lifespan,
        description="SPARQL 1.1 endpoint and linked data for French public policy against trafficking in human beings.",
    )
    api.state.context = context
    api.add_middleware(GZipMiddleware, minimum_size=1024)  # documents and dumps; SPARQL answers are in front
    for router in ROUTERS:
        api.include_router(router)
    api.mount("/static", StaticFiles(directory=STATIC), name="static")

    @api.exception_handler(ProtocolError)
    async def on_protocol_error(request: Request, err: ProtocolError) -> Response:
        return error_response(err.status, err.kind, err.message)

    @api.exception_handler(QueryTimeout)
    async def on_timeout(request: Request, err: QueryTimeout) -> Response:
        return error_response(503, "timeout", str(err))

    return api


def create_app(settings: Settings | None = None) -> Callable:
    """The endpoint over the engine the settings name, as an ASGI application.

    Outside in: request guard and log, CORS, the query layer (it answers SPARQL queries), then
    the FastAPI application (every other route); the framework's own middleware thus stays off
    the hot path of queries.
    """
    settings = settings or Settings.from_env()
    cache = ResponseCache(settings.cache_entries, settings.cache_bytes, settings.cache_entry_bytes)
    context = Context(settings, make_engine(settings), cache)
    api = create_api(context)
    cors = CORSMiddleware(
        QueryLayer(api, context.engine, context.cache, settings),
        allow_origins=["*"],
        allow_methods=["GET", "POST", "HEAD"],
        allow_headers=["*"],
        expose_headers=["ETag", "Tehkg-Truncated", "Tehkg-Row-Limit", "Tehkg-Result-Count", "Link"],
    )
    return GuardAndLog(cors, settings)
