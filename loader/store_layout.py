"""How a store root is laid out on disk, and the small API readers use (the endpoint included).

ROOT/current -> v1732300000000   (symlink, replaced atomically with os.replace)
ROOT/v1732300000000/             an Oxigraph store, its SEARCH.json index and BUILD.json
"""

import json
import os
from pathlib import Path

BUILD_INFO = "BUILD.json"
CURRENT = "current"


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
