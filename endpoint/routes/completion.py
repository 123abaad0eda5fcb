"""What the query editor asks as the researcher types and reads: completions in context (``GET /completion``)
and the names of the IRIs of an answer in the page's language (``POST /labels``). Both bounded and cached
(endpoint/documents/completion.py)."""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Body, Depends
from fastapi.responses import JSONResponse

from tehkg.endpoint.context import Context, get_context
from tehkg.endpoint.documents import completion
from tehkg.endpoint.errors import ProtocolError

router = APIRouter()
Ctx = Annotated[Context, Depends(get_context)]
LANGUAGES = ("fr", "en")


def _language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ProtocolError(400, f"lang must be one of {', '.join(LANGUAGES)}", "invalid-parameters")
    return lang


@router.get("/completion")
async def complete(ctx: Ctx, word: str = "", context: str = "", lang: str = "fr", limit: int = 20) -> JSONResponse:
    """What may follow ``context`` (the query before the cursor) starting with ``word``: prefixes, classes,
    properties and entities by label, acronym or variant, as the position in the triple pattern allows."""
    found = await completion.vocabulary(ctx)
    try:
        answer = await asyncio.to_thread(completion.complete, found, word, context, _language(lang), limit)
    except completion.CompletionInputTooLong as err:
        raise ProtocolError(400, str(err), "query-too-long") from None
    return JSONResponse(answer, headers={"Cache-Control": "no-cache"})


@router.post("/labels")
async def labels(ctx: Ctx, iris: Annotated[list[str], Body()], lang: Annotated[str, Body()] = "fr") -> JSONResponse:
    """The label of each IRI of ``iris`` that has one, in ``lang`` when it has one there."""
    found = await completion.vocabulary(ctx)
    try:
        return JSONResponse({"labels": completion.names(found, iris, _language(lang))})
    except completion.CompletionInputTooLong as err:
        raise ProtocolError(400, str(err), "query-too-long") from None
