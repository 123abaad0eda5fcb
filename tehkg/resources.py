"""Where the shipped ontology, data (the SPARQL examples among them) and shapes are, and where stores go.

They are package resources (``tehkg.ontology``, ``tehkg.data``, ``tehkg.shapes``), read through
:mod:`importlib.resources`, so an editable checkout and an installed wheel find the same files.
"""

import os
from importlib.resources import files
from pathlib import Path


def _resource(package: str) -> Path:
    try:
        path = Path(str(files(package)))
    except ModuleNotFoundError:
        raise FileNotFoundError(f"package resource {package} is missing: reinstall tehkg") from None
    if not path.is_dir():
        raise FileNotFoundError(f"package resource {package} is missing (looked in {path})")
    return path


def ontology_dir() -> Path:
    """The ontology (``ontology/`` of a checkout)."""
    return _resource("tehkg.ontology")


def data_dir() -> Path:
    """The curated data (``data/ttl/`` of a checkout)."""
    return _resource("tehkg.data")


def shapes_dir() -> Path:
    """The SHACL shapes and cross-graph checks (``shapes/`` of a checkout)."""
    return _resource("tehkg.shapes")


def shipped_sources() -> list[Path]:
    """The ontology and curated data, in load order."""
    return [ontology_dir(), data_dir()]


def checkout() -> Path | None:
    """The source checkout this package runs from (editable install), or None when installed."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "loader").is_dir() else None


def data_home() -> Path:
    """``$TEHKG_DATA_DIR``; else ``var/`` of a checkout; else the user's XDG data directory."""
    if os.environ.get("TEHKG_DATA_DIR"):
        return Path(os.environ["TEHKG_DATA_DIR"])
    root = checkout()
    if root is not None:
        return root / "var"
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "tehkg"


def default_store_root() -> Path:
    """The embedded store's directory: ``$TEHKG_STORE`` or ``data_home()/store``."""
    if os.environ.get("TEHKG_STORE"):
        return Path(os.environ["TEHKG_STORE"])
    return data_home() / "store"
