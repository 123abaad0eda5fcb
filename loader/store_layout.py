"""How a store root is laid out on disk, and the small API readers use (the endpoint included).

ROOT/current -> v1732300000000   (symlink, replaced atomically with os.replace)
ROOT/v1732300000000/             an Oxigraph store, its SEARCH.json index and BUILD.json (with its release id)
ROOT/v1732200000000/             an older release, kept (immutable) until ``tehkg releases prune``
ROOT/v…/CHANGES.json, CHANGES.rdfp   what changed since the previous release (loader/releases.py)
ROOT/archive/ID/                 a pruned release's dump (tehkg-ID.nq.gz) and files, when kept

Every complete build is a release: its id is the package version and the build day (``0.1.0-2026-12-07``), with
``.2``, ``.3``… for a second, third build of that day; directory names sort in build order.
"""

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path

BUILD_INFO = "BUILD.json"
CURRENT = "current"
STORE_PREFIX = "v"  # store directories are v<nanoseconds since the epoch>
ARCHIVE = "archive"  # ROOT/archive/ID/: the gzipped canonical dump, BUILD.json and change files of a pruned release


@dataclass(frozen=True)
class Release:
    """One kept build: its id, directory, build time (ISO 8601) and the release it followed (None: the first kept)."""

    id: str
    directory: Path
    built: str
    previous: str | None

    @property
    def day(self) -> str:
        return self.built[:10]


def current_store(root: Path) -> Path | None:
    """The directory of the store currently served from ``root``, if any."""
    link = root / CURRENT
    if not link.is_symlink():
        return None
    target = root / os.readlink(link)
    return target if (target / BUILD_INFO).exists() else None


def build_info(store_dir: Path) -> dict:
    """The BUILD.json of a built store."""
    return json.loads((store_dir / BUILD_INFO).read_text())


def quad_count(store_dir: Path) -> int:
    """The quads of a built store as its build counted them (no scan of the store)."""
    return sum(build_info(store_dir)["stats"]["graphs"].values())


def store_version(root: Path) -> str | None:
    """The identity of the store served from ``root``; changes with every build.

    Two system calls, as it runs on every request: the link's target and its BUILD.json's mtime.
    """
    try:
        name = os.readlink(root / CURRENT)
        return f"{name}-{os.stat(root / name / BUILD_INFO).st_mtime_ns}"
    except OSError:
        return None


def release_of(store_dir: Path) -> Release:
    """The release a built store is (a store built before releases were numbered: version and day)."""
    info = build_info(store_dir)
    return Release(
        id=info.get("release") or f"{info['version']}-{info['built'][:10]}",
        directory=store_dir,
        built=info["built"],
        previous=info.get("previous"),
    )


@functools.lru_cache(maxsize=64)
def release_id(store_dir: str) -> str:
    """The release id of a built store directory, read once (a built store never changes)."""
    return release_of(Path(store_dir)).id


def releases(root: Path) -> list[Release]:
    """The complete releases kept under ``root``, oldest first (builds in progress and dead ones left out)."""
    if not root.is_dir():
        return []
    found = [
        child
        for child in root.iterdir()
        if child.name.startswith(STORE_PREFIX)
        and child.name[len(STORE_PREFIX) :].isdigit()
        and not child.is_symlink()
        and (child / BUILD_INFO).is_file()
    ]
    return [release_of(child) for child in sorted(found, key=lambda d: int(d.name[len(STORE_PREFIX) :]))]


def find_release(root: Path, release: str) -> Release | None:
    """The kept release with id ``release``, if any."""
    return next((r for r in releases(root) if r.id == release), None)


def next_release_id(previous: list[Release], version: str, day: str) -> str:
    """The id of a release built on ``day`` by package ``version`` after the releases ``previous``."""
    base = f"{version}-{day}"
    taken = {r.id for r in previous}
    if base not in taken:
        return base
    return next(f"{base}.{n}" for n in range(2, len(taken) + 3) if f"{base}.{n}" not in taken)


def archived_dump(root: Path, release: str) -> Path | None:
    """The gzipped canonical N-Quads kept of pruned release ``release``, if any."""
    path = root / ARCHIVE / release / f"tehkg-{release}.nq.gz"
    return path if release and "/" not in release and not release.startswith(".") and path.is_file() else None


def archived_releases(root: Path) -> list[Release]:
    """The pruned releases whose dump was kept, oldest first."""
    folder = root / ARCHIVE
    found = [release_of(d) for d in folder.iterdir() if (d / BUILD_INFO).is_file()] if folder.is_dir() else []
    return sorted(found, key=lambda r: r.built)
