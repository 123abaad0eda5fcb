"""Relations in prose: every organisation a stored text names is linked from the node whose text names it, with
its passage, and every organisation of the registry takes part in a document (loader/mentions.py)."""

import csv
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from tehkg.loader import mentions
from tehkg.loader.quality import load_shapes, validate
from tehkg.loader.rdf_files import collect, parse_all
from tehkg.resources import ontology_dir, shipped_sources

FIXTURES = Path(__file__).parent / "fixtures" / "mentions"
MINI = Path(__file__).parent / "fixtures" / "valid" / "mini.trig"
ID = "https://w3id.org/tehkg/id/"

# The question of the issue, as it was counted (59 before this work): organisations of the registry that take
# part in no statement of any document's graph, types, labels and the ORG hierarchy aside.
ORPHANS_AS_COUNTED = """
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?o WHERE {
  GRAPH <https://w3id.org/tehkg/graph/organisations> { ?o a org:Organization }
  FILTER NOT EXISTS {
    GRAPH ?g { { ?o ?p ?x } UNION { ?x ?p ?o } }
    FILTER(?g NOT IN (<https://w3id.org/tehkg/graph/organisations>, <https://w3id.org/tehkg/graph/translations>,
                      <https://w3id.org/tehkg/graph/metadata>, <https://w3id.org/tehkg/graph/ontology>))
    FILTER(?p NOT IN (rdf:type, skos:prefLabel, skos:altLabel, org:subOrganizationOf, org:classification))
  }
} ORDER BY ?o
"""

# Prose links whose passage names the organisation in words that are not one of its names: a coordinated form
# (« la police et de la gendarmerie nationales »), a short form (« un comité de coordination », « la Mairie »).
NAMED_OTHERWISE = {
    ("assessment/cncdh-2017/measure/2", "org/police-nationale"): "la police et de la gendarmerie nationales",
    ("assessment/cncdh-2017/measure/11", "org/ville-de-paris"): "la Mairie et le Conseil départemental de Paris",
    ("plan/2014-2016/measure/2", "org/police-nationale"): "les personnels de la police et de la gendarmerie nationales",
    ("plan/2014-2016/measure/10", "org/police-nationale"): "enquêteurs spécialisés de la police et de la gendarmerie",
    ("plan/2014-2016/measure/14", "org/police-nationale"): "officiers de liaisons Gendarmerie/ Police",
    ("question/an-15/24191/answer/claim/15", "org/comite-coordination-miprof"): "un comité de coordination",
}


@pytest.fixture(scope="module")
def shipped() -> ox.Store:
    store = ox.Store()
    store.extend(parse_all(collect(shipped_sources())))
    return store


def load(*paths: Path) -> ox.Store:
    store = ox.Store()
    store.extend(parse_all(collect(list(paths))))
    return store


# ------------------------------------------------------------------------------------------ shipped data


def test_no_organisation_of_the_registry_is_left_out(shipped):
    assert [r["o"].value for r in shipped.query(ORPHANS_AS_COUNTED)] == []
    assert mentions.orphans(shipped) == []


def test_every_mention_in_the_shipped_texts_is_linked(shipped):
    findings = mentions.check(shipped)
    assert [m.line() for m in findings.unlinked] == []
    assert findings.orphans == []


def test_the_scanner_reads_the_shipped_texts(shipped):
    found = mentions.mentions(shipped)
    assert len(found) > 1000
    ocrteh = {(m.node, m.words) for m in found if m.organisation == ID + "org/ocrteh"}
    assert (ID + "plan/2019-2021/measure/31", "Ocreth") in ocrteh  # the plan's misspelling, an altLabel


def test_each_exception_is_still_needed_and_says_why(shipped):
    exceptions = mentions.load_exceptions()
    organisations = {r["o"].value for r in mentions.select(shipped, mentions.ORGANISATIONS)}
    unlinked = {(m.node, m.organisation) for m in mentions.mentions(shipped) if not m.linked}
    assert exceptions.pairs or exceptions.organisations
    for (node, org), reason in exceptions.pairs.items():
        assert org in organisations and len(reason) > 20
        assert (node, org) in unlinked, f"stale exception: {node} {org}"
    for org, reason in exceptions.organisations.items():
        assert org in organisations and len(reason) > 20


def test_the_exception_file_refuses_a_row_without_reason(tmp_path):
    bad = tmp_path / "exceptions.csv"
    bad.write_text("organisation,node,reason\norg/ocrteh,,\n")
    with pytest.raises(ValueError, match="reason"):
        mentions.load_exceptions(bad)
    good = tmp_path / "good.csv"
    with good.open("w", newline="") as stream:
        csv.writer(stream).writerows([["organisation", "node", "reason"], ["org/x", "plan/y", "because"]])
    assert mentions.load_exceptions(good).pairs == {(ID + "plan/y", ID + "org/x"): "because"}


def test_every_prose_link_cites_a_passage_that_names_the_organisation(shipped):
    """Each relation in prose (teh:mentions and its sub-properties) is in a document graph, and a passage the
    node cites there quotes one of the organisation's names (or the words listed in NAMED_OTHERWISE)."""
    rows = shipped.query(
        """PREFIX teh: <https://w3id.org/tehkg/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX oa: <http://www.w3.org/ns/oa#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?g ?node ?org (GROUP_CONCAT(DISTINCT ?quote; separator="\\u0001") AS ?quotes)
               (GROUP_CONCAT(DISTINCT ?name; separator="\\u0001") AS ?names) WHERE {
          ?relation rdfs:subPropertyOf* teh:mentions .
          GRAPH ?g { ?node ?relation ?org OPTIONAL { ?node teh:passage/oa:hasSelector/oa:exact ?quote } }
          ?org skos:prefLabel|skos:altLabel|skos:notation ?name FILTER(lang(?name) != "en")
        } GROUP BY ?g ?node ?org""",
        use_default_graph_as_union=True,
    )
    documents = set(mentions.document_graphs(shipped))
    checked, missing = 0, []
    for row in rows:
        node, org = row["node"].value[len(ID) :], row["org"].value[len(ID) :]
        quotes = [mentions.fold(q) for q in row["quotes"].value.split("\u0001") if q]
        names = [mentions.fold(n) for n in row["names"].value.split("\u0001")] + [
            mentions.fold(NAMED_OTHERWISE.get((node, org), "\u0002"))
        ]
        assert row["g"].value in documents, (node, org)
        if not any(name in quote for name in names for quote in quotes):
            missing.append((node, org))
        checked += 1
    assert checked > 300
    assert missing == []


# ------------------------------------------------------------------------------------------ fixtures


def test_a_linked_text_gives_no_finding_once_the_parent_is_excused():
    store = load(FIXTURES / "linked.trig")
    found = mentions.mentions(store)
    # « ministère de l'Essai (DE) »: the parent is covered by its service's role; « Ocesse » by teh:actor;
    # the group « associations » is not scanned in prose
    assert {(m.organisation[len(ID) :], m.words, m.linked) for m in found if "description" in m.predicate} == {
        ("org/ministere-essai", "ministère de l'Essai", True),
        ("org/direction-essai", "DE", True),
        ("org/office-essai", "Ocesse", True),
    }
    bare = mentions.check(store, mentions.Exceptions())
    assert bare.unlinked == [] and bare.orphans == [ID + "org/ministere-essai"]
    excused = mentions.Exceptions(organisations={ID + "org/ministere-essai": "named only as the parent of the DE"})
    assert mentions.check(store, excused) == mentions.Findings([], [])


def test_an_organisation_named_but_not_linked_is_listed():
    findings = mentions.check(load(FIXTURES / "unlinked.trig"), mentions.Exceptions())
    assert {(m.node, m.organisation, m.words) for m in findings.unlinked} == {
        (ID + "plan/essai/measure/1", ID + "org/office-essai", "Ocesse")
    }
    assert {m.predicate.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for m in findings.unlinked} == {"description", "exact"}
    assert ID + "org/office-essai" in findings.orphans
    pair = mentions.Exceptions(pairs={(ID + "plan/essai/measure/1", ID + "org/office-essai"): "a test"})
    assert mentions.check(load(FIXTURES / "unlinked.trig"), pair).unlinked == []


def test_an_organisation_linked_to_nothing_is_an_orphan():
    findings = mentions.check(load(FIXTURES / "orphan.trig"), mentions.Exceptions())
    assert findings.unlinked == []
    assert findings.orphans == [ID + "org/agence-oubliee"]


def test_the_worklist_command(capsys):
    def run(*args: str) -> subprocess.CompletedProcess:
        """``python -m tehkg.loader.mentions ARGS``, in process."""
        code = mentions.main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    listed = run(str(FIXTURES / "unlinked.trig"))
    assert listed.returncode == 1
    assert "plan/essai/measure/1\torg/office-essai\t« Ocesse »\tdescription\tgraph:essai" in listed.stdout
    assert "orphan\torg/office-essai" in listed.stdout
    clean = run()
    assert clean.returncode == 0, clean.stdout
    assert clean.stderr.strip().endswith("0 unlinked mention(s), 0 orphan organisation(s)")


def test_results_for_the_gate_carry_the_declared_severity_and_message():
    shapes = load_shapes()
    store = load(FIXTURES / "unlinked.trig")
    report = rdflib.Graph()
    node = rdflib.BNode()
    report.add((node, rdflib.RDF.type, rdflib.SH.ValidationReport))
    assert mentions.add_results(report, store, shapes) == 3  # the mention (once), two orphans
    messages = {str(m) for m in report.objects(None, rdflib.SH.resultMessage)}
    assert "This text names org/office-essai (« Ocesse ») but its node does not link it in this graph" in messages
    severities = {
        str(report.value(result, rdflib.SH.sourceShape)).rsplit("#", 1)[-1]: report.value(
            result, rdflib.SH.resultSeverity
        )
        for result in report.objects(node, rdflib.SH.result)
    }
    assert severities == {"MentionsLinked": rdflib.SH.Warning, "OrganisationsTakePart": rdflib.SH.Violation}


# ------------------------------------------------------------------------------------------ the shape


def test_a_relation_in_prose_without_passage_is_a_violation():
    head = MINI.read_text().split("tehg:metadata {")[0]
    quads = parse_all(collect([ontology_dir(), MINI]))
    assert validate(quads).conforms
    with_passage = ox.parse(
        head + "tehg:test-plan { <plan/2030-2032/measure/1> teh:mentions tehorg:ministere-essai . }",
        format=ox.RdfFormat.TRIG,
    )
    report = validate(quads + list(with_passage))
    assert report.conforms, report.text()  # the measure cites its passage in the graph
    bare = ox.parse(
        head + "tehg:test-registry { <plan/2030-2032/axis/1> teh:actor tehorg:ministere-essai . }",
        format=ox.RdfFormat.TRIG,
    )
    report = validate(quads + list(bare))
    hits = [f for f in report.findings if f.shape == "Relations in prose carry their passage"]
    assert not report.conforms and [h.focus for h in hits] == [ID + "plan/2030-2032/axis/1"], report.text()
