"""Build a store into a new directory, then swap it in atomically.

Layout of a store root::

    ROOT/current -> v1732300000000   (symlink, replaced atomically with os.replace)
    ROOT/v1732300000000/             (an Oxigraph store, its SEARCH.json index, and BUILD.json
                                      once complete)
    ROOT/.lock                       (one build at a time)

A build that fails or is killed never touches ``current``; its partial directory is removed by the
next build.
"""

import fcntl
import gc
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
from tehkg.loader import statistics
from tehkg.loader.rdf_files import RdfFile, RdfInputError, collect, parse_all
from tehkg.loader.search_index import SearchIndex
from tehkg.loader.store_layout import BUILD_INFO, CURRENT, build_info, current_store

LAYOUT = "2"  # bumped when a store directory gains a file: older stores are then rebuilt


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
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _remove_stale(root: Path, keep: set[str]) -> None:
    """Delete store directories neither current nor the one it replaced (readers may hold it)."""
    for child in root.iterdir():
        if child.is_dir() and not child.is_symlink() and child.name.startswith("v") and child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)


def quality_gate(quads: list[ox.Quad], log: Callable[[str], None] = print) -> float:
    """Validate ``quads``; raise BuildRejected on violations. Returns the seconds it took."""
    from tehkg.loader import quality  # pyshacl and rdflib are only needed when validating

    report = quality.validate(quads)
    if not report.conforms:
        raise BuildRejected(report.text())
    log(f"quality gate: {report.summary()}")
    return report.seconds


def build(sources: list[Path], root: Path, validate: bool = True, log: Callable[[str], None] = print) -> BuildResult:
    """Parse, optionally validate, bulk-load into a new store under ``root`` and swap it in."""
    seconds: dict[str, float] = {}
    files = collect(sources)
    if not files:
        raise RdfInputError(Path(" ".join(map(str, sources))), "no RDF files found")
    quads: list[ox.Quad] | None = None
    if validate:
        t = time.perf_counter()
        quads = parse_all(files)
        seconds["parse"] = time.perf_counter() - t
        seconds["validate"] = quality_gate(quads, log)
    with _locked(root):
        previous = current_store(root)
        directory = root / f"v{time.time_ns()}"
        _remove_stale(root, {previous.name} if previous else set())
        t = time.perf_counter()
        store = ox.Store(str(directory))
        try:
            if quads is not None:
                store.bulk_extend(quads)
            else:
                for file in files:
                    try:
                        store.bulk_load(path=str(file.path), format=file.format, to_graph=file.graph)
                    except SyntaxError as err:
                        raise RdfInputError(file.path, str(getattr(err, "msg", err)), err.lineno, err.offset) from None
            seconds["load"] = time.perf_counter() - t
            t = time.perf_counter()
            built = datetime.now(UTC).isoformat(timespec="seconds")
            stats = statistics.describe(store, built)
            store.flush()
            seconds["statistics"] = time.perf_counter() - t
            t = time.perf_counter()
            SearchIndex.from_store(store).write(directory)
            seconds["search index"] = time.perf_counter() - t
        except BaseException:
            del store
            gc.collect()
            shutil.rmtree(directory, ignore_errors=True)
            raise
        del store
        gc.collect()
        info = {
            "fingerprint": fingerprint(files),
            "built": built,
            "version": __version__,
            "sources": [str(f.path) for f in files],
            "stats": stats,
            "seconds": seconds,
        }
        (directory / BUILD_INFO).write_text(json.dumps(info, indent=1))
        swap = root / f".{CURRENT}-{os.getpid()}"
        swap.unlink(missing_ok=True)
        os.symlink(directory.name, swap)
        os.replace(swap, root / CURRENT)
        log(f"built {directory} ({stats['triples']} triples in {len(stats['graphs'])} graphs)")
    return BuildResult(directory, stats, seconds)
