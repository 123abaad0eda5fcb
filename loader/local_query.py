"""Query and export a built store from the command line."""

import sys
from pathlib import Path

import pyoxigraph as ox

from tehkg import formats
from tehkg.loader.rdf_files import RdfInputError
from tehkg.loader.store_layout import current_store


def open_store(root: Path) -> ox.Store:
    """The current store under ``root``, read-only."""
    directory = current_store(root)
    if directory is None:
        raise RdfInputError(root, "no built store here; run `tehkg build` first")
    return ox.Store.read_only(str(directory))


def export(root: Path, output: Path | None, fmt: str, graph: str | None) -> None:
    """Dump the whole store, or one named graph, in ``fmt``."""
    store = open_store(root)
    chosen = formats.by_extension(fmt)
    assert chosen is not None and chosen.rdf is not None, fmt  # the command line offers the graph formats' extensions
    rdf_format = chosen.rdf
    target = None if graph is None else ox.NamedNode(graph)
    if target is not None:
        data = store.dump(format=rdf_format, from_graph=target)
    elif rdf_format.supports_datasets:  # the named graphs: the default graph is their merge
        named = (q for q in store.quads_for_pattern(None, None, None) if not isinstance(q.graph_name, ox.DefaultGraph))
        data = ox.serialize(named, format=rdf_format)
    else:  # a triples format: the default graph, each distinct triple once
        data = store.dump(format=rdf_format, from_graph=ox.DefaultGraph())
    assert data is not None  # serialising without an output returns the bytes
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)
