"""Where the shipped sources live and where built stores go."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
DATA_DIR = PROJECT_ROOT / "data" / "ttl"
SHAPES_DIR = PROJECT_ROOT / "shapes"

BASE = "https://w3id.org/tehkg/"
ID_BASE = BASE + "id/"
GRAPH_BASE = BASE + "graph/"
ONTOLOGY_GRAPH = GRAPH_BASE + "ontology"
METADATA_GRAPH = GRAPH_BASE + "metadata"
DATASET_IRI = ID_BASE + "dataset/tehkg"


def shipped_sources() -> list[Path]:
    """The ontology and curated data files, in load order."""
    return [ONTOLOGY_DIR, DATA_DIR]


def default_store_root() -> Path:
    """The embedded store's directory: ``$TEHKG_STORE`` or ``$TEHKG_DATA_DIR/store`` (``var/``)."""
    if os.environ.get("TEHKG_STORE"):
        return Path(os.environ["TEHKG_STORE"])
    return Path(os.environ.get("TEHKG_DATA_DIR", PROJECT_ROOT / "var")) / "store"
