"""tehkg: knowledge graph and SPARQL endpoint of French public policy against trafficking in human beings.

``tehkg.loader`` parses, validates and builds the store; ``tehkg.endpoint`` serves it; ``tehkg.cli``
sits above both. The ontology, data, shapes and example queries ship as package resources
(``tehkg.resources``).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tehkg")
except PackageNotFoundError:  # imported from a checkout that was never installed
    __version__ = "0.1.0"
