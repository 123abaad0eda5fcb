"""Linked-data documents: dereferenceable instance IRIs, named graphs and the ontology."""

import json
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tehkg import formats
from tehkg.endpoint import pages
from tehkg.endpoint.context import (
    Context,
    checked_iri,
    get_context,
    graph_response,
    local_path,
    wants_html,
)
from tehkg.endpoint.documents import changes, freshness
from tehkg.endpoint.errors import error_response, not_acceptable
from tehkg.endpoint.query import conneg, serializers
from tehkg.vocab import GRAPH_BASE, ID_BASE, ONTOLOGY_GRAPH

router = APIRouter()
Ctx = Annotated[Context, Depends(get_context)]


@router.get("/ontology")
async def ontology(request: Request, ctx: Ctx, format: str | None = None) -> Response:  # noqa: A002
    """The ontology: HTML documentation or RDF by content negotiation."""
    if wants_html(request, format):
        return await pages.ontology_page(request, ctx.rows)
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
    if stem and (ext == formats.HTML.extension or formats.by_extension(ext)):
        if await ctx.rows(f"SELECT ?p {{ <{checked_iri(ID_BASE + stem)}> ?p ?o }} LIMIT 1"):
            return await describe(request, ctx, ID_BASE + stem, format or ext)
    return await describe(request, ctx, ID_BASE + path, format)


async def describe(request: Request, ctx: Context, iri: str, fmt: str | None, whole_graph: bool = False) -> Response:
    """What the store says of ``iri``: the description in the default graph of every RDF variant, also kept per
    source graph in TriG and N-Quads; served at the IRI itself (200, ``Content-Location`` naming the variant)."""
    html = wants_html(request, fmt)
    accept = request.headers.get("accept")
    media = formats.HTML.media_type if html else conneg.choose(accept, formats.GRAPH_FORMATS, fmt)
    if media is None:
        return not_acceptable(formats.GRAPH_FORMATS)
    headers = {"Vary": "Accept", "Link": alternates(iri, media)}
    headers.update(freshness.validators(ctx, f"{iri} {media} {request.url}"))
    if iri.startswith(ID_BASE) and not html:
        headers["Content-Location"] = f"{local_path(iri)}.{formats.by_media_type(media).extension}"
    elif not html:
        headers["Content-Location"] = request.url.path
    safe = checked_iri(iri)
    found = await ctx.rows(f"SELECT ?p ?o ?g {{ GRAPH ?g {{ <{safe}> ?p ?o }} }}")
    incoming = await ctx.rows(f"SELECT ?s ?p ?g {{ GRAPH ?g {{ ?s ?p <{safe}> }} }} LIMIT 2000")
    if not found and not incoming:  # before the validators: `If-None-Match: *` must not match what does not exist
        if html:
            return pages.not_found(request, iri)
        return error_response(404, "not-found", f"nothing is known about {iri}")
    if (current := freshness.not_modified(request, headers)) is not None:
        return current
    if html:
        return await pages.entity_page(request, iri, found, incoming, ctx.rows, headers, changes.of_entity(ctx, iri))
    subject = ox.NamedNode(iri)
    quads = [ox.Quad(subject, r["p"], r["o"], r["g"]) for r in found]
    nested = await ctx.rows(f"SELECT ?b ?p ?o ?g {{ GRAPH ?g {{ <{safe}> ?x ?b . ?b ?p ?o FILTER(isBlank(?b)) }} }}")
    quads += [ox.Quad(r["b"], r["p"], r["o"], r["g"]) for r in nested]
    if whole_graph:
        graph_rows = await ctx.rows(f"SELECT ?s ?p ?o {{ GRAPH <{safe}> {{ ?s ?p ?o }} }}")
        quads += [ox.Quad(r["s"], r["p"], r["o"], subject) for r in graph_rows]
    body = serializers.document(media, quads, str(request.url_for("jsonld_context")))
    return Response(body, media_type=media, headers=headers)


def alternates(iri: str, served: str) -> str:
    """The ``Link`` header (RFC 8288): one ``rel="alternate"`` per RDF variant of ``iri``. The JSON-LD variant
    names Turtle alone: JSON-LD loaders (pyld 2.0) follow a single alternate and fail on a repeated one."""
    turtle = formats.GRAPH_FORMATS[0]
    variants = formats.GRAPH_FORMATS if served != formats.JSON_LD else (turtle,)
    return ", ".join(f'<{local_path(iri)}.{f.extension}>; rel="alternate"; type="{f.media_type}"' for f in variants)


@router.get("/context.jsonld", name="jsonld_context")
async def jsonld_context() -> Response:
    """The JSON-LD context the documents are compacted against (the prefixes of the Turtle variants)."""
    return Response(json.dumps({"@context": serializers.JSONLD_CONTEXT}, indent=1), media_type=formats.JSON_LD)
