"""``/sparql`` without a query (the query layer answers every query before routing): the service
description for machines, the query editor for people."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from tehkg.endpoint import description, pages
from tehkg.endpoint.context import Context, get_context, graph_response, wants_html
from tehkg.endpoint.sparql_protocol import SparqlRequest

router = APIRouter()


@router.api_route("/sparql", methods=["GET", "POST"])
async def sparql(request: Request, ctx: Annotated[Context, Depends(get_context)]) -> Response:
    """SPARQL 1.1 Protocol: GET, POST form (``query=``), POST direct
    (``application/sparql-query``); ``default-graph-uri``, ``named-graph-uri``, ``format``,
    ``timeout``. Without a query: the service description, or the query editor in a browser; a browser
    opening a query link gets the editor with that query and its results.
    """
    parsed: SparqlRequest = request.scope["tehkg.sparql"]  # QueryLayer answered any query a page was not preferred for
    if parsed.query is not None or (request.method == "GET" and wants_html(request, parsed.format)):
        return HTMLResponse(await pages.query_editor(request), headers={"Vary": "Accept"})
    graphs = [r["g"].value for r in await ctx.rows("SELECT DISTINCT ?g { GRAPH ?g { } }")]
    url = str(request.url_for("sparql"))
    triples = description.service_description(
        url, graphs, federated=bool(ctx.settings.service_allow), max_rows=ctx.settings.max_rows
    )
    return graph_response(request, triples, parsed.format)
