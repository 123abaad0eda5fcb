"""Find RDF files and parse them with pyoxigraph, reporting errors by file, line and column.

Hostile input is refused before or while it is parsed: files over ``TEHKG_MAX_INPUT_BYTES``, DTD
entity declarations in RDF/XML (entity bombs), writes of the builder's statistics, and writes
into a named graph that another source owns (see :class:`GraphOwners`).
"""

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from tehkg.loader.statistics import is_builder_statement
from tehkg.vocab import GRAPH_BASE, METADATA_GRAPH, ONTOLOGY_GRAPH, OWL, RDF, RDFS

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
    """One input file, the named graph its triples go to (quad formats name their own), and the
    source it came from: the file or folder given on the command line."""

    path: Path
    format: ox.RdfFormat
    graph: ox.NamedNode | None
    source: Path


MAX_INPUT_BYTES = 512 << 20  # default of TEHKG_MAX_INPUT_BYTES
WARN_INPUT_BYTES = 64 << 20  # default of TEHKG_WARN_INPUT_BYTES


def _byte_limit(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError:
        raise RdfInputError(Path(name), f"not a number of bytes: {value!r}") from None


def check_size(path: Path) -> None:
    """Refuse a file over ``TEHKG_MAX_INPUT_BYTES``; warn on stderr over ``TEHKG_WARN_INPUT_BYTES``."""
    size = path.stat().st_size
    limit = _byte_limit("TEHKG_MAX_INPUT_BYTES", MAX_INPUT_BYTES)
    if size > limit:
        raise RdfInputError(path, f"{size} bytes is over the input limit of {limit} bytes (TEHKG_MAX_INPUT_BYTES)")
    if size > _byte_limit("TEHKG_WARN_INPUT_BYTES", WARN_INPUT_BYTES):
        print(f"warning: {path}: {size >> 20} MiB; validating it holds every triple in memory", file=sys.stderr)


ENTITY_DECLARATION = b"<!ENTITY"
SCAN_CHUNK = 1 << 20


def refuse_entity_declarations(path: Path) -> None:
    """Raise RdfInputError at the first DTD entity declaration of an XML file (entity bombs
    expand a few bytes into gigabytes; the parser must never see one)."""
    keep = len(ENTITY_DECLARATION) - 1
    line, line_start, offset, tail = 1, 0, 0, b""
    with path.open("rb") as stream:
        while chunk := stream.read(SCAN_CHUNK):
            window = tail + chunk
            found = window.find(ENTITY_DECLARATION)
            head = chunk if found < 0 else window[len(tail) : max(found, len(tail))]
            line += head.count(b"\n")
            if (last := head.rfind(b"\n")) >= 0:
                line_start = offset + last + 1
            if found >= 0:
                column = offset - len(tail) + found - line_start + 1
                raise RdfInputError(path, "entity declarations are refused", line, column)
            offset += len(chunk)
            tail = window[-keep:]


def collect(paths: Iterable[Path]) -> list[RdfFile]:
    """Expand files and folders (recursively, sorted) into RDF inputs; unknown suffixes are skipped.

    Raises RdfInputError for a file over the size limit or an RDF/XML file declaring entities."""
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
            check_size(file)
            if fmt == ox.RdfFormat.RDF_XML:
                refuse_entity_declarations(file)
            found.append(RdfFile(file, fmt, None if fmt.supports_datasets else graph_for(file, fmt), path))
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


METADATA = ox.NamedNode(METADATA_GRAPH)
ONTOLOGY = ox.NamedNode(ONTOLOGY_GRAPH)


@dataclass
class GraphOwners:
    """Who may write which graph.

    A graph belongs to the first source (a file or folder given as an argument) that writes it:
    the files of one folder may share their graphs, another source writing into them is refused
    unless ``allow_shared``. Triples-only files of the tehkg ontology, which the loader itself
    places in the ontology graph (:func:`graph_for`), share it wherever they sit. The metadata
    graph is never shared, and its statistics are written by the builder alone
    (:func:`statistics.is_builder_statement`).
    """

    allow_shared: bool = False
    owners: dict[ox.NamedNode | ox.BlankNode | ox.DefaultGraph, RdfFile] = field(default_factory=dict)

    def check(self, file: RdfFile, quad: ox.Quad) -> None:
        """Raise RdfInputError if ``file`` may not write ``quad``."""
        graph = quad.graph_name
        owner = self.owners.setdefault(graph, file)
        placed = graph == ONTOLOGY and owner.graph == file.graph == ONTOLOGY
        if owner.source != file.source and not placed and (not self.allow_shared or graph == METADATA):
            raise RdfInputError(file.path, f"{_name(graph)} is owned by {owner.path}")
        if graph == METADATA and is_builder_statement(quad):
            raise RdfInputError(file.path, f"<{quad.predicate.value}> in {_name(graph)} is written by the builder only")


def _name(graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> str:
    return "the default graph" if isinstance(graph, ox.DefaultGraph) else f"graph {graph}"


def guarded(files: Iterable[RdfFile], allow_shared_graphs: bool = False) -> Iterator[ox.Quad]:
    """Quads of all files, each checked against :class:`GraphOwners` as it is read."""
    owners = GraphOwners(allow_shared_graphs)
    for file in files:
        for quad in parse(file):
            owners.check(file, quad)
            yield quad


def parse_all(files: Iterable[RdfFile], allow_shared_graphs: bool = False) -> list[ox.Quad]:
    """All quads of all files; the first unreadable file or forbidden write raises RdfInputError."""
    return list(guarded(files, allow_shared_graphs))
