"""``/store``: the SPARQL 1.1 Graph Store Protocol, read-only."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tehkg import formats
from tehkg.endpoint.context import Context, checked_iri, get_context
from tehkg.endpoint.documents import dumps
from tehkg.endpoint.errors import error_response, not_acceptable
from tehkg.endpoint.query import conneg

router = APIRouter()


@router.api_route("/store", methods=["GET"])  # HEAD: endpoint/http_methods.py
async def graph_store(
    request: Request,
    ctx: Annotated[Context, Depends(get_context)],
    graph: str | None = None,
    format: str | None = None,  # noqa: A002
) -> Response:
    """Graph Store Protocol, read-only: ``?graph=IRI`` or ``?default`` (the default graph); each
    graph is serialised once per store version and media type."""
    is_default = "default" in request.query_params
    if (graph is None) == (not is_default):
        return error_response(400, "bad-request", "give exactly one of ?graph=IRI or ?default")
    if graph is not None:
        iri = checked_iri(graph)
        if not await ctx.rows(f"SELECT ?s {{ GRAPH <{iri}> {{ ?s ?p ?o }} }} LIMIT 1"):
            return error_response(404, "not-found", f"no graph named {graph}")
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
    else:
        query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    media = conneg.choose(request.headers.get("accept"), formats.GRAPH_FORMATS, format)
    if media is None:
        return not_acceptable(formats.GRAPH_FORMATS)
    body = await dumps.graph_bytes(ctx, query, media)
    return Response(body, media_type=media, headers={"Vary": "Accept"})
