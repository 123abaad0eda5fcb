"""Whole-store documents: built off the event loop and cached once per store version.

The N-Quads dump, the Graph Store Protocol's graphs and the dataset description cost the whole
store to write; serialised in the event loop on every request they stall every other request.
Here the worker process answers the query, a thread serialises it (pyoxigraph releases the GIL
while it writes), and the result is kept in ``ctx.cache.documents`` until the store changes.
"""

import asyncio
from collections.abc import Awaitable, Callable

import pyoxigraph as ox

from tehkg.endpoint import serializers
from tehkg.endpoint.context import Context
from tehkg.endpoint.execution import QueryTask
from tehkg.endpoint.sparql_protocol import ProtocolError

QUADS_QUERY = "SELECT ?s ?p ?o ?g { GRAPH ?g { ?s ?p ?o } }"
QUAD_FORMATS = {"application/n-quads": ox.RdfFormat.N_QUADS, "application/trig": ox.RdfFormat.TRIG}


async def cached(ctx: Context, key: tuple, build: Callable[[], Awaitable[bytes]]) -> bytes:
    """The document ``key`` of the served store version, built by ``build`` when missing."""
    return await ctx.cache.documents.get(ctx.engine.version(), key, build)


async def dump_bytes(ctx: Context, fmt: str) -> bytes:
    """The whole dataset in the quad format with media type ``fmt`` (see QUAD_FORMATS)."""

    async def build() -> bytes:
        task = QueryTask(query=QUADS_QUERY, rows_only=True, max_rows=50_000_000)
        answer = await ctx.engine.run(task, ctx.settings.timeout)
        if answer.status != 200:
            raise ProtocolError(answer.status if answer.status >= 500 else 502, answer.error or "", "backend")
        quads = [ox.Quad(*row) for row in answer.rows]  # type: ignore[arg-type]  # GRAPH ?g binds all four
        return await asyncio.to_thread(ox.serialize, quads, format=QUAD_FORMATS[fmt])

    return await cached(ctx, ("dump", fmt), build)


async def graph_bytes(ctx: Context, query: str, media: str) -> bytes:
    """The answer of a CONSTRUCT ``query`` over the whole store, in RDF of type ``media``."""

    async def build() -> bytes:
        task = QueryTask(query=query, accept=media, max_rows=10_000_000)
        answer = await ctx.engine.run(task, ctx.settings.timeout)
        if answer.status != 200:
            raise ProtocolError(answer.status if answer.status >= 500 else 502, answer.error or "", "backend")
        return answer.body

    return await cached(ctx, ("graph", query, media), build)


async def triples_bytes(ctx: Context, key: tuple, triples: Callable[[], Awaitable[list]], media: str) -> bytes:
    """Triples from ``triples()`` serialised as ``media`` in a thread, cached under ``key``."""

    async def build() -> bytes:
        found = await triples()
        return await asyncio.to_thread(serializers.graph, media, found)

    return await cached(ctx, ("triples", *key, media), build)
