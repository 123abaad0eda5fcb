"""``/sparql`` without a query (the query layer answers every query before routing): the service
description for machines, the query editor for people."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tehkg import formats
from tehkg.endpoint import pages
from tehkg.endpoint.context import Context, get_context, graph_response, wants_html
from tehkg.endpoint.documents import description
from tehkg.endpoint.http.protocol import SparqlRequest

router = APIRouter()

FORMAT_NAMES = sorted({name for offer in (*formats.RESULT_FORMATS, *formats.GRAPH_FORMATS) for name in offer.names()})
EXAMPLE_QUERY = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
IRIS = {"type": "array", "items": {"type": "string", "format": "iri"}}
QUERY_SCHEMA: dict[str, Any] = {"type": "string", "examples": [EXAMPLE_QUERY]}
DATASET: dict[str, dict[str, Any]] = {
    "default-graph-uri": {**IRIS, "description": "the default graph: the RDF merge of these graphs"},
    "named-graph-uri": {**IRIS, "description": "the named graphs the query may address with GRAPH"},
}
OPTIONS: dict[str, dict[str, Any]] = {
    "timeout": {"type": "number", "minimum": 0, "description": "seconds, at most the server's limit (0: that limit)"},
    "format": {"type": "string", "examples": FORMAT_NAMES, "description": "a result or RDF format, overriding Accept"},
}


def _parameter(name: str, schema: dict) -> dict:
    array = schema.get("type") == "array"
    return {"name": name, "in": "query", "required": False, "schema": schema, "style": "form", "explode": array}


GET_OPENAPI = {
    "parameters": [_parameter(n, s) for n, s in {"query": QUERY_SCHEMA, **DATASET, **OPTIONS}.items()],
}
POST_OPENAPI = {  # the dataset in the URL (direct POST) or in the form
    "parameters": [_parameter(n, s) for n, s in DATASET.items()],
    "requestBody": {
        "required": True,
        "content": {
            formats.FORM: {
                "schema": {
                    "type": "object",
                    "properties": {"query": QUERY_SCHEMA, **DATASET, **OPTIONS},
                    "required": ["query"],
                },
                "encoding": {name: {"style": "form", "explode": True} for name in DATASET},
            },
            formats.SPARQL_QUERY: {"schema": QUERY_SCHEMA},
        },
    },
}


@router.api_route("/sparql", methods=["GET"], openapi_extra=GET_OPENAPI)
@router.api_route("/sparql", methods=["POST"], openapi_extra=POST_OPENAPI)
async def sparql(request: Request, ctx: Annotated[Context, Depends(get_context)]) -> Response:
    """SPARQL 1.1 Protocol: GET, POST form (``query=``), POST direct
    (``application/sparql-query``); ``default-graph-uri``, ``named-graph-uri``, ``format``,
    ``timeout`` (declared for the OpenAPI description; the query layer reads them). Without a query: the
    service description, or the query editor in a browser; a browser opening a query link gets the editor
    with that query and its results.
    """
    parsed: SparqlRequest = request.scope["tehkg.sparql"]  # QueryLayer answered any query a page was not preferred for
    if parsed.query is not None or (request.method == "GET" and wants_html(request, parsed.format)):
        return pages.query_editor(request, headers={"Vary": "Accept"})
    graphs = [r["g"].value for r in await ctx.rows("SELECT DISTINCT ?g { GRAPH ?g { } }")]
    url = str(request.url_for("sparql"))
    triples = description.service_description(
        url, graphs, federated=bool(ctx.settings.service_allow), max_rows=ctx.settings.max_rows
    )
    return graph_response(request, triples, parsed.format)
