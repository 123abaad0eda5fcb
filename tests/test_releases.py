"""Releases: dated, versioned, canonical dumps (N-Quads, TriG, gzip) listed in the DCAT record with the
size and SHA-256 of the bytes served, the same bytes on every download and for every labelling of the data (the
application in process)."""

import gzip
import hashlib
import random

import pyoxigraph as ox
import pytest
import rdflib

from tehkg import __version__
from tehkg.endpoint.documents.dumps import canonical_nquads, trig_of
from tehkg.loader.store_layout import build_info, current_store
from tehkg.vocab import DATASET_IRI
from tests.conftest import own_path

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
IANA = rdflib.Namespace("http://www.iana.org/assignments/media-types/")
RDF_OF = {"nq": IANA["application/n-quads"], "trig": IANA["application/trig"]}
EXTENSIONS = ("nq.gz", "trig.gz", "nq", "trig")
FORMAT_OF = {"nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}


@pytest.fixture(scope="module")
def distributions(shipped_client) -> dict[str, tuple[rdflib.Graph, rdflib.term.Node]]:
    """The record's distributions by file extension (nq, trig, nq.gz, trig.gz)."""
    response = shipped_client.get("/dataset", headers={"Accept": "text/turtle"}, timeout=60)  # builds every file
    record = rdflib.Graph().parse(data=response.text)
    found = {}
    for dist in record.objects(rdflib.URIRef(DATASET_IRI), DCAT.distribution):
        name = str(record.value(dist, DCAT.downloadURL)).rsplit("/", 1)[-1]
        found[next(ext for ext in EXTENSIONS if name.endswith("." + ext))] = (record, dist)
    return found


def test_record_lists_each_release_file_dated_and_versioned(distributions, shipped_store):
    day = build_info(current_store(shipped_store))["built"][:10]
    assert sorted(distributions) == ["nq", "nq.gz", "trig", "trig.gz"]
    for ext, (record, dist) in distributions.items():
        url = str(record.value(dist, DCAT.downloadURL))
        assert url.endswith(f"/releases/tehkg-{__version__}-{day}.{ext}") and record.value(dist, DCAT.accessURL)
        assert record.value(dist, DCAT.mediaType) == RDF_OF[ext.removesuffix(".gz")]
        assert record.value(dist, DCAT.compressFormat) == (IANA["application/gzip"] if ext.endswith(".gz") else None)
        assert str(record.value(dist, DCT.issued)) == day
    (record, _) = distributions["nq"]
    assert str(record.value(rdflib.URIRef(DATASET_IRI), DCAT.version)) == __version__


@pytest.mark.parametrize("ext", ["nq", "trig", "nq.gz", "trig.gz"])
def test_release_file_is_what_the_record_says_on_every_download(shipped_client, distributions, ext):
    record, dist = distributions[ext]
    url = own_path(str(record.value(dist, DCAT.downloadURL)))
    first, second = shipped_client.get(url), shipped_client.get(url)
    assert first.status_code == 200 and first.content == second.content
    assert int(record.value(dist, DCAT.byteSize)) == len(first.content)
    checksum = record.value(dist, SPDX.checksum)
    assert record.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
    assert str(record.value(checksum, SPDX.checksumValue)) == hashlib.sha256(first.content).hexdigest()
    head = shipped_client.head(url, headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == first.headers["etag"] and head.headers["last-modified"]
    assert int(head.headers["content-length"]) == len(first.content)
    assert shipped_client.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304


def test_release_files_hold_the_same_dataset_as_the_dump(shipped_client, distributions):
    served = {
        ext: shipped_client.get(own_path(str(r.value(d, DCAT.downloadURL)))).content
        for ext, (r, d) in distributions.items()
    }
    assert served["nq"] == shipped_client.get("/dump.nq").content
    assert gzip.decompress(served["nq.gz"]) == served["nq"] and gzip.decompress(served["trig.gz"]) == served["trig"]
    quads = ox.Dataset(ox.parse(served["nq"], format=ox.RdfFormat.N_QUADS))
    trig = ox.Dataset(ox.parse(served["trig"], format=ox.RdfFormat.TRIG))
    assert len(quads) > 10_000 and quads == trig  # the same labels: both canonical
    assert any(isinstance(q.subject, ox.BlankNode) and q.subject.value.startswith("c14n") for q in quads)


def test_an_other_release_is_not_found(shipped_client, distributions):
    url = str(distributions["nq"][0].value(distributions["nq"][1], DCAT.downloadURL))
    for name in ("tehkg-0.0.0-2000-01-01.nq", url.rsplit("/", 1)[-1] + ".zip", url.rsplit("/", 1)[-1][:-3] + ".ttl"):
        response = shipped_client.get("/releases/" + name)
        assert response.status_code == 404 and url.rsplit("/", 1)[-1] in response.text


@pytest.mark.parametrize("ext", ["nq", "trig"])
def test_canonical_bytes_do_not_depend_on_order_or_blank_node_labels(ext):
    ex = "http://example.org/"
    person, address = ox.BlankNode("p"), ox.BlankNode("a")
    quads = [
        ox.Quad(person, ox.NamedNode(ex + "name"), ox.Literal("Ada"), ox.NamedNode(ex + "g1")),
        ox.Quad(person, ox.NamedNode(ex + "address"), address, ox.NamedNode(ex + "g1")),
        ox.Quad(address, ox.NamedNode(ex + "city"), ox.Literal("Paris", language="fr"), ox.NamedNode(ex + "g1")),
        ox.Quad(ox.NamedNode(ex + "doc"), ox.NamedNode(ex + "about"), person, ox.NamedNode(ex + "g2")),
        ox.Quad(ox.NamedNode(ex + "doc"), ox.NamedNode(ex + "title"), ox.Literal("T")),
    ]
    write = canonical_nquads if ext == "nq" else lambda quads: trig_of(canonical_nquads(quads))
    expected = write(quads)
    relabel = {person: ox.BlankNode(), address: ox.BlankNode()}
    for seed in range(5):
        shuffled = [ox.Quad(*(relabel.get(t, t) for t in q)) for q in quads]
        random.Random(seed).shuffle(shuffled)
        assert write(shuffled) == expected
    parsed = ox.Dataset(ox.parse(expected, format=FORMAT_OF[ext]))
    parsed.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    original = ox.Dataset(quads)
    original.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    assert parsed == original  # the same dataset, blank nodes still blank
