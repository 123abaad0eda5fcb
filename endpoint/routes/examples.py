"""The SPARQL examples: their graph where its IRI points (``/.well-known/sparql-examples``) and the guide that
walks through ten of them (``/guide``)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from tehkg.endpoint import pages
from tehkg.endpoint.context import Context, get_context
from tehkg.endpoint.routes.documents import describe
from tehkg.vocab import SPARQL_EXAMPLES_GRAPH

router = APIRouter()
Ctx = Annotated[Context, Depends(get_context)]


@router.get("/.well-known/sparql-examples")
async def sparql_examples(request: Request, ctx: Ctx, format: str | None = None) -> Response:  # noqa: A002
    """Every competency question as an ``sh:SPARQLExecutable`` (query, question in French and English, endpoint,
    keywords, theme, expected answer) and the guide's list: the graph's triples in any RDF format by content
    negotiation (``format=`` overrides), or its description page."""
    return await describe(request, ctx, SPARQL_EXAMPLES_GRAPH, format, whole_graph=True)


@router.get("/guide", response_class=HTMLResponse)
async def guide(request: Request, ctx: Ctx) -> HTMLResponse:
    """Ten questions for a newcomer, each explained and opening in the query editor (``?lang=en`` in English)."""
    return await pages.guide_page(request, ctx.rows)
