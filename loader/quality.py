"""The quality gate: SHACL shapes (pySHACL, in memory) plus must-be-empty cross-graph queries."""

import time
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib.namespace import SH
from tehkg.loader.rdf_files import collect, parse_all
from tehkg.loader.validation_report import Finding, Report

from tehkg.resources import shapes_dir as shapes_dir_default

TEHSH = rdflib.Namespace("https://w3id.org/tehkg/shapes#")
LABEL_QUERY = """
SELECT ?s (SAMPLE(?l) AS ?label) {
  { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l FILTER(lang(?l) = "fr") }
  UNION { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(lang(?l) IN ("fr", "en", "")) }
  UNION { ?s <http://purl.org/dc/terms/title> ?l FILTER(lang(?l) = "fr") }
} GROUP BY ?s
"""


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Node:
    """A pyoxigraph term as an rdflib term."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def union_graph(quads: Iterable[ox.Quad]) -> rdflib.Graph:
    """All quads as one rdflib graph (the union default graph that queries see)."""
    graph = rdflib.Graph()
    add = graph.add
    for q in quads:
        add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return graph


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


def _shacl_findings(data: rdflib.Graph, shapes: rdflib.Graph) -> list[Finding]:
    conforms, results, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    findings = []
    for result in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        shape = results.value(result, SH.sourceShape)
        name = shapes.value(shape, SH.name)
        if name is None:  # a property shape: name the node shape that holds it
            parent = shapes.value(None, SH.property, shape)
            name = shapes.value(parent, SH.name) if parent is not None else None
        severity = results.value(result, SH.resultSeverity)
        findings.append(
            Finding(
                severity=str(severity).rsplit("#", 1)[-1],
                focus=str(results.value(result, SH.focusNode)),
                path=_text(results.value(result, SH.resultPath)),
                value=_text(results.value(result, SH.value)),
                message=str(results.value(result, SH.resultMessage) or ""),
                shape=str(name or shape),
            )
        )
    return findings


def _text(term: rdflib.term.Node | None) -> str | None:
    return None if term is None or isinstance(term, rdflib.BNode) else str(term)


def _query_findings(store: ox.Store, shapes: rdflib.Graph) -> list[Finding]:
    """Run each ``tehsh:MustBeEmptyQuery``; every row (?this, ?value) is a finding."""
    findings = []
    for check in shapes.subjects(rdflib.RDF.type, TEHSH.MustBeEmptyQuery):
        query = str(shapes.value(check, SH.select))
        severity = str(shapes.value(check, SH.severity) or SH.Violation).rsplit("#", 1)[-1]
        message = str(shapes.value(check, SH.message))
        solutions = store.query(query, use_default_graph_as_union=True)
        has_value = "value" in [v.value for v in solutions.variables]
        for row in solutions:
            value = row["value"] if has_value else None
            findings.append(
                Finding(
                    severity=severity,
                    focus=row["this"].value,
                    path=None,
                    value=None if value is None else value.value,
                    message=message.replace("{$value}", "" if value is None else value.value),
                    shape=str(shapes.value(check, SH.name)),
                )
            )
    return findings


def validate(quads: list[ox.Quad], shapes_dir: Path | None = None) -> Report:
    """Validate quads against the shapes; returns every violation, warning and info."""
    start = time.perf_counter()
    shapes = load_shapes(shapes_dir)
    store = ox.Store()
    store.extend(quads)
    findings = _shacl_findings(union_graph(quads), shapes) + _query_findings(store, shapes)
    labels = {row["s"].value: row["label"].value for row in store.query(LABEL_QUERY, use_default_graph_as_union=True)}
    for finding in findings:
        finding.label = labels.get(finding.focus)
    return Report(findings, len(quads), time.perf_counter() - start)


def validate_paths(paths: list[Path]) -> Report:
    """Parse files and folders (raising RdfInputError if unreadable) and validate them."""
    return validate(parse_all(collect(paths)))
