"""The quality gate: SHACL shapes plus must-be-empty cross-graph queries, in one SHACL report graph.

The SHACL engine is pyshacl-turbo, chosen by measurement (bench/VALIDATE.md): on the shipped data and
every corrupted fixture its results (focus node, path, constraint component, severity, value, message)
are those of pySHACL, and it validates a million generated quads within the gate's time budget.
"""

import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pyshacl_turbo
import rdflib
from rdflib.namespace import SH

from tehkg import vocab
from tehkg.loader import mentions
from tehkg.loader.rdf_files import collect, parse_all
from tehkg.loader.select import select
from tehkg.loader.validation_report import Report, report_node
from tehkg.resources import shapes_dir as shapes_dir_default

TEHSH = rdflib.Namespace(vocab.TEHSH)
PROGRESS_QUADS = 200_000  # inputs from this size on report progress on stderr and their peak memory
LABEL_QUERY = (
    vocab.sparql_prefixes("skos", "rdfs", "dcterms")
    + """
SELECT ?s (SAMPLE(?l) AS ?label) {
  { ?s skos:prefLabel ?l FILTER(lang(?l) = "fr") }
  UNION { ?s rdfs:label ?l FILTER(lang(?l) IN ("fr", "en", "")) }
  UNION { ?s dcterms:title ?l FILTER(lang(?l) = "fr") }
} GROUP BY ?s
"""
)
Progress = Callable[[str], None]


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Node:
    """A pyoxigraph term as an rdflib term."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def load_shapes(shapes_dir: Path | None = None) -> rdflib.Graph:
    """The SHACL shapes graph (every .ttl file under ``shapes_dir``, the shipped shapes by default).

    Raises FileNotFoundError when there are none: a gate without shapes must never say "conforms".
    """
    folder = shapes_dir or shapes_dir_default()
    files = sorted(folder.glob("*.ttl"))
    if not files:
        raise FileNotFoundError(f"no SHACL shapes (*.ttl) in {folder}")
    shapes = rdflib.Graph()
    for file in files:
        shapes.parse(file, format="turtle")
    return shapes


def shacl_report(data: ox.Store, shapes: rdflib.Graph) -> rdflib.Graph:
    """The engine's SHACL validation report graph, as produced, for the union of the graphs of ``data``.

    The store goes to the engine as it is: its results are those of the union graph handed over as
    triples (checked on the shipped data and every fixture), without a second copy of the data.
    """
    _, results, _ = pyshacl_turbo.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    return results


def add_query_results(report: rdflib.Graph, store: ox.Store, shapes: rdflib.Graph, progress: Progress) -> None:
    """Run each ``tehsh:MustBeEmptyQuery``; add every row (?this, ?value) to ``report`` as an sh:ValidationResult."""
    node = report_node(report)
    for check in sorted(shapes.subjects(rdflib.RDF.type, TEHSH.MustBeEmptyQuery), key=str):
        start = time.perf_counter()
        severity = shapes.value(check, SH.severity) or SH.Violation
        message = str(shapes.value(check, SH.message))
        solutions = select(store, str(shapes.value(check, SH.select)))
        has_value = "value" in [v.value for v in solutions.variables]
        rows = 0
        for row in solutions:
            value = row["value"] if has_value else None
            result = rdflib.BNode()
            report.add((node, SH.result, result))
            report.add((result, rdflib.RDF.type, SH.ValidationResult))
            report.add((result, SH.focusNode, to_rdflib(row["this"])))
            report.add((result, SH.resultSeverity, severity))
            report.add((result, SH.sourceShape, check))
            report.add((result, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
            text = message.replace("{$value}", "" if value is None else value.value)
            report.add((result, SH.resultMessage, rdflib.Literal(text)))
            if value is not None:
                report.add((result, SH.value, to_rdflib(value)))
            rows += 1
        progress(f"cross-graph: {shapes.value(check, SH.name)}: {rows} row(s) in {time.perf_counter() - start:.2f} s")


def peak_memory_mib() -> float:
    """This process's peak resident memory so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _quiet(_: str) -> None:
    return None


def validate(quads: list[ox.Quad], shapes_dir: Path | None = None, progress: Progress | None = None) -> Report:
    """Validate quads against the shapes; the report holds every violation, warning and info.

    ``progress`` receives one line per step; by default, stderr for inputs of ``PROGRESS_QUADS`` and more.
    """
    large = len(quads) >= PROGRESS_QUADS
    say = progress or (_stderr if large else _quiet)
    start = time.perf_counter()
    shapes = load_shapes(shapes_dir)
    store = ox.Store()
    store.extend(quads)
    say(f"store: {len(quads)} quads in {time.perf_counter() - start:.2f} s")
    t = time.perf_counter()
    report = shacl_report(store, shapes)
    say(f"SHACL shapes: {len(set(report.subjects(SH.resultSeverity)))} result(s) in {time.perf_counter() - t:.2f} s")
    add_query_results(report, store, shapes, say)
    t = time.perf_counter()
    found = mentions.add_results(report, store, shapes)
    say(f"mentions and orphan organisations: {found} result(s) in {time.perf_counter() - t:.2f} s")
    labels = {row["s"].value: row["label"].value for row in select(store, LABEL_QUERY)}
    return Report.from_graph(
        report,
        shapes,
        labels,
        len(quads),
        time.perf_counter() - start,
        peak_mib=peak_memory_mib() if large else None,
    )


def validate_paths(paths: list[Path], allow_shared_graphs: bool = False, progress: Progress | None = None) -> Report:
    """Parse files and folders (raising RdfInputError if unreadable) and validate them, timing the parse."""
    start = time.perf_counter()
    quads = parse_all(collect(paths), allow_shared_graphs)
    if progress is None and len(quads) >= PROGRESS_QUADS:
        progress = _stderr
    (progress or _quiet)(f"parse: {len(quads)} quads in {time.perf_counter() - start:.2f} s")
    return validate(quads, progress=progress)
