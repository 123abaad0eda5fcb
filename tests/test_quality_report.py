"""The published quality report: the SHACL report graph of the served data at a stable IRI (HTML and RDF), the
graph ``tehkg validate --format turtle`` writes, linked from the dataset record with the shapes it conforms to. The
application and the command line in process."""

import re
from collections.abc import Iterator

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.compare import isomorphic
from rdflib.namespace import SH

from tehkg.loader.quality import load_shapes
from tehkg.loader.store_builder import build
from tehkg.vocab import DATASET_IRI, DQV, QUALITY_REPORT_IRI, SHAPES_IRI
from tests.conftest import FIXTURES, PROJECT_ROOT, in_process, tehkg_cli

DCT = rdflib.Namespace("http://purl.org/dc/terms/")


def severities(graph: rdflib.Graph) -> dict[str, int]:
    found = [str(s).rsplit("#", 1)[-1] for s in graph.objects(None, SH.resultSeverity)]
    return {name: found.count(name) for name in ("Violation", "Warning")}


@pytest.fixture(scope="module")
def served_report(shipped_client) -> rdflib.Graph:
    response = shipped_client.get("/quality", headers={"Accept": "text/turtle"}, timeout=120)  # validates
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    return rdflib.Graph().parse(data=response.text, format="turtle")


def test_report_is_the_graph_validate_writes(served_report):
    written = tehkg_cli("validate", "--format", "turtle")
    assert written.returncode == 0, written.stderr
    assert isomorphic(served_report, rdflib.Graph().parse(data=written.stdout, format="turtle"))
    assert (None, SH.conforms, rdflib.Literal(True)) in served_report
    assert severities(served_report)["Warning"] > 0  # the shipped data has warnings: the comparison is not empty


def test_report_in_other_formats_and_cached(shipped_client, served_report):
    ntriples = shipped_client.get("/quality", params={"format": "nt"})
    assert isomorphic(rdflib.Graph().parse(data=ntriples.text, format="nt"), served_report)
    first = shipped_client.get("/quality", headers={"Accept": "text/turtle"})
    assert shipped_client.get("/quality", headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    assert shipped_client.get("/quality", headers={"Accept": "image/png"}).status_code == 406


def test_page_shows_the_verdict_and_every_finding(shipped_client, served_report):
    page = shipped_client.get("/quality", params={"lang": "en"}, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    counts = severities(served_report)
    assert f"{counts['Violation']} violation(s), {counts['Warning']} warning(s)" in page.text
    assert '<strong class="verdict">conform</strong>' in page.text
    rows = re.findall(r"<tr><td>(Violation|Warning|Info)</td>", page.text)
    assert len(rows) == len(set(served_report.subjects(SH.resultSeverity)))
    for focus in set(served_report.objects(None, SH.focusNode)):
        assert f'href="{str(focus).removeprefix("https://w3id.org/tehkg")}?lang=en"' in page.text


def test_record_links_the_report_and_the_shapes(shipped_client):
    record = rdflib.Graph().parse(
        data=shipped_client.get("/dataset", headers={"Accept": "text/turtle"}, timeout=60).text
    )
    ds = rdflib.URIRef(DATASET_IRI)
    assert (ds, DCT.conformsTo, rdflib.URIRef(SHAPES_IRI)) in record
    assert (rdflib.URIRef(SHAPES_IRI), rdflib.RDF.type, DCT.Standard) in record
    assert (ds, rdflib.URIRef(DQV + "hasQualityMetadata"), rdflib.URIRef(QUALITY_REPORT_IRI)) in record
    shapes = rdflib.Graph().parse(data=shipped_client.get("/shapes").text, format="turtle")
    assert isomorphic(shapes, load_shapes()) and len(shapes) > 100
    report = shipped_client.get("/quality", headers={"Accept": "text/turtle"}).text
    assert rdflib.Graph().parse(data=report, format="turtle").value(None, rdflib.RDF.type, SH.ValidationReport)


@pytest.fixture(scope="module")
def invalid_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The endpoint in process over a store built, without the gate, from data that violates the shapes."""
    root = tmp_path_factory.mktemp("invalid") / "store"
    build([PROJECT_ROOT / "ontology", FIXTURES / "invalid"], root, validate=False, log=lambda _: None)
    with in_process(root) as client:
        yield client


def test_violations_are_published(invalid_client):
    graph = rdflib.Graph().parse(
        data=invalid_client.get("/quality", headers={"Accept": "text/turtle"}, timeout=120).text,
        format="turtle",
    )
    assert (None, SH.conforms, rdflib.Literal(False)) in graph
    violations = severities(graph)["Violation"]
    assert violations > 0
    page = invalid_client.get("/quality", params={"lang": "en"}, headers={"Accept": "text/html"}).text
    assert "do NOT conform" in page and f"{violations} violation(s)" in page
    assert page.count("<tr><td>Violation</td>") == violations
