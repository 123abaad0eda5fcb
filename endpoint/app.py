"""The FastAPI application: SPARQL endpoint, Graph Store read, linked-data pages, description."""

import logging
import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pyoxigraph as ox
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from tehkg.endpoint import conneg, description, pages, serializers
from tehkg.endpoint.cache import ResponseCache
from tehkg.endpoint.engines import Engine, make_engine
from tehkg.endpoint.execution import QueryTask
from tehkg.endpoint.settings import Settings
from tehkg.endpoint.sparql_protocol import ProtocolError, QueryLayer, SparqlRequest, error_response
from tehkg.endpoint.workers import QueryTimeout

from tehkg import __version__
from tehkg.vocab import BASE, DATASET_IRI, GRAPH_BASE, ID_BASE

log = logging.getLogger("tehkg.access")
SLOW_SECONDS = 1.0  # requests at least this slow are logged even without the access log
STATIC = Path(__file__).parent / "static"
RDF_EXTENSIONS = {ext: media for media, (_, ext) in conneg.GRAPHS.items()}


def _wants_html(request: Request, fmt: str | None) -> bool:
    if fmt:
        return fmt.lower() in ("html", "text/html")
    html = conneg.choose(
        request.headers.get("accept"),
        {"text/html": ("html", "html"), **conneg.GRAPHS},
        aliases=conneg.GRAPH_ALIASES,
        default="text/turtle",
    )
    return html == "text/html"


def create_app(settings: Settings | None = None) -> Callable:
    """The endpoint over the engine the settings name, as an ASGI application.

    Outside in: request guard and log, CORS, the query layer (it answers SPARQL queries), then
    the FastAPI application (every other route); the framework's own middleware thus stays off
    the hot path of queries.
    """
    settings = settings or Settings.from_env()
    engine: Engine = make_engine(settings)
    cache = ResponseCache(settings.cache_entries)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine.start()
        yield
        engine.close()

    app = FastAPI(
        title="tehkg",
        version=__version__,
        lifespan=lifespan,
        description="SPARQL 1.1 endpoint and linked data for French public policy against trafficking in human beings.",
    )

    async def rows(query: str) -> list[dict[str, ox.NamedNode | ox.Literal | ox.BlankNode]]:
        answer = await engine.run(QueryTask(query=query, rows_only=True, max_rows=100_000), settings.timeout)
        if answer.status != 200:
            raise RuntimeError(answer.error)
        return [{v: t for v, t in zip(answer.variables, row, strict=True) if t is not None} for row in answer.rows]

    async def graph_response(request: Request, triples: list, fmt: str | None, location: str | None = None) -> Response:
        media = conneg.choose(request.headers.get("accept"), conneg.GRAPHS, fmt, aliases=conneg.GRAPH_ALIASES)
        if media is None:
            return error_response(406, "not-acceptable", "available: " + ", ".join(conneg.GRAPHS))
        headers = {"Vary": "Accept"}
        if location:
            headers["Content-Location"] = location
        return Response(serializers.graph(media, triples), media_type=media, headers=headers)

    @app.get("/health")
    async def health() -> JSONResponse:
        """Ready when the store is open and answers a query."""
        try:
            answer = await engine.run(QueryTask(query="ASK {}", format="json"), 5.0)
        except Exception as err:  # noqa: BLE001 - any failure means not ready
            return JSONResponse({"status": "unavailable", "error": str(err)}, status_code=503)
        if answer.status != 200:
            return JSONResponse({"status": "unavailable", "error": answer.error}, status_code=503)
        pool = getattr(engine, "pool", None)
        return JSONResponse(
            {
                "status": "ok",
                "store": engine.version(),
                "version": __version__,
                "pid": os.getpid(),
                "cache": {"hits": cache.hits, "misses": cache.misses},
                "workers_replaced": pool.replaced if pool else None,
                "workers_in_memory": pool.in_memory() if pool else None,
            }
        )

    @app.api_route("/sparql", methods=["GET", "POST"])
    async def sparql(request: Request) -> Response:
        """SPARQL 1.1 Protocol: GET, POST form (``query=``), POST direct
        (``application/sparql-query``); ``default-graph-uri``, ``named-graph-uri``, ``format``,
        ``timeout``. Without a query: the service description, or the query editor in a browser.
        """
        parsed: SparqlRequest = request.scope["tehkg.sparql"]  # QueryLayer answered any query
        if request.method == "GET" and _wants_html(request, parsed.format):
            return HTMLResponse(await pages.query_editor(request))
        graphs = [r["g"].value for r in await rows("SELECT DISTINCT ?g { GRAPH ?g { } }")]
        url = str(request.url_for("sparql"))
        return await graph_response(request, description.service_description(url, graphs), parsed.format)

    @app.api_route("/store", methods=["GET", "HEAD"])
    async def graph_store(request: Request, graph: str | None = None, format: str | None = None) -> Response:  # noqa: A002
        """Graph Store Protocol, read-only: ``?graph=IRI`` or ``?default`` (the union)."""
        is_default = "default" in request.query_params
        if (graph is None) == (not is_default):
            return error_response(400, "bad-request", "give exactly one of ?graph=IRI or ?default")
        if graph is not None:
            exists = await rows(f"SELECT ?s {{ GRAPH <{_iri(graph)}> {{ ?s ?p ?o }} }} LIMIT 1")
            if not exists:
                return error_response(404, "not-found", f"no graph named {graph}")
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{_iri(graph)}> {{ ?s ?p ?o }} }}"
        else:
            query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
        answer = await engine.run(
            QueryTask(query=query, accept=request.headers.get("accept"), format=format, max_rows=10_000_000),
            settings.timeout,
        )
        if answer.status != 200:
            return error_response(answer.status, "error", answer.error or "")
        return Response(answer.body, media_type=answer.media_type, headers={"Vary": "Accept"})

    @app.get("/.well-known/void")
    @app.get("/dataset")
    async def dataset(request: Request, format: str | None = None) -> Response:  # noqa: A002
        """VoID and DCAT description of the dataset (HTML for browsers)."""
        if _wants_html(request, format):
            return RedirectResponse(_local(DATASET_IRI), status_code=303)
        answer = await engine.run(
            QueryTask(query=description.DATASET_QUERY, format="nt", max_rows=1_000_000), settings.timeout
        )
        triples = [q.triple for q in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)]
        triples += description.dataset_extras(str(request.url_for("sparql")), str(request.url_for("dump")))
        return await graph_response(request, triples, format)

    @app.get("/dump.nq", name="dump")
    async def dump() -> Response:
        """The whole dataset as N-Quads."""
        answer = await engine.run(
            QueryTask(query="SELECT ?s ?p ?o ?g { GRAPH ?g { ?s ?p ?o } }", rows_only=True, max_rows=50_000_000),
            settings.timeout,
        )
        quads = [ox.Quad(s, p, o, g) for s, p, o, g in answer.rows]
        return Response(ox.serialize(quads, format=ox.RdfFormat.N_QUADS), media_type="application/n-quads")

    @app.get("/search")
    async def search(request: Request, q: str = "", limit: int = 20) -> Response:
        """Labels, acronyms and descriptions in both languages, accent- and case-insensitive."""
        index = await engine.search_index()
        hits = [
            {"iri": h.iri, "path": pages.local(h.iri), "text": h.text[:160], "score": h.score}
            for h in index.search(q, max(1, min(limit, 100)))
        ]
        if _wants_html(
            request,
            request.query_params.get("format")
            or (None if "text/html" in request.headers.get("accept", "") else "json"),
        ):
            return HTMLResponse(await pages.search_page(request, q, hits))
        return JSONResponse({"query": q, "results": hits})

    @app.get("/ontology")
    async def ontology(request: Request, format: str | None = None) -> Response:  # noqa: A002
        """The ontology: HTML documentation or RDF by content negotiation."""
        if _wants_html(request, format):
            return HTMLResponse(await pages.ontology_page(request, rows))
        found = await rows(f"SELECT ?s ?p ?o {{ GRAPH <{GRAPH_BASE}ontology> {{ ?s ?p ?o }} }}")
        return await graph_response(
            request, [ox.Triple(r["s"], r["p"], r["o"]) for r in found], format, location=f"{request.url.path}"
        )

    @app.get("/graph/{name}")
    async def named_graph(request: Request, name: str, format: str | None = None) -> Response:  # noqa: A002
        """A named graph: its description page, or its triples in RDF."""
        return await describe(request, GRAPH_BASE + name, format, whole_graph=True)

    @app.get("/id/{path:path}")
    async def entity(request: Request, path: str, format: str | None = None) -> Response:  # noqa: A002
        """Dereference an instance IRI: HTML for people, RDF for machines (also ``.ttl`` etc.)."""
        stem, _, ext = path.rpartition(".")
        if stem and ext in RDF_EXTENSIONS | {"html": "text/html"}:
            if await rows(f"SELECT ?p {{ <{_iri(ID_BASE + stem)}> ?p ?o }} LIMIT 1"):
                return await describe(request, ID_BASE + stem, format or ext)
        return await describe(request, ID_BASE + path, format)

    async def describe(request: Request, iri: str, fmt: str | None, whole_graph: bool = False) -> Response:
        safe = _iri(iri)
        found = await rows(f"SELECT ?p ?o ?g {{ GRAPH ?g {{ <{safe}> ?p ?o }} }}")
        incoming = await rows(f"SELECT ?s ?p ?g {{ GRAPH ?g {{ ?s ?p <{safe}> }} }} LIMIT 2000")
        if not found and not incoming:
            if _wants_html(request, fmt):
                return HTMLResponse(pages.not_found(iri), status_code=404)
            return error_response(404, "not-found", f"nothing is known about {iri}")
        alternates = ", ".join(
            f'<{_local(iri)}.{ext}>; rel="alternate"; type="{media}"' for ext, media in RDF_EXTENSIONS.items()
        )
        if _wants_html(request, fmt):
            html = await pages.entity_page(request, iri, found, incoming, rows)
            return HTMLResponse(html, headers={"Link": alternates, "Vary": "Accept"})
        subject = ox.NamedNode(iri)
        quads = [ox.Quad(subject, r["p"], r["o"], r["g"]) for r in found]
        nested = await rows(f"SELECT ?b ?p ?o ?g {{ GRAPH ?g {{ <{safe}> ?x ?b . ?b ?p ?o FILTER(isBlank(?b)) }} }}")
        quads += [ox.Quad(r["b"], r["p"], r["o"], r["g"]) for r in nested]
        if whole_graph:
            graph_rows = await rows(f"SELECT ?s ?p ?o {{ GRAPH <{safe}> {{ ?s ?p ?o }} }}")
            quads += [ox.Quad(r["s"], r["p"], r["o"], subject) for r in graph_rows]
        response = await graph_response(request, quads, fmt, location=request.url.path)
        response.headers["Link"] = alternates
        return response

    @app.get("/", response_class=HTMLResponse)
    async def landing(request: Request) -> HTMLResponse:
        """What the dataset is, counts, entry points, example questions, downloads, licence."""
        return HTMLResponse(await pages.landing(request, rows))

    if STATIC.exists():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(ProtocolError)
    async def on_protocol_error(request: Request, err: ProtocolError) -> Response:
        return error_response(err.status, err.kind, err.message)

    @app.exception_handler(QueryTimeout)
    async def on_timeout(request: Request, err: QueryTimeout) -> Response:
        return error_response(503, "timeout", str(err))

    cors = CORSMiddleware(
        QueryLayer(app, engine, cache, settings),
        allow_origins=["*"],
        allow_methods=["GET", "POST", "HEAD"],
        allow_headers=["*"],
        expose_headers=["ETag", "Tehkg-Truncated", "Tehkg-Row-Limit", "Tehkg-Result-Count", "Link"],
    )
    return GuardAndLog(cors, settings)


class GuardAndLog:
    """ASGI middleware: body-size and concurrency caps; a log line for each failed (5xx) or slow
    request, and for every request when ``TEHKG_ACCESS_LOG`` is on."""

    def __init__(self, app: Callable, settings: Settings) -> None:
        self.app, self.settings, self.in_flight = app, settings, 0

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 0

        async def send_logged(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.settings.max_body:
            await error_response(413, "too-large", f"request body exceeds {self.settings.max_body} bytes")(
                scope, receive, send_logged
            )
        elif self.in_flight >= self.settings.max_pending:
            await error_response(503, "busy", "too many requests in flight; retry shortly")(scope, receive, send_logged)
        else:
            self.in_flight += 1
            try:
                await self.app(scope, receive, send_logged)
            finally:
                self.in_flight -= 1
        elapsed = time.perf_counter() - start
        if self.settings.access_log or status >= 500 or elapsed >= SLOW_SECONDS:
            log.info("%s %s %d %.1fms", scope["method"], scope["path"], status, elapsed * 1000)


def _iri(value: str) -> str:
    """An absolute IRI (RFC 3987, as pyoxigraph checks it), safe to put between < > in a query."""
    try:
        return ox.NamedNode(value).value
    except ValueError:
        raise ProtocolError(400, f"not an absolute IRI: {value!r}") from None


def _local(iri: str) -> str:
    """The local path serving an IRI under the base."""
    return "/" + iri[len(BASE) :] if iri.startswith(BASE) else iri
