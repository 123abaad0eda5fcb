"""The dataset as a whole: its VoID/DCAT description and the dump."""

from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from tehkg.endpoint import conneg, description, dumps, freshness
from tehkg.endpoint.context import Context, get_context, local_path, wants_html
from tehkg.endpoint.execution import QueryTask
from tehkg.endpoint.sparql_protocol import error_response
from tehkg.vocab import DATASET_IRI

router = APIRouter()


@router.get("/.well-known/void")
@router.get("/dataset")
async def dataset(
    request: Request,
    ctx: Annotated[Context, Depends(get_context)],
    format: str | None = None,  # noqa: A002
) -> Response:
    """VoID and DCAT description of the dataset (HTML for browsers); built once per store version
    and media type, off the event loop."""
    if wants_html(request, format):
        return RedirectResponse(local_path(DATASET_IRI), status_code=303)
    media = conneg.choose(request.headers.get("accept"), conneg.GRAPHS, format, aliases=conneg.GRAPH_ALIASES)
    if media is None:
        return error_response(406, "not-acceptable", "available: " + ", ".join(conneg.GRAPHS))
    urls = (str(request.url_for("sparql")), str(request.url_for("dump")))

    async def triples() -> list[ox.Triple]:
        task = QueryTask(query=description.DATASET_QUERY, format="nt", max_rows=1_000_000)
        answer = await ctx.engine.run(task, ctx.settings.timeout)
        found = [q.triple for q in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)]
        served = [description.Dump(urls[1], "application/n-quads", await dumps.dump_bytes(ctx, "application/n-quads"))]
        return found + description.dataset_extras(urls[0], served)

    body = await dumps.triples_bytes(ctx, ("dataset", *urls), triples, media)
    return Response(body, media_type=media, headers={"Vary": "Accept"})


@router.api_route("/dump.nq", methods=["GET", "HEAD"], name="dump")
async def dump(request: Request, ctx: Annotated[Context, Depends(get_context)]) -> Response:
    """The whole dataset as N-Quads (built once per store version, off the event loop): the same bytes on every
    download of a version, with its ETag and Last-Modified, and 304 when the client's copy is current."""
    headers = freshness.validators(ctx, "dump.nq")
    if (current := freshness.not_modified(request, headers)) is not None:
        return current
    body = await dumps.dump_bytes(ctx, "application/n-quads")
    return Response(body, media_type="application/n-quads", headers=headers)
