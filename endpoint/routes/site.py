"""Pages for people that are not documents of an IRI: the landing page, the plans compared and search."""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from tehkg import formats
from tehkg.endpoint import pages
from tehkg.endpoint.context import Context, get_context, wants_html
from tehkg.endpoint.documents import citation
from tehkg.endpoint.errors import ProtocolError
from tehkg.loader.search_index import QueryTooLong

router = APIRouter()
Ctx = Annotated[Context, Depends(get_context)]


@router.get("/", response_class=HTMLResponse)
async def landing(request: Request, ctx: Ctx) -> HTMLResponse:
    """What the dataset is, counts, entry points, example questions, downloads, licence."""
    return await pages.landing_page(request, ctx.rows, (await citation.served_citation(ctx)).for_page())


@router.get("/compare", response_class=HTMLResponse)
async def compare(request: Request, ctx: Ctx) -> HTMLResponse:
    """The two plans compared: 2014-2016 measures, their CNCDH status and their 2019-2021 follow-ups; a timeline of
    the source documents."""
    return await pages.compare_page(request, ctx.rows)


VARY = {"Vary": "Accept"}  # /search answers HTML or JSON by the Accept header


@router.get("/search")
async def search(request: Request, ctx: Ctx, q: str = "", limit: int = 20) -> Response:
    """Labels, acronyms and descriptions in both languages, accent- and case-insensitive: each hit with its label in
    the page's language (``lang``) and the matched text cut at word boundaries around the match.

    A query of more than 200 characters or 16 words is a 400; the ranking runs in a thread, off
    the event loop."""
    index = await ctx.engine.search_index()
    try:
        found = await asyncio.to_thread(index.search, q, max(1, min(limit, 100)))
    except QueryTooLong as err:
        raise ProtocolError(400, str(err), "query-too-long") from None
    hits = await pages.search_hits(request, ctx.rows, q, found)
    fmt = request.query_params.get("format") or (
        None if formats.HTML.media_type in request.headers.get("accept", "") else "json"
    )
    if wants_html(request, fmt):
        return pages.search_page(request, q, hits, headers=VARY)
    return JSONResponse({"query": q, "results": hits}, headers=VARY)
