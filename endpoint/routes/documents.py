"""Linked-data documents: dereferenceable instance IRIs, named graphs and the ontology."""

from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from tehkg.endpoint import pages
from tehkg.endpoint.context import (
    RDF_EXTENSIONS,
    Context,
    checked_iri,
    get_context,
    graph_response,
    local_path,
    wants_html,
)
from tehkg.endpoint.sparql_protocol import error_response
from tehkg.vocab import GRAPH_BASE, ID_BASE, ONTOLOGY_GRAPH

router = APIRouter()
Ctx = Annotated[Context, Depends(get_context)]


@router.get("/ontology")
async def ontology(request: Request, ctx: Ctx, format: str | None = None) -> Response:  # noqa: A002
    """The ontology: HTML documentation or RDF by content negotiation."""
    if wants_html(request, format):
        return HTMLResponse(await pages.ontology_page(request, ctx.rows))
    found = await ctx.rows(f"SELECT ?s ?p ?o {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}")
    triples = [ox.Triple(r["s"], r["p"], r["o"]) for r in found]
    return graph_response(request, triples, format, location=request.url.path)


@router.get("/graph/{name}")
async def named_graph(request: Request, ctx: Ctx, name: str, format: str | None = None) -> Response:  # noqa: A002
    """A named graph: its description page, or its triples in RDF."""
    return await describe(request, ctx, GRAPH_BASE + name, format, whole_graph=True)


@router.get("/id/{path:path}")
async def entity(request: Request, ctx: Ctx, path: str, format: str | None = None) -> Response:  # noqa: A002
    """Dereference an instance IRI: HTML for people, RDF for machines (also ``.ttl`` etc.)."""
    stem, _, ext = path.rpartition(".")
    if stem and ext in RDF_EXTENSIONS | {"html": "text/html"}:
        if await ctx.rows(f"SELECT ?p {{ <{checked_iri(ID_BASE + stem)}> ?p ?o }} LIMIT 1"):
            return await describe(request, ctx, ID_BASE + stem, format or ext)
    return await describe(request, ctx, ID_BASE + path, format)


async def describe(request: Request, ctx: Context, iri: str, fmt: str | None, whole_graph: bool = False) -> Response:
    """What the store says of ``iri`` (outgoing and incoming statements, per source graph)."""
    safe = checked_iri(iri)
    found = await ctx.rows(f"SELECT ?p ?o ?g {{ GRAPH ?g {{ <{safe}> ?p ?o }} }}")
    incoming = await ctx.rows(f"SELECT ?s ?p ?g {{ GRAPH ?g {{ ?s ?p <{safe}> }} }} LIMIT 2000")
    if not found and not incoming:
        if wants_html(request, fmt):
            return HTMLResponse(pages.not_found(iri), status_code=404)
        return error_response(404, "not-found", f"nothing is known about {iri}")
    alternates = ", ".join(
        f'<{local_path(iri)}.{ext}>; rel="alternate"; type="{media}"' for ext, media in RDF_EXTENSIONS.items()
    )
    if wants_html(request, fmt):
        html = await pages.entity_page(request, iri, found, incoming, ctx.rows)
        return HTMLResponse(html, headers={"Link": alternates, "Vary": "Accept"})
    subject = ox.NamedNode(iri)
    quads = [ox.Quad(subject, r["p"], r["o"], r["g"]) for r in found]
    nested = await ctx.rows(f"SELECT ?b ?p ?o ?g {{ GRAPH ?g {{ <{safe}> ?x ?b . ?b ?p ?o FILTER(isBlank(?b)) }} }}")
    quads += [ox.Quad(r["b"], r["p"], r["o"], r["g"]) for r in nested]
    if whole_graph:
        graph_rows = await ctx.rows(f"SELECT ?s ?p ?o {{ GRAPH <{safe}> {{ ?s ?p ?o }} }}")
        quads += [ox.Quad(r["s"], r["p"], r["o"], subject) for r in graph_rows]
    response = graph_response(request, quads, fmt, location=request.url.path)
    response.headers["Link"] = alternates
    return response
