"""The dataset record served (by the application in process) passes the official DCAT-AP 3.0.0 shapes, and its
distributions describe the exact bytes the dump route serves."""

import hashlib
from pathlib import Path

import pytest
import rdflib
from pyshacl import validate

from tehkg.vocab import DATASET_IRI
from tests.conftest import own_path

SHAPES = Path(__file__).parent / "reference" / "dcat-ap-3.0.0" / "dcat-ap-SHACL.ttl"  # the published shapes
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")


@pytest.fixture(scope="module")
def record(shipped_client) -> rdflib.Graph:
    response = shipped_client.get("/dataset", headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200, response.text
    return rdflib.Graph().parse(data=response.text, format="turtle")


SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


def violations(record: rdflib.Graph) -> tuple[list[tuple[str, str]], str]:
    """The (focus node, path) of each violation of the DCAT-AP 3.0.0 shapes, and the report's text."""
    shapes = rdflib.Graph().parse(SHAPES, format="turtle")
    _, report, text = validate(record, shacl_graph=shapes, inference="none", allow_warnings=True)
    found = [
        (str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultPath)))
        for r in report.subjects(SH.resultSeverity, SH.Violation)
    ]
    return found, text


def test_record_conforms_to_dcat_ap_3(record):
    found, text = violations(record)
    assert found == [], text


def test_shapes_reject_a_record_without_a_title(record):
    """The shapes are read and enforced: the same record without the dataset's titles violates them there."""
    broken = rdflib.Graph()
    for triple in record:
        broken.add(triple)
    broken.remove((rdflib.URIRef(DATASET_IRI), DCT.title, None))
    found, text = violations(broken)
    assert found == [(DATASET_IRI, str(DCT.title))], text


def test_record_has_what_portals_harvest(record):
    ds = rdflib.URIRef(DATASET_IRI)
    catalogs = list(record.subjects(DCAT.dataset, ds))
    assert len(catalogs) == 1 and (catalogs[0], rdflib.RDF.type, DCAT.Catalog) in record
    assert {t.language for t in record.objects(ds, DCT.title)} == {"fr", "en"}
    assert {t.language for t in record.objects(ds, DCT.description)} == {"fr", "en"}
    assert {t.language for t in record.objects(ds, DCAT.keyword)} == {"fr", "en"}
    assert rdflib.URIRef("http://publications.europa.eu/resource/authority/country/FRA") in set(
        record.objects(ds, DCT.spatial)
    )
    period = record.value(ds, DCT.temporal)
    assert str(record.value(period, DCAT.startDate)) == "2014-01-29"
    assert str(record.value(period, DCAT.endDate)) == "2019-11-19"
    service = record.value(catalogs[0], DCAT.service)
    assert record.value(service, DCAT.servesDataset) == ds
    assert str(record.value(service, DCAT.endpointURL)).endswith("/sparql")


def test_distribution_describes_the_served_bytes(shipped_client, record):
    ds = rdflib.URIRef(DATASET_IRI)
    distributions = list(record.objects(ds, DCAT.distribution))
    assert {str(record.value(d, DCAT.mediaType)).rsplit("/", 1)[-1] for d in distributions} == {"n-quads", "trig"}
    for dist in distributions:
        body = shipped_client.get(own_path(str(record.value(dist, DCAT.downloadURL)))).content
        assert int(record.value(dist, DCAT.byteSize)) == len(body)
        checksum = record.value(dist, SPDX.checksum)
        assert record.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(record.value(checksum, SPDX.checksumValue)) == hashlib.sha256(body).hexdigest()
