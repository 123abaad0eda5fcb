"""The kept releases as the site shows them: each with its date, what changed since the one before it (the build's
summary and RDF Patch, loader/releases.py), whether it is served and whether its store is still on disk; and, for
an entity's page, the statements each release added or removed about it.

Releases are read from the store root (none over ``--backend``); a pruned release whose dump was kept is listed
without a SPARQL endpoint of its own. Patch files are read once per served store version."""

import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from tehkg.endpoint.context import Context
from tehkg.endpoint.documents.dumps import kept_releases, served_release
from tehkg.endpoint.engines.embedded import EmbeddedEngine
from tehkg.loader.releases import PATCH, changes_of
from tehkg.loader.store_layout import Release, releases


@dataclass(frozen=True)
class KeptRelease:
    """A release as listed: ``summary`` is what changed since ``previous`` (None for the first kept)."""

    id: str
    built: str
    previous: str | None
    summary: dict | None
    served: bool
    on_disk: bool  # False: pruned, only its dump was kept (no SPARQL endpoint)
    has_patch: bool

    @property
    def day(self) -> str:
        return self.built[:10]


@dataclass(frozen=True)
class EntityChange:
    """What release ``release`` changed about an entity: its statements removed and added, as N-Quads lines."""

    release: str
    day: str
    removed: list[str]
    added: list[str]


def listed(ctx: Context) -> list[KeptRelease]:
    """Every kept release, newest first."""
    served = served_release(ctx)
    on_disk = {r.id for r in releases(ctx.engine.root)} if isinstance(ctx.engine, EmbeddedEngine) else set()
    return [
        KeptRelease(
            id=r.id,
            built=r.built,
            previous=r.previous,
            summary=changes_of(r.directory),
            served=served is not None and r.id == served.id,
            on_disk=r.id in on_disk,
            has_patch=(r.directory / PATCH).is_file(),
        )
        for r in reversed(kept_releases(ctx))
    ]


def patch_path(ctx: Context, release: str) -> Path | None:
    """The RDF Patch file of kept release ``release`` (from the release before it), if there is one."""
    found = next((r for r in kept_releases(ctx) if r.id == release), None)
    path = found.directory / PATCH if found is not None else None
    return path if path is not None and path.is_file() else None


def summary_json(ctx: Context, release: str) -> bytes | None:
    """The change summary of kept release ``release`` as JSON, if it has one."""
    found = next((r for r in kept_releases(ctx) if r.id == release), None)
    summary = changes_of(found.directory) if found is not None else None
    return json.dumps(summary, indent=1, ensure_ascii=False).encode() if summary is not None else None


_INDEX: dict[str, dict[str, list[EntityChange]]] = {}  # served version: subject IRI: its changes, newest first


def _index(kept: list[Release]) -> dict[str, list[EntityChange]]:
    """Every IRI subject of the kept patches, with what each release changed about it."""
    index: dict[str, list[EntityChange]] = {}
    for release in reversed(kept):
        path = release.directory / PATCH
        if not path.is_file():
            continue
        by_subject: dict[str, tuple[list[str], list[str]]] = {}
        for row in path.read_bytes().splitlines():
            code, _, line = row.partition(b" ")
            if code not in (b"A", b"D") or not line.startswith(b"<"):
                continue
            subject = line[1 : line.index(b">")].decode()
            removed, added = by_subject.setdefault(subject, ([], []))
            (added if code == b"A" else removed).append(line.decode())
        for subject, (removed, added) in by_subject.items():
            index.setdefault(subject, []).append(EntityChange(release.id, release.day, removed, added))
    return index


def of_entity(ctx: Context, iri: str) -> list[EntityChange]:
    """What each kept release changed about ``iri`` (its statements as subject), newest first."""
    version = ctx.engine.version()
    if version is None or not isinstance(ctx.engine, EmbeddedEngine):
        return []
    if version not in _INDEX:
        _INDEX.clear()
        _INDEX[version] = _index(kept_releases(ctx))
    return _INDEX[version].get(iri, [])


def readable(line: str) -> tuple[str, str, str]:
    """A statement of a patch as a reader sees it: predicate, object and graph, each as N-Triples writes the term."""
    quad = next(iter(ox.parse(line.encode(), format=ox.RdfFormat.N_QUADS)))
    graph = "" if isinstance(quad.graph_name, ox.DefaultGraph) else str(quad.graph_name)
    return str(quad.predicate), str(quad.object), graph
