"""Releases: dated, versioned, canonical dumps (N-Quads, TriG, gzip) listed in the DCAT record with the
size and SHA-256 of the bytes served, the same bytes on every download and for every labelling of the data (the
application in process).

And releases a researcher can cite, query again and compare: a build, one fact and one graph changed, a second
build, then each release answers at its own endpoint, the patch between them is exactly the change and turns the old
canonical dump into the new one byte for byte, the Atom feed lists both, the record chains them and still passes the
DCAT-AP 3.0.0 shapes, the landing page's JSON-LD is a schema.org Dataset, and CITATION.cff is valid."""

import gzip
import hashlib
import html
import json
import random
import re
from collections.abc import Iterator
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

import feedparser
import pyoxigraph as ox
import pytest
import rdflib
from cffconvert.cli.create_citation import create_citation

from tehkg import __version__
from tehkg.endpoint.documents.description import DATASET_TITLE
from tehkg.endpoint.documents.dumps import canonical_nquads, trig_of
from tehkg.loader import releases
from tehkg.loader.store_builder import build
from tehkg.loader.store_layout import archived_dump, build_info, current_store
from tehkg.loader.store_layout import releases as kept_releases
from tehkg.vocab import DATASET_IRI, RELEASE_BASE, SCHEMA
from tests.conftest import FIXTURES, PROJECT_ROOT, in_process, own_path, tehkg_cli
from tests.test_dcat_ap import violations

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
ADMS = rdflib.Namespace("http://www.w3.org/ns/adms#")
IANA = rdflib.Namespace("http://www.iana.org/assignments/media-types/")
RDF_OF = {"nq": IANA["application/n-quads"], "trig": IANA["application/trig"]}
EXTENSIONS = ("nq.gz", "trig.gz", "nq", "trig")
FORMAT_OF = {"nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}
SCHEMA_CREATOR = rdflib.URIRef(SCHEMA + "creator")
TEH_ID = "https://w3id.org/tehkg/id/"
TEH_GRAPH = "https://w3id.org/tehkg/graph/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ALT_LABEL_QUERY = f"SELECT ?l WHERE {{ <{TEH_ID}org/direction-essai> <{SKOS}altLabel> ?l }}"
# the change: one fact corrected (an organisation's acronym) and one graph extended (an English label)
OLD_FACT, NEW_FACT = 'skos:altLabel "DE"@fr', 'skos:altLabel "DIRE"@fr'
TRANSLATION = '  <plan/2030-2032/measure/1> skos:prefLabel "Test measure"@en .\n'
NEW_TRANSLATION = '  tehorg:ministere-essai skos:prefLabel "Ministry of testing"@en .\n'
DATASET = (  # what the record needs of the dataset's own description (data/ttl/metadata.trig has the shipped one)
    '  <dataset/tehkg> a void:Dataset, <http://www.w3.org/ns/dcat#Dataset> ; dcterms:title "Graphe d\'essai"@fr ;\n'
    '    dcterms:description "Un graphe d\'essai."@fr .\n'
)
SOURCE_CHANGE = {  # the rows of the patch outside the metadata graph: the change itself, exactly
    f'D <{TEH_ID}org/direction-essai> <{SKOS}altLabel> "DE"@fr <{TEH_GRAPH}test-registry> .',
    f'A <{TEH_ID}org/direction-essai> <{SKOS}altLabel> "DIRE"@fr <{TEH_GRAPH}test-registry> .',
    f'A <{TEH_ID}org/ministere-essai> <{SKOS}prefLabel> "Ministry of testing"@en <{TEH_GRAPH}translations> .',
}


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


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A store root holding two releases of the conforming fixture: the second with one fact changed and one graph
    extended. Returns the root and the two release ids."""
    folder = tmp_path_factory.mktemp("releases")
    sources, root = folder / "sources", folder / "store"
    sources.mkdir()
    text = (FIXTURES / "valid" / "mini.trig").read_text().replace("tehg:metadata {\n", "tehg:metadata {\n" + DATASET, 1)
    assert OLD_FACT in text and TRANSLATION in text and DATASET in text
    (sources / "mini.trig").write_text(text)
    build([PROJECT_ROOT / "ontology", sources], root, log=lambda _: None)
    (sources / "mini.trig").write_text(
        text.replace(OLD_FACT, NEW_FACT).replace(TRANSLATION, TRANSLATION + NEW_TRANSLATION)
    )
    build([PROJECT_ROOT / "ontology", sources], root, log=lambda _: None)
    old, new = kept_releases(root)
    return root, old.id, new.id


def modified(two_releases) -> int:
    """1 when the two builds fell in different seconds (the record's dcterms:modified changed with them), else 0."""
    old, new = kept_releases(two_releases[0])
    return int(old.built != new.built)


def counts(two_releases) -> tuple[int, int]:
    """The quads the second release added and removed: the change, the build's triple counts (the dataset's, the
    translations graph's, a property partition's) and, when it changed, the modification time."""
    return 2 + 3 + modified(two_releases), 1 + 3 + modified(two_releases)


@pytest.fixture(scope="module")
def client(two_releases) -> Iterator:
    with in_process(two_releases[0]) as client:
        yield client


def query(client, path: str, text: str) -> tuple[list[str], dict]:
    accept = {"Accept": "application/sparql-results+json"}
    response = client.get(path, params={"query": text}, headers=accept, timeout=60)  # the first starts the workers
    assert response.status_code == 200, response.text
    return [b["l"]["value"] for b in response.json()["results"]["bindings"]], response.headers


def test_both_releases_answer_at_their_own_endpoints_with_their_own_answers(client, two_releases):
    _, old, new = two_releases
    assert query(client, f"/releases/{old}/sparql", ALT_LABEL_QUERY)[0] == ["DE"]
    assert query(client, f"/releases/{new}/sparql", ALT_LABEL_QUERY)[0] == ["DIRE"]
    labels, headers = query(client, "/sparql", ALT_LABEL_QUERY)
    assert labels == ["DIRE"] and headers["tehkg-release"] == new
    labels, headers = query(client, f"/releases/{old}/sparql", ALT_LABEL_QUERY)
    built = datetime.fromisoformat(kept_releases(two_releases[0])[0].built)
    assert headers["tehkg-release"] == old and headers["memento-datetime"] == format_datetime(built, usegmt=True)
    cross_origin = client.get("/sparql", params={"query": ALT_LABEL_QUERY}, headers={"Origin": "https://example.org"})
    assert "tehkg-release" in cross_origin.headers["access-control-expose-headers"].lower()


def test_an_unknown_release_is_a_404_naming_the_kept_ones(client, two_releases):
    _, old, new = two_releases
    response = client.get("/releases/0.0.0-1999-01-01/sparql", params={"query": ALT_LABEL_QUERY})
    assert response.status_code == 404
    assert response.json()["message"] == f"no release '0.0.0-1999-01-01'; kept releases: {old}, {new}"


def test_a_release_endpoint_without_a_query_describes_that_release(client, two_releases):
    _, old, _ = two_releases
    response = client.get(f"/releases/{old}/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["tehkg-release"] == old
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert {str(e) for e in graph.objects(None, sd.endpoint)} == {f"http://testserver/releases/{old}/sparql"}


def test_the_patch_is_exactly_the_change_and_turns_the_old_dump_into_the_new(client, two_releases):
    _, old, new = two_releases
    old_dump = client.get(f"/releases/{old}/tehkg-{old}.nq").content
    new_dump = client.get(f"/releases/{new}/tehkg-{new}.nq").content
    head = client.head(f"/releases/{old}/tehkg-{old}.nq", headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(old_dump)
    assert new_dump == client.get("/dump.nq").content  # the served release's dump is the newest release's
    patch = client.get(f"/releases/{new}/changes.rdfp")
    assert patch.status_code == 200 and patch.headers["content-type"] == "application/rdf-patch"
    rows = patch.content.decode().splitlines()
    assert rows[:3] == [f"H id <{RELEASE_BASE}{new}> .", f"H prev <{RELEASE_BASE}{old}> .", "TX ."]
    assert rows[-1] == "TC ."
    data_rows = {r for r in rows[3:-1] if not r.endswith(f"<{TEH_GRAPH}metadata> .")}
    assert data_rows == SOURCE_CHANGE
    # the metadata graph changes only by the statistics the build computes (triple counts, modification time)
    metadata = [r for r in rows[3:-1] if r.endswith(f"<{TEH_GRAPH}metadata> .")]
    assert len(metadata) == 6 + 2 * modified(two_releases)
    assert {r.split(" ")[2] for r in metadata} - {"<http://purl.org/dc/terms/modified>"} == {
        "<http://rdfs.org/ns/void#triples>"
    }
    assert releases.apply_patch(old_dump, patch.content) == new_dump
    assert gzip.decompress(client.get(f"/releases/{old}/tehkg-{old}.nq.gz").content) == old_dump
    summary = client.get(f"/releases/{new}/changes.json").json()
    assert summary["graphs"][f"{TEH_GRAPH}test-registry"] == {"added": 1, "removed": 1}
    assert summary["graphs"][f"{TEH_GRAPH}translations"] == {"added": 1, "removed": 0}
    assert f"{TEH_ID}org/direction-essai" in summary["entities"]["changed"]
    assert client.get(f"/releases/{old}/changes.rdfp").status_code == 404  # the first kept: nothing before it


def test_a_patch_that_does_not_apply_is_refused(client, two_releases):
    _, old, new = two_releases
    new_dump = client.get(f"/releases/{new}/tehkg-{new}.nq").content
    patch = client.get(f"/releases/{new}/changes.rdfp").content
    with pytest.raises(releases.PatchError, match="row 4: deletes a quad the dataset does not hold"):
        releases.apply_patch(new_dump, patch)


def test_the_atom_feed_lists_both_releases_with_what_changed(client, two_releases):
    _, old, new = two_releases
    response = client.get("/releases.atom")
    assert response.headers["content-type"] == "application/atom+xml"
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert [e.id for e in feed.entries] == [RELEASE_BASE + new, RELEASE_BASE + old]
    assert (
        feed.entries[0].summary.startswith(
            f"Depuis {old} : {counts(two_releases)[0]} déclarations ajoutées, {counts(two_releases)[1]} retirées."
        )
        or (feed.entries[0].summary) == ""
    )
    assert f"{TEH_GRAPH}translations" in feed.entries[0].summary
    assert feed.entries[1].summary == "La première version conservée."


def test_the_record_chains_the_releases_and_passes_the_dcat_ap_shapes(client, two_releases):
    _, old, new = two_releases
    response = client.get("/dataset", headers={"Accept": "text/turtle"})
    record = rdflib.Graph().parse(data=response.text, format="turtle")
    old_iri, new_iri = rdflib.URIRef(RELEASE_BASE + old), rdflib.URIRef(RELEASE_BASE + new)
    ds = rdflib.URIRef(DATASET_IRI)
    assert set(record.objects(ds, DCAT.hasVersion)) == {old_iri, new_iri}
    assert record.value(ds, DCAT.hasCurrentVersion) == new_iri
    assert record.value(new_iri, DCAT.previousVersion) == old_iri
    assert record.value(old_iri, DCAT.previousVersion) is None
    assert str(record.value(new_iri, DCAT.version)) == new
    assert str(record.value(new_iri, ADMS.versionNotes)).startswith(
        f"Since {old}: {counts(two_releases)[0]} quads added, {counts(two_releases)[1]} removed."
    )
    assert {str(c) for c in record.objects(new_iri, DCT.creator)} == {
        "https://w3id.org/tehkg/id/org/tehkg-editors",
        f"{TEH_ID}org/ministere-essai",
    }
    found, text = violations(record)
    assert found == [], text


def test_the_landing_page_carries_a_schema_org_dataset_and_a_citation(client, two_releases):
    _, _, new = two_releases
    page = client.get("/", headers={"Accept": "text/html"}).text
    opening = '<script type="application/ld+json" id="dataset-jsonld">'
    start = page.index(opening) + len(opening)
    data = page[start : page.index("</script>", start)]
    graph = rdflib.Graph().parse(data=data, format="json-ld")
    release = rdflib.URIRef(RELEASE_BASE + new)
    assert (release, rdflib.RDF.type, rdflib.URIRef(SCHEMA + "Dataset")) in graph
    assert str(graph.value(release, rdflib.URIRef(SCHEMA + "version"))) == new
    creators = ["Éditeurs de tehkg", "Ministère de l'essai"]
    names = {str(graph.value(c, rdflib.URIRef(SCHEMA + "name"))) for c in graph.objects(release, SCHEMA_CREATOR)}
    assert names == set(creators)
    box = {
        m.group(1): html.unescape(m.group(2))
        for m in re.finditer(r"<summary>([\w-]+)</summary><pre>(.*?)</pre>", page, re.S)
    }
    day = kept_releases(two_releases[0])[-1].day
    assert json.loads(box["CSL-JSON"]) == [
        {
            "id": RELEASE_BASE + new,
            "type": "dataset",
            "title": DATASET_TITLE,
            "author": [{"literal": name} for name in creators],
            "version": new,
            "URL": RELEASE_BASE + new,
            "publisher": "Éditeurs de tehkg",
            "license": "https://creativecommons.org/licenses/by/4.0/",
            "issued": {"date-parts": [[int(part) for part in day.split("-")]]},
        }
    ]
    key = "tehkg_" + new.replace("-", "_").replace(".", "_")
    assert box["BibTeX"].startswith(f"@misc{{{key},\n  title = {{{{{DATASET_TITLE}}}}},\n")
    assert f"  version = {{{new}}},\n  url = {{{RELEASE_BASE}{new}}}," in box["BibTeX"]


def test_an_entity_page_says_in_which_release_it_changed(client, two_releases):
    _, _, new = two_releases
    page = client.get("/id/org/direction-essai", headers={"Accept": "text/html"}).text
    assert f"modifié dans la version {new}" in page
    assert "&#34;DIRE&#34;@fr" in page and "&#34;DE&#34;@fr" in page


def test_the_releases_page_lists_both_releases(client, two_releases):
    _, old, new = two_releases
    page = client.get("/releases", headers={"Accept": "text/html"}).text
    assert page.index(f'id="{new}"') < page.index(f'id="{old}"')
    assert f'href="/releases/{old}/sparql?lang=fr"' in page


def test_tehkg_diff_prints_the_summary_and_writes_the_same_patch(client, two_releases, tmp_path):
    root, old, new = two_releases
    old_dump, new_dump = tmp_path / "old.nq", tmp_path / "new.nq"
    old_dump.write_bytes(client.get(f"/releases/{old}/tehkg-{old}.nq").content)
    new_dump.write_bytes(client.get(f"/releases/{new}/tehkg-{new}.nq").content)
    done = tehkg_cli("diff", str(old_dump), str(new_dump), "--patch", str(tmp_path / "p.rdfp"))
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.splitlines()[0]
        == f"{old_dump} -> {new_dump}: {counts(two_releases)[0]} quads added, {counts(two_releases)[1]} removed"
    )
    assert releases.apply_patch(old_dump.read_bytes(), (tmp_path / "p.rdfp").read_bytes()) == new_dump.read_bytes()
    by_id = tehkg_cli("diff", old, "current", "--store", str(root), "--format", "json")
    assert json.loads(by_id.stdout)["graphs"] == client.get(f"/releases/{new}/changes.json").json()["graphs"]
    missing = tehkg_cli("diff", "nowhere.nq", new, "--store", str(root))
    assert missing.returncode == 2 and "nowhere.nq: no such file, store or release" in missing.stderr


def test_prune_keeps_the_newest_and_the_dump_of_the_removed(tmp_path):
    root = tmp_path / "store"
    for _ in range(3):
        build([FIXTURES / "protocol.trig"], root, validate=False, log=lambda _: None)
    first, second, third = kept_releases(root)
    before = releases.store_nquads(first.directory)
    refused = tehkg_cli("releases", "prune", "--store", str(root), "--keep", "0")
    assert refused.returncode == 2 and "--keep must be at least 1" in refused.stderr
    assert len(kept_releases(root)) == 3
    done = tehkg_cli("releases", "prune", "--store", str(root), "--keep", "2")
    assert done.returncode == 0 and done.stdout == "1 release(s) removed, 2 kept\n"
    assert [r.id for r in kept_releases(root)] == [second.id, third.id]
    assert current_store(root) == third.directory
    kept = archived_dump(root, first.id)
    assert kept is not None and gzip.decompress(kept.read_bytes()) == before
    with in_process(root) as client:
        assert client.get(f"/releases/{first.id}/tehkg-{first.id}.nq").content == before
        response = client.get(f"/releases/{first.id}/sparql", params={"query": "ASK {}"})
        assert response.status_code == 404
    listed = tehkg_cli("releases", "list", "--store", str(root))
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == [second.id, third.id]


def test_citation_cff_is_valid_and_names_the_package_version():
    citation = create_citation(str(PROJECT_ROOT / "CITATION.cff"), None)
    citation.validate()  # raises when the file breaks the Citation File Format schema
    assert citation.cffobj["type"] == "dataset" and citation.cffobj["version"] == __version__


def test_a_release_iri_leads_people_to_its_entry_and_machines_to_the_record(client, two_releases):
    _, old, _ = two_releases
    page = client.get(f"/releases/{old}", headers={"Accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"] == f"http://testserver/releases#{old}"
    data = client.get(f"/releases/{old}", headers={"Accept": "text/turtle"})
    assert data.status_code == 303 and data.headers["location"] == "http://testserver/dataset"


def test_citation_cff_names_the_creators_the_served_citation_names(shipped_client):
    """CITATION.cff is written by hand: it must credit whom the record credits (the editors and the source
    documents' authors), as the landing page's CSL-JSON lists them."""
    page = shipped_client.get("/", headers={"Accept": "text/html"}, timeout=60).text
    csl = html.unescape(re.search(r"<summary>CSL-JSON</summary><pre>(.*?)</pre>", page, re.S).group(1))
    served = {author["literal"] for author in json.loads(csl)[0]["author"]}
    authors = create_citation(str(PROJECT_ROOT / "CITATION.cff"), None).cffobj["authors"]
    named = {a.get("name") or f"{a['given-names']} {a['family-names']}" for a in authors}
    assert named == served
