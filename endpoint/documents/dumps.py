"""Whole-store documents: built off the event loop and cached once per store version.

The dumps, the Graph Store Protocol's graphs and the dataset description cost the whole
store to write; serialised in the event loop on every request they stall every other request.
Here the worker process answers the query, a thread serialises it (pyoxigraph releases the GIL
while it writes), and the result is kept in ``ctx.cache.documents`` until the store changes.

Dumps are canonical: blank nodes are relabelled by RDFC-1.0 (W3C RDF Dataset Canonicalization, labels
``c14nN``) and quads sorted, so the same graphs give the same bytes on every download, from every
worker, store build or engine; blank nodes stay blank (no skolem IRIs), the dump is the same dataset.
Gzip variants are compressed without a timestamp or file name, hence as stable.
"""

import asyncio
import gzip
from collections.abc import Awaitable, Callable

import pyoxigraph as ox

from tehkg import __version__, formats, vocab
from tehkg.endpoint.context import Context
from tehkg.endpoint.engines.execution import QueryTask
from tehkg.endpoint.errors import ProtocolError
from tehkg.endpoint.query import serializers
from tehkg.loader.store_layout import build_info

QUADS_QUERY = "SELECT ?s ?p ?o ?g { GRAPH ?g { ?s ?p ?o } }"
RELEASE_FORMATS = {"nq": formats.N_QUADS, "trig": formats.TRIG}  # file extension: RDF media type
RELEASE_EXTENSIONS = (*RELEASE_FORMATS, *(f"{ext}.gz" for ext in RELEASE_FORMATS))


async def cached(ctx: Context, key: tuple, build: Callable[[], Awaitable[bytes]]) -> bytes:
    """The document ``key`` of the served store version, built by ``build`` when missing."""
    return await ctx.cache.documents.get(ctx.engine.version(), key, build)


def canonical_nquads(quads: list[ox.Quad]) -> bytes:
    """``quads`` as canonical N-Quads: RDFC-1.0 blank node labels, lines in code point order."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    data = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS)
    assert data is not None  # without an output, serialize returns the bytes
    return b"".join(sorted(data.splitlines(keepends=True)))


def trig_of(nquads: bytes) -> bytes:
    """Canonical N-Quads as TriG with the same blank node labels, by graph, subject, predicate and object."""
    quads = ox.parse(nquads, format=ox.RdfFormat.N_QUADS)
    ordered = sorted(quads, key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))
    data = ox.serialize(ordered, format=ox.RdfFormat.TRIG, prefixes=vocab.PREFIXES)
    assert data is not None  # without an output, serialize returns the bytes
    return data


async def dump_bytes(ctx: Context, fmt: str) -> bytes:
    """The whole dataset (its named graphs) in the quad format with media type ``fmt`` (of RELEASE_FORMATS);
    the TriG dump is written from the N-Quads one (one query and one canonicalisation for both)."""

    async def build() -> bytes:
        if fmt != formats.N_QUADS:
            return await asyncio.to_thread(trig_of, await dump_bytes(ctx, formats.N_QUADS))
        task = QueryTask(query=QUADS_QUERY, rows_only=True, max_rows=50_000_000)
        answer = await ctx.engine.run(task, ctx.settings.timeout)
        if answer.status != 200:
            raise ProtocolError(answer.status if answer.status >= 500 else 502, answer.error or "", "backend")
        quads = [ox.Quad(*row) for row in answer.rows]  # type: ignore[arg-type]  # GRAPH ?g binds all four
        return await asyncio.to_thread(canonical_nquads, quads)

    return await cached(ctx, ("dump", fmt), build)


def release_day(ctx: Context) -> str | None:
    """The day the served store was built (ISO 8601), the release date; None for an external engine."""
    directory = ctx.engine.directory() if ctx.engine.version() else None
    return build_info(directory)["built"][:10] if directory is not None else None


def release_name(ctx: Context) -> str:
    """The served release: ``tehkg-VERSION-DATE``, the package version and the release day
    (``tehkg-VERSION`` for an external engine, whose build is unknown)."""
    day = release_day(ctx)
    return f"tehkg-{__version__}-{day}" if day else f"tehkg-{__version__}"


def release_media(ext: str) -> str:
    """The media type a release file with extension ``ext`` (one of RELEASE_EXTENSIONS) is served as."""
    return formats.GZIP if ext.endswith(".gz") else RELEASE_FORMATS[ext]


async def release_bytes(ctx: Context, ext: str) -> bytes:
    """The bytes of the release file with extension ``ext`` (one of RELEASE_EXTENSIONS)."""
    fmt = RELEASE_FORMATS[ext.removesuffix(".gz")]
    if not ext.endswith(".gz"):
        return await dump_bytes(ctx, fmt)

    async def build() -> bytes:
        plain = await dump_bytes(ctx, fmt)
        return await asyncio.to_thread(gzip.compress, plain, compresslevel=9, mtime=0)

    return await cached(ctx, ("dump.gz", fmt), build)


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
