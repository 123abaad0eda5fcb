"""Build a store into a new directory, then swap it in atomically.

Layout of a store root::

    ROOT/current -> v1732300000000   (symlink, replaced atomically with os.replace)
    ROOT/v1732300000000/             (an Oxigraph store, its SEARCH.json index and BUILD.json)
    ROOT/v1732200000000/             (an older release: kept, never changed, until ``tehkg releases prune``)
    ROOT/v1732300000001.partial/     (a build in progress; renamed without the suffix once complete)
    ROOT/.lock                       (one build at a time)

A build that fails never touches ``current`` and removes its partial directory; one that is killed
leaves it, and the next build removes it under the lock (when only a dead build can have left it).

Every complete build is a release (store_layout.py names it) and stays on disk: the release it replaces keeps
answering at ``/releases/ID/sparql``. Each release records what changed since the one before it
(loader/releases.py). Only :func:`prune` removes releases, the oldest first, never the current one.
"""

import errno
import fcntl
import gc
import gzip
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from tehkg import __version__
from tehkg.loader import releases as changes
from tehkg.loader import statistics
from tehkg.loader.rdf_files import RdfFile, collect, guarded, parse_all
from tehkg.loader.search_index import SearchIndex
from tehkg.loader.store_layout import (
    ARCHIVE,
    BUILD_INFO,
    CURRENT,
    Release,
    build_info,
    current_store,
    next_release_id,
    release_of,
    releases,
)

LAYOUT = "3"  # bumped when a store directory changes (a file, the default graph): older stores are rebuilt
PARTIAL = ".partial"  # suffix of a store directory being built


class BuildRejected(Exception):
    """The quality gate found violations; the text report is the message."""


@dataclass
class BuildResult:
    """What a build produced."""

    directory: Path
    stats: dict
    seconds: dict[str, float]


def fingerprint(files: list[RdfFile]) -> str:
    """A content hash of the inputs (names and bytes) and the loader version."""
    digest = hashlib.sha256(f"{__version__}/{LAYOUT}".encode())
    for file in files:
        digest.update(file.path.name.encode())
        digest.update(file.path.read_bytes())
    return digest.hexdigest()


def is_up_to_date(sources: list[Path], root: Path) -> bool:
    """Whether ``root`` serves a store built from exactly these sources."""
    store = current_store(root)
    return store is not None and build_info(store).get("fingerprint") == fingerprint(collect(sources))


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    """Hold ROOT/.lock: one build at a time. The lock file is opened without following a symbolic link and
    never truncated, so that a link planted there cannot make a build clobber what it points to."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / ".lock"
    try:
        lock = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise OSError(err.errno, "the lock file is a symbolic link: remove it", str(path)) from None
        raise
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
    finally:
        os.close(lock)


def _remove_stale(root: Path) -> None:
    """Delete what builds that died left: partial directories and store directories without a BUILD.json (called
    under the lock: no build is running). Complete releases stay."""
    for child in root.iterdir():
        if (
            child.is_dir()
            and not child.is_symlink()
            and child.name.startswith("v")
            and not (child / BUILD_INFO).is_file()
        ):
            shutil.rmtree(child, ignore_errors=True)


def prune(root: Path, keep: int, log: Callable[[str], None] = print) -> list[Release]:
    """Remove all but the ``keep`` newest releases (never the current one), oldest first; returns those removed.

    A removed release's canonical N-Quads stay downloadable: its gzipped dump (the bytes ``/releases`` served)
    and its change files are kept in ROOT/archive/ID/ first."""
    if keep < 1:
        raise ValueError("keep at least one release")
    removed: list[Release] = []
    with _locked(root):
        current = current_store(root)
        kept = releases(root)
        for release in kept[: max(0, len(kept) - keep)]:
            if current is not None and release.directory == current:
                continue
            archive = root / ARCHIVE / release.id
            archive.mkdir(parents=True, exist_ok=True)
            dump = gzip.compress(changes.store_nquads(release.directory), compresslevel=9, mtime=0)
            (archive / f"tehkg-{release.id}.nq.gz").write_bytes(dump)
            for name in (BUILD_INFO, changes.CHANGES, changes.PATCH):
                if (release.directory / name).is_file():
                    shutil.copyfile(release.directory / name, archive / name)
            shutil.rmtree(release.directory)
            log(f"removed release {release.id} ({release.directory.name}); its dump is kept in {archive}")
            removed.append(release)
    return removed


def quality_gate(quads: list[ox.Quad], log: Callable[[str], None] = print) -> float:
    """Validate ``quads``; raise BuildRejected on violations. Returns the seconds it took."""
    from tehkg.loader import quality  # pyshacl and rdflib are only needed when validating

    report = quality.validate(quads)
    if not report.conforms:
        raise BuildRejected(report.text())
    log(f"quality gate: {report.summary()}")
    return report.seconds


def build(
    sources: list[Path],
    root: Path,
    validate: bool = True,
    log: Callable[[str], None] = print,
    allow_shared_graphs: bool = False,
) -> BuildResult:
    """Parse, optionally validate, bulk-load into a new store under ``root`` and swap it in.

    Raises RdfInputError for unreadable input or a write into a graph another source owns,
    BuildRejected on violations, OSError when the disk or the file system fails; in every case
    the new directory is removed and the previous store keeps serving."""
    seconds: dict[str, float] = {}
    files = collect(sources)
    quads: list[ox.Quad] | None = None
    if validate:
        t = time.perf_counter()
        quads = parse_all(files, allow_shared_graphs)
        seconds["parse"] = time.perf_counter() - t
        seconds["validate"] = quality_gate(quads, log)
    with _locked(root):
        previous = current_store(root)
        _remove_stale(root)
        directory = root / f"v{time.time_ns()}"
        partial = directory.with_name(directory.name + PARTIAL)
        before = release_of(previous) if previous else None
        release = next_release_id(releases(root), __version__, datetime.now(UTC).date().isoformat())
        try:
            stats = _write_store(partial, files, quads, allow_shared_graphs, seconds, release, before)
            if previous is not None and before is not None:
                t = time.perf_counter()
                summary = changes.record_changes(previous, partial, before.id, release)
                seconds["changes"] = time.perf_counter() - t
                log(f"release {release}: +{summary['added']} -{summary['removed']} quads since {before.id}")
            partial.rename(directory)
            swap = root / f".{CURRENT}-{os.getpid()}"
            swap.unlink(missing_ok=True)
            os.symlink(directory.name, swap)
            os.replace(swap, root / CURRENT)  # the last step: before it, current is untouched
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            shutil.rmtree(directory, ignore_errors=True)
            raise
        log(f"built {directory} ({stats['triples']} triples in {len(stats['graphs'])} graphs)")
    return BuildResult(directory, stats, seconds)


def merge_into_default_graph(store: ox.Store) -> None:
    """Make the default graph the RDF merge of the named graphs: each distinct triple once.

    SPARQL 1.1 defines the default graph as a set; evaluated as the union of the named graphs,
    pyoxigraph yields a triple once per graph that states it, and counts drift.
    """
    default = ox.DefaultGraph()
    store.bulk_extend(
        [ox.Quad(q.subject, q.predicate, q.object, default) for q in store.quads_for_pattern(None, None, None)]
    )


def _write_store(
    directory: Path,
    files: list[RdfFile],
    quads: list[ox.Quad] | None,
    allow_shared: bool,
    seconds: dict[str, float],
    release: str,
    previous: Release | None,
) -> dict:
    """Load the quads (or the files, checked as they stream) into a new store at ``directory``, add
    its statistics, search index and BUILD.json (naming it release ``release``, after ``previous``); returns the
    statistics."""
    t = time.perf_counter()
    store = ox.Store(str(directory))
    try:
        store.bulk_extend(quads if quads is not None else guarded(files, allow_shared))
        seconds["load"] = time.perf_counter() - t
        t = time.perf_counter()
        built = datetime.now(UTC).isoformat(timespec="seconds")
        stats = statistics.describe(store, built)
        seconds["statistics"] = time.perf_counter() - t
        t = time.perf_counter()
        merge_into_default_graph(store)
        store.flush()
        seconds["merge"] = time.perf_counter() - t
        t = time.perf_counter()
        SearchIndex.from_store(store).write(directory)
        seconds["search index"] = time.perf_counter() - t
    finally:
        del store
        gc.collect()  # closes the store's files before the directory is renamed or removed
    info = {
        "fingerprint": fingerprint(files),
        "built": built,
        "version": __version__,
        "release": release,
        "previous": previous.id if previous else None,
        "sources": [str(f.path) for f in files],
        "stats": stats,
        "seconds": seconds,
    }
    (directory / BUILD_INFO).write_text(json.dumps(info, indent=1))
    return stats
