"""``/health``: readiness of the store and the worker pool."""

import asyncio
import os
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from tehkg import __version__
from tehkg.endpoint.context import Context, get_context
from tehkg.endpoint.engines.execution import QueryTask

router = APIRouter()
HEALTH_SECONDS = 5.0


@router.get("/health")
async def health(ctx: Annotated[Context, Depends(get_context)]) -> JSONResponse:
    """Ready when the store is open and answers a query within HEALTH_SECONDS (a hard deadline: an engine that
    first reads its publication record, or waits on a switch, does it inside it)."""
    try:
        answer = await asyncio.wait_for(
            ctx.engine.run(QueryTask(query="ASK {}", format="json"), HEALTH_SECONDS), HEALTH_SECONDS
        )
    except TimeoutError:
        message = f"the engine did not answer ASK {{}} within {HEALTH_SECONDS:g} s"
        return JSONResponse({"status": "unavailable", "error": message}, status_code=503)
    except Exception as err:  # noqa: BLE001 - any failure means not ready
        return JSONResponse({"status": "unavailable", "error": str(err)}, status_code=503)
    if answer.status != 200:
        return JSONResponse({"status": "unavailable", "error": answer.error}, status_code=503)
    pool = getattr(ctx.engine, "pool", None)
    return JSONResponse(
        {
            "status": "ok",
            "store": ctx.engine.version(),
            "version": __version__,
            "pid": os.getpid(),
            "cache": {"hits": ctx.cache.hits, "misses": ctx.cache.misses},
            "workers_replaced": pool.replaced if pool else None,
            "workers_recycled": pool.recycled if pool else None,
            "workers_in_memory": pool.in_memory() if pool else None,
            "workers_network_isolated": pool.network_isolated() if pool else None,
        }
    )
