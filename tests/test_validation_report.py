"""The report is the SHACL report graph as the engine produced it, with the cross-graph results in it."""

import json

import rdflib
from rdflib.namespace import SH

from tehkg.loader.quality import TEHSH, validate
from tests.test_shapes import ID, M1, variant

XSD_STRING = rdflib.URIRef("http://www.w3.org/2001/XMLSchema#string")
BLANK_AND_CROSS_GRAPH = """tehg:test-plan {
  <plan/2030-2032/measure/1> teh:partner tehorg:ministere-essai ;
    skos:note [ skos:altLabel "Sans langue" ] . }"""


def _results(graph: rdflib.Graph, **where: rdflib.term.Node) -> list[rdflib.term.Node]:
    return [
        r
        for r in graph.subjects(rdflib.RDF.type, SH.ValidationResult)
        if all((r, SH[key], value) in graph for key, value in where.items())
    ]


def test_report_graph_keeps_shapes_components_and_blank_focus_nodes():
    report = validate(variant(add=BLANK_AND_CROSS_GRAPH))
    graph = report.graph
    untagged = [
        r
        for r in _results(graph, sourceConstraintComponent=SH.DatatypeConstraintComponent)
        if isinstance(graph.value(r, SH.focusNode), rdflib.BNode)
    ]
    assert len(untagged) == 1
    result = untagged[0]
    assert graph.value(result, SH.resultPath) == rdflib.URIRef("http://www.w3.org/2004/02/skos/core#altLabel")
    assert graph.value(result, SH.value) == rdflib.Literal("Sans langue", datatype=XSD_STRING)
    assert graph.value(result, SH.resultSeverity) == SH.Violation
    shape = graph.value(result, SH.sourceShape)
    assert isinstance(shape, rdflib.BNode)  # the property shape itself; its node shape names the finding
    assert sorted(f.shape for f in report.findings if f.focus.startswith("_:")) == [
        "No untagged text",
        "Tagged text",  # sh:datatype
        "Tagged text",  # sh:languageIn
    ]


def test_cross_graph_results_are_validation_results_of_the_same_graph():
    report = validate(variant(add=BLANK_AND_CROSS_GRAPH))
    graph = report.graph
    (node,) = graph.subjects(rdflib.RDF.type, SH.ValidationReport)
    assert graph.value(node, SH.conforms) == rdflib.Literal(False)
    (result,) = _results(graph, sourceShape=TEHSH.RoleShortcutsQualified)
    assert (node, SH.result, result) in graph
    assert graph.value(result, SH.sourceConstraintComponent) == SH.SPARQLConstraintComponent
    assert graph.value(result, SH.focusNode) == rdflib.URIRef(M1)
    assert graph.value(result, SH.value) == rdflib.URIRef(ID + "org/ministere-essai")
    assert "disagree" in str(graph.value(result, SH.resultMessage))


def test_renderings_derive_from_the_graph():
    report = validate(variant(add=BLANK_AND_CROSS_GRAPH))
    results = set(report.graph.subjects(rdflib.RDF.type, SH.ValidationResult))
    assert len(report.findings) == len(results) > 0
    whole = rdflib.Graph().parse(data=report.turtle(), format="turtle")
    assert len(whole) == len(report.graph)
    assert len(set(whole.subjects(SH.sourceConstraintComponent))) == len(results)
    assert len(json.loads(report.json())["findings"]) == len(results)
    assert f"VIOLATION {M1}" in report.text()


def test_conforming_data_has_a_conforming_graph():
    report = validate(variant())
    (node,) = report.graph.subjects(rdflib.RDF.type, SH.ValidationReport)
    assert report.graph.value(node, SH.conforms) == rdflib.Literal(True)
