"""Query and export a built store from the command line."""

import sys
from pathlib import Path

import pyoxigraph as ox

from tehkg.loader.rdf_files import RdfInputError
from tehkg.loader.store_layout import current_store

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
RDF_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdf": ox.RdfFormat.RDF_XML,
}


def open_store(root: Path) -> ox.Store:
    """The current store under ``root``, read-only."""
    directory = current_store(root)
    if directory is None:
        raise RdfInputError(root, "no built store here; run `tehkg build` first")
    return ox.Store.read_only(str(directory))


def run_query(root: Path, query: str, fmt: str) -> bytes:
    """Serialise the answer of ``query`` in ``fmt`` (the default graph is the merge of the named graphs)."""
    try:
        result = open_store(root).query(query)
    except SyntaxError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    if isinstance(result, ox.QueryTriples):
        data = ox.serialize(result, format=RDF_FORMATS.get(fmt, ox.RdfFormat.TURTLE))
    else:
        data = result.serialize(format=RESULT_FORMATS.get(fmt, ox.QueryResultsFormat.CSV))
    assert data is not None  # serialising without an output returns the bytes
    return data


def export(root: Path, output: Path | None, fmt: str, graph: str | None) -> None:
    """Dump the whole store, or one named graph, in ``fmt``."""
    store = open_store(root)
    rdf_format = RDF_FORMATS[fmt]
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
