"""Whole-store documents: built off the event loop and cached once per store version.

The dumps, the Graph Store Protocol's graphs and the dataset description cost the whole
store to write; serialised in the event loop on every request they stall every other request.
Here the worker process answers the query, a thread serialises it (pyoxigraph releases the GIL
while it writes), and the result is kept in ``ctx.cache.documents`` until the store changes.

Dumps are canonical: blank nodes are relabelled by RDFC-1.0 (W3C RDF Dataset Canonicalization, labels
``c14nN``) and quads sorted, so the same graphs give the same bytes on every download, from every
worker, store build or engine; blank nodes stay blank (no skolem IRIs), the dump is the same dataset.
Gzip variants are compressed without a timestamp or file name, hence as stable.

Every kept release has its dumps (``/releases/ID/tehkg-ID.nq``…), written from its own store, read from disk by
the workers (engines/releases.py), or from the dump kept when it was pruned; and the RDF Patch from the release
before it (``/releases/ID/changes.rdfp``), which the build wrote.
"""

import asyncio
import gzip
from collections.abc import Awaitable, Callable
from pathlib import Path

import pyoxigraph as ox

from tehkg import __version__, formats, vocab
from tehkg.endpoint.context import Context
from tehkg.endpoint.engines.embedded import EmbeddedEngine
from tehkg.endpoint.engines.execution import QueryTask
from tehkg.endpoint.engines.releases import release_engine
from tehkg.endpoint.errors import ProtocolError
from tehkg.endpoint.query import serializers
from tehkg.loader.releases import canonical_nquads
from tehkg.loader.store_layout import (
    Release,
    archived_dump,
    archived_releases,
    build_info,
    find_release,
    release_of,
    releases,
)

__all__ = ["canonical_nquads"]  # re-exported: the canonical form is the loader's (loader/releases.py)

QUADS_QUERY = "SELECT ?s ?p ?o ?g { GRAPH ?g { ?s ?p ?o } }"
RELEASE_FORMATS = {"nq": formats.N_QUADS, "trig": formats.TRIG}  # file extension: RDF media type
RELEASE_EXTENSIONS = (*RELEASE_FORMATS, *(f"{ext}.gz" for ext in RELEASE_FORMATS))


async def cached(ctx: Context, key: tuple, build: Callable[[], Awaitable[bytes]]) -> bytes:
    """The document ``key`` of the served store version, built by ``build`` when missing."""
    return await ctx.cache.documents.get(ctx.engine.version(), key, build)


def trig_of(nquads: bytes) -> bytes:
    """Canonical N-Quads as TriG with the same blank node labels, by graph, subject, predicate and object."""
    quads = ox.parse(nquads, format=ox.RdfFormat.N_QUADS)
    ordered = sorted(quads, key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))
    data = ox.serialize(ordered, format=ox.RdfFormat.TRIG, prefixes=vocab.PREFIXES)
    assert data is not None  # without an output, serialize returns the bytes
    return data


async def dump_bytes(ctx: Context, fmt: str, release: str | None = None) -> bytes:
    """The whole dataset (its named graphs) in the quad format with media type ``fmt`` (of RELEASE_FORMATS), of
    the served release or of kept release ``release``; the TriG dump is written from the N-Quads one (one query
    and one canonicalisation for both)."""

    async def build() -> bytes:
        if fmt != formats.N_QUADS:
            return await asyncio.to_thread(trig_of, await dump_bytes(ctx, formats.N_QUADS, release))
        kept = _pruned_dump(ctx, release)
        if kept is not None:  # a pruned release whose dump was kept: the same canonical bytes
            return await asyncio.to_thread(lambda: gzip.decompress(kept.read_bytes()))
        engine = ctx.engine if release is None else release_engine(ctx.engine, release)
        task = QueryTask(query=QUADS_QUERY, rows_only=True, max_rows=50_000_000)
        answer = await engine.run(task, ctx.settings.timeout)
        if answer.status != 200:
            raise ProtocolError(answer.status if answer.status >= 500 else 502, answer.error or "", "backend")
        quads = [ox.Quad(*row) for row in answer.rows]  # type: ignore[arg-type]  # GRAPH ?g binds all four
        return await asyncio.to_thread(canonical_nquads, quads)

    return await cached(ctx, ("dump", fmt, release), build)


def served_release(ctx: Context) -> Release | None:
    """The release served (None for an external engine, whose builds are not releases here)."""
    directory = ctx.engine.directory() if ctx.engine.version() else None
    return release_of(directory) if directory is not None else None


def kept_releases(ctx: Context) -> list[Release]:
    """Every release kept, oldest first: on disk, and pruned ones whose dump was kept (none over --backend)."""
    if not isinstance(ctx.engine, EmbeddedEngine):
        return []
    on_disk = releases(ctx.engine.root)
    ids = {r.id for r in on_disk}
    pruned = [r for r in archived_releases(ctx.engine.root) if r.id not in ids]
    return sorted([*on_disk, *pruned], key=lambda r: r.built)


def _pruned_dump(ctx: Context, release: str | None) -> Path | None:
    """The dump kept of ``release`` when it was pruned (None when it is on disk, or was not kept)."""
    if release is None or not isinstance(ctx.engine, EmbeddedEngine) or find_release(ctx.engine.root, release):
        return None
    return archived_dump(ctx.engine.root, release)


def release_day(ctx: Context) -> str | None:
    """The day the served store was built (ISO 8601), the release date; None for an external engine."""
    directory = ctx.engine.directory() if ctx.engine.version() else None
    return build_info(directory)["built"][:10] if directory is not None else None


def release_name(ctx: Context, release: str | None = None) -> str:
    """The file name (without extension) of release ``release``'s dumps, ``tehkg-ID``, the served one by default
    (``tehkg-VERSION`` for an external engine, whose build is unknown)."""
    if release is None:
        served = served_release(ctx)
        return f"tehkg-{served.id}" if served else f"tehkg-{__version__}"
    return f"tehkg-{release}"


def release_media(ext: str) -> str:
    """The media type a release file with extension ``ext`` (one of RELEASE_EXTENSIONS) is served as."""
    return formats.GZIP if ext.endswith(".gz") else RELEASE_FORMATS[ext]


async def release_bytes(ctx: Context, ext: str, release: str | None = None) -> bytes:
    """The bytes of the release file with extension ``ext`` (one of RELEASE_EXTENSIONS), of the served release or
    of kept release ``release``."""
    fmt = RELEASE_FORMATS[ext.removesuffix(".gz")]
    if not ext.endswith(".gz"):
        return await dump_bytes(ctx, fmt, release)

    async def build() -> bytes:
        plain = await dump_bytes(ctx, fmt, release)
        return await asyncio.to_thread(gzip.compress, plain, compresslevel=9, mtime=0)

    return await cached(ctx, ("dump.gz", fmt, release), build)


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
