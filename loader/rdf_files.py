"""Find RDF files and parse them with pyoxigraph, reporting errors by file, line and column.

Hostile input is refused before or while it is parsed, always as an RdfInputError (exit 2, one line):

- a symbolic link out of the file or folder given (:func:`rdf_paths`): the gate reads nothing else;
- a folder without an RDF file (:func:`rdf_paths`): ``validate`` and ``build`` refuse it alike;
- a file over ``TEHKG_MAX_INPUT_BYTES``, DTD entity declarations in RDF/XML (entity bombs);
- input the parser cannot finish within its limits: files are parsed in a child process with at most
  ``TEHKG_PARSE_MEMORY`` bytes and ``TEHKG_PARSE_SECONDS`` of CPU (:class:`ParseLimits`), so that a
  blow-up or a crash (a stack overflow on deep nesting) is the child's alone;
- triples in the default graph (:func:`parse`), and writes into a named graph that another source owns
  (:class:`GraphOwners`).

The builder's statistics in an input (a dump of a built store) are dropped, as the build recomputes them.
A message quotes at most :data:`EXCERPT_CHARS` characters of the input, non-printable ones escaped.
"""

import faulthandler
import multiprocessing
import os
import re
import resource
import signal
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import BinaryIO, NamedTuple, cast

import pyoxigraph as ox

from tehkg.loader.statistics import is_builder_statement
from tehkg.settings import GateSettings
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
EXCERPT_CHARS = 80  # of the input, at most, in a message


def printable(text: str) -> str:
    """``text`` fit for one line of a log: non-printable characters (controls, line breaks) as escapes."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def excerpt(text: str) -> str:
    """The first :data:`EXCERPT_CHARS` characters of ``text``, printable: what a message may quote of the input
    (a parser's message may quote it, and a file that is not RDF may hold a secret)."""
    short = printable(text[: EXCERPT_CHARS + 1])
    return short if len(short) <= EXCERPT_CHARS else short[: EXCERPT_CHARS - 1] + "…"


class RdfInputError(Exception):
    """An unreadable RDF file, located as ``file:line:column: message``, on one printable line."""

    def __init__(self, path: Path, message: str, line: int | None = None, column: int | None = None) -> None:
        self.path, self.line, self.column, self.message = path, line, column, message
        where = printable(str(path)) + (f":{line}:{column}" if line is not None else "")
        super().__init__(f"{where}: {printable(message)}")


@dataclass(frozen=True)
class RdfFile:
    """One input file and the source it came from: the file or folder given on the command line."""

    path: Path
    format: ox.RdfFormat
    source: Path


def check_size(path: Path) -> None:
    """Refuse a file over ``TEHKG_MAX_INPUT_BYTES``; warn on stderr over ``TEHKG_WARN_INPUT_BYTES``."""
    size = path.stat().st_size
    limits = GateSettings.load()
    if size > limits.max_input_bytes:
        raise RdfInputError(
            path, f"{size} bytes is over the input limit of {limits.max_input_bytes} bytes (TEHKG_MAX_INPUT_BYTES)"
        )
    if size > limits.warn_input_bytes:
        print(
            f"warning: {printable(str(path))}: {size >> 20} MiB; validating it holds every triple in memory "
            "(--no-validate streams it)",
            file=sys.stderr,
        )


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
    """Expand files and folders into RDF inputs (:func:`rdf_paths`).

    Raises RdfInputError for a link out of its argument, a folder without an RDF file, a file over the size
    limit or an RDF/XML file declaring entities."""
    found: list[RdfFile] = []
    for path in paths:
        for file in rdf_paths(path):
            fmt = FORMATS[file.suffix.lower()]
            check_size(file)
            if fmt == ox.RdfFormat.RDF_XML:
                refuse_entity_declarations(file)
            found.append(RdfFile(file, fmt, path))
    return found


def rdf_paths(argument: Path) -> list[Path]:
    """The RDF files an argument names: itself, or the files of a folder with a known suffix, recursively, sorted.

    The gate reads nothing but what it is given (a contributed ``x.rdf -> /proc/self/environ`` would put the
    target's text in a CI log): a symbolic link is followed only when its target is inside the argument, that
    is between the files of a folder. So an argument that is itself a link is refused (the caller may have named
    it by a glob over contributed files), and so is a link under a folder to a file or folder outside it.
    A folder without an RDF file is refused rather than validated as empty."""
    if argument.is_symlink():
        raise RdfInputError(argument, "is a symbolic link: name the file or folder it points to")
    if not argument.exists():
        raise RdfInputError(argument, "no such file or directory")
    if not argument.is_dir():
        if argument.suffix.lower() not in FORMATS:
            raise RdfInputError(argument, f"unknown RDF file type {argument.suffix!r}")
        return [_regular(argument)]
    tree = argument.resolve()
    files: list[Path] = []
    for folder, subfolders, names in os.walk(argument, onerror=_raise):  # never descends into a linked folder
        for name in subfolders + names:
            path = Path(folder, name)
            read = name in subfolders or path.suffix.lower() in FORMATS
            if read and path.is_symlink() and not Path(os.path.realpath(path)).is_relative_to(tree):
                raise RdfInputError(path, f"is a symbolic link out of {argument}: not followed")
        files += [Path(folder, name) for name in names if Path(name).suffix.lower() in FORMATS]
    if not files:
        raise RdfInputError(argument, f"no RDF file ({', '.join(FORMATS)}) in this folder")
    return sorted(_regular(file) for file in files)


def _raise(error: OSError) -> None:
    """os.walk's error handler: an unreadable folder fails the walk instead of being skipped."""
    raise error


def _regular(path: Path) -> Path:
    """``path`` if it is a regular file (a pipe would block the parser, a broken link has nothing to read)."""
    if not path.is_file():
        raise RdfInputError(path, "not a regular file")
    return path


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


DEFAULT_GRAPH_REFUSED = "a triple in the default graph has no owner and no provenance: put it in a named graph"


def parse(file: RdfFile) -> Iterator[ox.Quad]:
    """Quads of one file, as the loader places them: a triples-only file's in its graph (:func:`graph_for`).

    A triple in the default graph of a quad file is refused at its line: the builder fills the default graph
    with the merge of the named graphs, and a triple of its own there would be served with no owner and no
    provenance."""
    graph = None if file.format.supports_datasets else graph_for(file.path, file.format)
    try:
        for index, quad in enumerate(ox.parse(path=str(file.path), format=file.format)):
            if graph is not None:
                quad = ox.Quad(quad.subject, quad.predicate, quad.object, graph)
            elif isinstance(quad.graph_name, ox.DefaultGraph):
                raise RdfInputError(file.path, DEFAULT_GRAPH_REFUSED, *_position(file, index))
            yield quad
    except SyntaxError as err:
        raise located(file.path, err) from None
    except OSError as err:
        raise RdfInputError(file.path, err.strerror or excerpt(str(err))) from None
    except ValueError as err:
        raise RdfInputError(file.path, excerpt(str(err))) from None
    except MemoryError as err:
        if not err.args:
            raise  # out of memory: the parsing child reports it with its limit
        raise RdfInputError(file.path, excerpt(str(err))) from None  # a token over the parser's buffer


PARSER_POSITION = re.compile(r"Parser error (?:at|between) [^:]*: ")  # the location, given apart


def located(path: Path, err: SyntaxError) -> RdfInputError:
    """Turn a pyoxigraph SyntaxError into an RdfInputError with line and column, quoting little of the input."""
    message = PARSER_POSITION.sub("", str(err.msg if hasattr(err, "msg") else err), count=1)
    return RdfInputError(path, excerpt(message), err.lineno, err.offset)


class _LineReader:
    """A binary file handed to a parser at most one line per read: when the parser yields a quad, it has read
    no further than the line that ends the quad's statement."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream, self.line, self.indent, self.at_line_start = stream, 0, 0, True

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.readline(size)
        if self.at_line_start and chunk:
            self.line += 1
            self.indent = len(chunk) - len(chunk.lstrip(b" \t"))
        self.at_line_start = chunk.endswith(b"\n")
        return chunk


def _position(file: RdfFile, index: int) -> tuple[int, int]:
    """Line and column (of the first term on that line) of the statement that gives quad ``index`` of ``file``;
    the file is parsed again, one line at a time: a cost paid only when the file is refused."""
    with file.path.open("rb") as stream:
        reader = _LineReader(stream)
        for number, _ in enumerate(ox.parse(cast(BinaryIO, reader), format=file.format)):  # it calls read() only
            if number == index:
                break
    return reader.line, reader.indent + 1


METADATA = ox.NamedNode(METADATA_GRAPH)
ONTOLOGY = ox.NamedNode(ONTOLOGY_GRAPH)


@dataclass
class GraphOwners:
    """Who may write which graph.

    A graph belongs to the first source (a file or folder given as an argument) that writes it:
    the files of one folder may share their graphs, another source writing into them is refused
    unless ``allow_shared``. Triples-only files of the tehkg ontology, which the loader itself
    places in the ontology graph (:func:`graph_for`), share it wherever they sit. The metadata
    graph is never shared, and its statistics are the builder's alone: those of an input (a dump of a
    built store states them) are dropped, never trusted (:func:`statistics.is_builder_statement`).
    """

    allow_shared: bool = False
    owners: dict[ox.NamedNode | ox.BlankNode | ox.DefaultGraph, RdfFile] = field(default_factory=dict)

    def admit(self, file: RdfFile, quad: ox.Quad) -> bool:
        """Whether to keep ``quad`` (not a statement of the builder's statistics); raise RdfInputError if
        ``file`` may not write its graph."""
        graph = quad.graph_name
        owner = self.owners.setdefault(graph, file)
        placed = graph == ONTOLOGY and not (owner.format.supports_datasets or file.format.supports_datasets)
        if owner.source != file.source and not placed and (not self.allow_shared or graph == METADATA):
            raise RdfInputError(file.path, f"graph {excerpt(str(graph))} is owned by {owner.path}")
        return not (graph == METADATA and is_builder_statement(quad))


class ParseLimits(NamedTuple):
    """What the parsing child may use: ``memory`` bytes more than it starts with and ``seconds`` of CPU, for all
    the files: a parse this process then repeats, so that hostile input costs at most twice the limits.

    CPU time (ITIMER_PROF), not wall-clock time: the time a parse takes on a busy machine is not the input's
    doing. Memory is RLIMIT_DATA (heap and private mappings, what allocations use): address space reserved but
    unused does not count."""

    memory: int
    seconds: int

    @classmethod
    def from_environment(cls) -> "ParseLimits":
        limits = GateSettings.load()
        return cls(limits.parse_memory, limits.parse_seconds)

    def over_memory(self, file: RdfFile) -> RdfInputError:
        return RdfInputError(file.path, f"parsing needs more than {self.memory} bytes of memory (TEHKG_PARSE_MEMORY)")

    def ended(self, file: RdfFile, exitcode: int | None) -> RdfInputError:
        """The error of a child that ended without a word: killed by a limit (the kernel enforces both), or
        crashed (a parser's stack overflow on deep nesting)."""
        if exitcode == -signal.SIGPROF:
            return RdfInputError(file.path, f"parsing took over {self.seconds} s of CPU (TEHKG_PARSE_SECONDS)")
        if exitcode == -signal.SIGABRT:  # what a failed allocation does in the parser's code
            return self.over_memory(file)
        how = signal.Signals(-exitcode).name if exitcode and exitcode < 0 else f"exit code {exitcode}"
        return RdfInputError(file.path, f"the parser crashed ({how}); is the input nested too deeply?")


def _data_bytes() -> int:
    """The data size of this process (``VmData``: what RLIMIT_DATA bounds), in bytes."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) << 10 for line in status if line.startswith("VmData:"))


def _child(sender: Connection, files: list[RdfFile], limits: ParseLimits, keep: bool) -> None:
    """The parsing child: parses each file and sends ``("checked", index)``, or ``"refused"`` with the fields
    of an RdfInputError, or ``"memory"``; a crash or a limit ends it without a word.

    Its output goes nowhere (a crash report must not reach the caller's log), it dumps no core and leaves
    Ctrl-C to its parent, which kills it. With ``keep`` it holds every quad, as its caller will: the memory
    limit then bounds the caller too."""
    silent = os.open(os.devnull, os.O_WRONLY)
    os.dup2(silent, 1)
    os.dup2(silent, 2)
    faulthandler.disable()  # it may write to a copy of stderr (pytest enables it so)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    data = _data_bytes() + limits.memory
    hard = resource.getrlimit(resource.RLIMIT_DATA)[1]
    resource.setrlimit(resource.RLIMIT_DATA, (data if hard == resource.RLIM_INFINITY else min(data, hard), hard))
    signal.setitimer(signal.ITIMER_PROF, limits.seconds)  # SIGPROF, unhandled, ends the child
    kept: list[ox.Quad] = []
    try:
        for index, file in enumerate(files):
            if keep:
                kept += parse(file)
            else:
                for _ in parse(file):
                    pass
            sender.send(("checked", index))
    except RdfInputError as err:
        sender.send(("refused", (err.path, err.message, err.line, err.column)))
    except MemoryError:
        kept.clear()  # room to say so
        sender.send(("memory", None))


def _checked(files: list[RdfFile], limits: ParseLimits, keep: bool) -> Iterator[RdfFile]:
    """Each file once a child process has parsed it under the limits: this process then parses it knowing
    that it ends, within bounds. The child runs ahead, so two cores parse two files at once; stopping early
    (an error, a caller that stops reading) kills it."""
    if not files:
        return
    context = multiprocessing.get_context("fork")  # the parser is loaded already: no second start-up
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, files, limits, keep), daemon=True)
    child.start()
    sender.close()
    try:
        for file in files:
            try:
                kind, value = receiver.recv()
            except EOFError:
                child.join()
                raise limits.ended(file, child.exitcode) from None
            if kind == "refused":
                raise RdfInputError(*value)
            if kind == "memory":
                raise limits.over_memory(file)
            yield file
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()


def _admitted(files: Iterable[RdfFile], allow_shared: bool, keep: bool) -> Iterator[ox.Quad]:
    """The quads :class:`GraphOwners` admits, of each file once checked (:func:`_checked`)."""
    checked = _checked(list(files), ParseLimits.from_environment(), keep)  # a malformed setting fails now
    owners = GraphOwners(allow_shared)
    return (quad for file in checked for quad in parse(file) if owners.admit(file, quad))


def guarded(files: Iterable[RdfFile], allow_shared_graphs: bool = False) -> Iterator[ox.Quad]:
    """Quads of all files, each admitted by :class:`GraphOwners`, each file parsed first in a child process
    under the parse limits (:class:`ParseLimits`)."""
    return _admitted(files, allow_shared_graphs, keep=False)


def parse_all(files: Iterable[RdfFile], allow_shared_graphs: bool = False) -> list[ox.Quad]:
    """All quads of all files; the first unreadable file, forbidden write or exceeded limit raises
    RdfInputError. The parsing child holds them as this list does, so that TEHKG_PARSE_MEMORY bounds both."""
    return list(_admitted(files, allow_shared_graphs, keep=True))
