"""Find RDF files and parse them with pyoxigraph, reporting errors by file, line and column."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from tehkg.vocab import GRAPH_BASE, ONTOLOGY_GRAPH, OWL, RDF, RDFS

FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
}


class RdfInputError(Exception):
    """An unreadable RDF file, located as ``file:line:column: message``."""

    def __init__(self, path: Path, message: str, line: int | None = None, column: int | None = None) -> None:
        self.path, self.line, self.column, self.message = path, line, column, message
        where = str(path) + (f":{line}:{column}" if line is not None else "")
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class RdfFile:
    """One input file and the named graph its triples go to (quad formats name their own)."""

    path: Path
    format: ox.RdfFormat
    graph: ox.NamedNode | None


def collect(paths: Iterable[Path]) -> list[RdfFile]:
    """Expand files and folders (recursively, sorted) into RDF inputs; unknown suffixes are skipped."""
    found: list[RdfFile] = []
    for path in paths:
        if not path.exists():
            raise RdfInputError(path, "no such file or directory")
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            fmt = FORMATS.get(file.suffix.lower())
            if fmt is None:
                if not path.is_dir():
                    raise RdfInputError(file, f"unknown RDF file type {file.suffix!r}")
                continue
            found.append(RdfFile(file, fmt, None if fmt.supports_datasets else graph_for(file, fmt)))
    return found


ONTOLOGY_IRI = ox.NamedNode(ONTOLOGY_GRAPH.replace("/graph/", "/"))
ONTOLOGY_SNIFF_BYTES = 8 << 20  # an ontology file is small; larger files are never sniffed


def graph_for(path: Path, fmt: ox.RdfFormat) -> ox.NamedNode:
    """Named graph for a triples-only file: the ontology graph for a file of the tehkg ontology
    (it declares ``<…/ontology> a owl:Ontology`` or defines terms ``rdfs:isDefinedBy`` it),
    wherever the file sits; else one graph per file name."""
    if path.stat().st_size <= ONTOLOGY_SNIFF_BYTES:
        try:
            for triple in ox.parse(path=str(path), format=fmt):
                if (
                    triple.subject == ONTOLOGY_IRI
                    and triple.predicate.value == RDF + "type"
                    and triple.object.value == OWL + "Ontology"
                ) or (triple.predicate.value == RDFS + "isDefinedBy" and triple.object == ONTOLOGY_IRI):
                    return ox.NamedNode(ONTOLOGY_GRAPH)
        except (SyntaxError, OSError, ValueError):
            pass  # reported with its location when the file is parsed
    return ox.NamedNode(GRAPH_BASE + path.stem)


def parse(file: RdfFile) -> Iterator[ox.Quad]:
    """Quads of one file, triples placed in the file's graph."""
    try:
        for quad in ox.parse(path=str(file.path), format=file.format):
            if file.graph is not None:
                quad = ox.Quad(quad.subject, quad.predicate, quad.object, file.graph)
            yield quad
    except SyntaxError as err:
        raise located(file.path, err) from None
    except (OSError, ValueError) as err:
        raise RdfInputError(file.path, str(err)) from None


def located(path: Path, err: SyntaxError) -> RdfInputError:
    """Turn a pyoxigraph SyntaxError into an RdfInputError with line and column."""
    message = str(err.msg if hasattr(err, "msg") else err)
    return RdfInputError(path, message, err.lineno, err.offset)


def parse_all(files: Iterable[RdfFile]) -> list[ox.Quad]:
    """All quads of all files; the first unreadable file raises RdfInputError."""
    return [quad for file in files for quad in parse(file)]
