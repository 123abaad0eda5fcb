"""tehkg loader: parse, validate and build the knowledge graph store."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tehkg")
except PackageNotFoundError:  # running from a checkout without installation
    __version__ = "0.1.0"
