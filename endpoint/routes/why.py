"""« Why this row? » (``GET /sparql/why``): the documents and passages stating the triples one row of a SELECT
answer rests on, or why the query's shape does not allow naming them (endpoint/documents/why.py)."""

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from tehkg.endpoint import pages
from tehkg.endpoint.context import Context, client_of, get_context
from tehkg.endpoint.documents import why
from tehkg.endpoint.errors import ProtocolError, error_response
from tehkg.endpoint.query.why import Unexplainable

router = APIRouter()
Ctx = Annotated[Context, Depends(get_context)]
LANGUAGES = ("fr", "en")


@router.get("/sparql/why")
async def explain_row(
    request: Request,
    ctx: Ctx,
    query: Annotated[str, Query(description="the SELECT query, as sent to /sparql")],
    row: Annotated[str, Query(description="one row of its answer: a SPARQL 1.1 JSON binding object")],
    lang: Annotated[str, Query(description="the language of titles and reasons: fr or en")] = "fr",
) -> Response:
    """``{"supported": true, "triples": [{"s", "p", "o", "sources": [{"document", "title", "graph",
    "passages": [{"iri", "text"}]}]}]}``, or ``{"supported": false, "reason": …}`` in ``lang`` when the query's
    shape (aggregates, subqueries, unbounded property paths…) or the row does not allow naming its sources."""
    if lang not in LANGUAGES:
        raise ProtocolError(400, f"lang must be one of {', '.join(LANGUAGES)}", "invalid-parameters")
    client = client_of(request)
    busy = ctx.slots.refusal(client)  # the rewritten query is a client's query: charged as /sparql charges one
    if busy is not None:
        return error_response(429, "too-many-queries", busy)
    start = time.monotonic()
    try:
        triples = await why.explain(ctx, query, why.read_row(row), lang, str(request.url_for("sparql")))
    except Unexplainable as refusal:
        return JSONResponse({"supported": False, "reason": pages.refusal_reason(refusal.kind, lang)})
    finally:
        ctx.slots.give(client, time.monotonic() - start)
    return JSONResponse({"supported": True, "triples": triples})
