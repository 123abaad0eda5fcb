"""The dataset as a whole: its VoID/DCAT description and the dump."""

from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from tehkg.endpoint import description
from tehkg.endpoint.context import Context, get_context, graph_response, local_path, wants_html
from tehkg.endpoint.execution import QueryTask
from tehkg.vocab import DATASET_IRI

router = APIRouter()


@router.get("/.well-known/void")
@router.get("/dataset")
async def dataset(
    request: Request,
    ctx: Annotated[Context, Depends(get_context)],
    format: str | None = None,  # noqa: A002
) -> Response:
    """VoID and DCAT description of the dataset (HTML for browsers)."""
    if wants_html(request, format):
        return RedirectResponse(local_path(DATASET_IRI), status_code=303)
    task = QueryTask(query=description.DATASET_QUERY, format="nt", max_rows=1_000_000)
    answer = await ctx.engine.run(task, ctx.settings.timeout)
    triples = [q.triple for q in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)]
    triples += description.dataset_extras(str(request.url_for("sparql")), str(request.url_for("dump")))
    return graph_response(request, triples, format)


@router.get("/dump.nq", name="dump")
async def dump(ctx: Annotated[Context, Depends(get_context)]) -> Response:
    """The whole dataset as N-Quads."""
    task = QueryTask(query="SELECT ?s ?p ?o ?g { GRAPH ?g { ?s ?p ?o } }", rows_only=True, max_rows=50_000_000)
    answer = await ctx.engine.run(task, ctx.settings.timeout)
    quads = [ox.Quad(*row) for row in answer.rows]  # type: ignore[arg-type]  # GRAPH ?g binds all four
    return Response(ox.serialize(quads, format=ox.RdfFormat.N_QUADS), media_type="application/n-quads")
