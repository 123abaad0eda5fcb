"""Each shape: the conforming fixture passes; a non-conforming variant fails on the expected node."""

from pathlib import Path

import pyoxigraph as ox
import pytest

from tehkg.loader.quality import validate
from tehkg.loader.rdf_files import collect, parse_all
from tehkg.resources import ontology_dir
from tests.conftest import tehkg_cli

FIXTURE = Path(__file__).parent / "fixtures" / "valid" / "mini.trig"
ID = "https://w3id.org/tehkg/id/"
M1 = ID + "plan/2030-2032/measure/1"
HEADER = FIXTURE.read_text().split("tehg:metadata {")[0]
SKOS = "http://www.w3.org/2004/02/skos/core#"
TEH = "https://w3id.org/tehkg/ontology#"


def variant(remove: list[tuple[str, str]] = (), add: str = "") -> list[ox.Quad]:
    """The fixture (with the ontology) minus triples matching (subject, predicate), plus TriG ``add``."""
    quads = parse_all(collect([ontology_dir(), FIXTURE]))
    quads = [q for q in quads if not any(q.subject.value == s and q.predicate.value == p for s, p in remove)]
    if add:
        quads += list(ox.parse(HEADER + add, format=ox.RdfFormat.TRIG))
    return quads


def test_fixture_conforms():
    report = validate(variant())
    assert report.conforms, report.text()


CASES = [
    ("measure without number", [(M1, SKOS + "notation")], "", "Measure", M1, "exactly one number"),
    (
        "measure in two sections",
        [],
        """tehg:test-plan {
        <plan/2030-2032/action/2> a teh:Action ; skos:notation "2" ; skos:prefLabel "Action 2"@fr ;
          teh:isComponentOf <plan/2030-2032/axis/1> .
        <plan/2030-2032/measure/1> teh:isComponentOf <plan/2030-2032/action/2> . }""",
        "Measure",
        M1,
        "exactly one section",
    ),
    (
        "untagged label",
        [],
        'tehg:test-plan { <plan/2030-2032/measure/1> skos:altLabel "Sans langue" . }',
        "Tagged text",
        M1,
        "must be tagged",
    ),
    (
        "two French preferred labels",
        [],
        'tehg:test-plan { <plan/2030-2032/measure/1> skos:prefLabel "Autre"@fr . }',
        "Preferred labels",
        M1,
        "at most one per language",
    ),
    (
        "no French label",
        [(ID + "plan/2030-2032/axis/1", SKOS + "prefLabel")],
        'tehg:translations { <plan/2030-2032/axis/1> skos:prefLabel "Axis"@en . }',
        "Preferred labels",
        ID + "plan/2030-2032/axis/1",
        "no French preferred label",
    ),
    (
        "assessment with unknown status",
        [(ID + "assessment/test/measure/1", TEH + "status")],
        "tehg:test-plan { <assessment/test/measure/1> teh:status <concept/implementation-status/unknown> . }",
        "Assessment",
        ID + "assessment/test/measure/1",
        "implementation-status",
    ),
    (
        "pilot that is not an organisation",
        [],
        """tehg:test-plan {
        <plan/2030-2032/measure/1> teh:pilot <plan/2030-2032> ;
          cv:hasParticipation <plan/2030-2032/measure/1/participation/pilot/x> .
        <plan/2030-2032/measure/1/participation/pilot/x> a cv:Participation ;
          cv:role <concept/role/pilot> ; cv:hasParticipant <plan/2030-2032> . }""",
        "Measure",
        M1,
        "pilot must be an organisation",
    ),
    (
        "measure IRI outside the base",
        [],
        """tehg:test-plan {
        <http://example.org/m/1> a teh:Measure ; skos:notation "1" ; skos:prefLabel "Hors base"@fr ;
          teh:isComponentOf <plan/2030-2032/action/1> ; teh:inPlan <plan/2030-2032> . }""",
        "Measure",
        "http://example.org/m/1",
        "measure IRI must be",
    ),
    (
        "participation without role",
        [(ID + "plan/2030-2032/measure/1/participation/pilot/direction-essai", "http://data.europa.eu/m8g/role")],
        "",
        "Participation",
        ID + "plan/2030-2032/measure/1/participation/pilot/direction-essai",
        "exactly one role",
    ),
    (
        "organisation without name",
        [(ID + "org/ministere-essai", SKOS + "prefLabel")],
        "",
        "Organisation",
        ID + "org/ministere-essai",
        "needs a name",
    ),
    (
        "section without parent",
        [(ID + "plan/2030-2032/axis/1", TEH + "isComponentOf")],
        "",
        "Plan section",
        ID + "plan/2030-2032/axis/1",
        "belongs to exactly one plan",
    ),
    (
        "plan without notation",
        [(ID + "plan/2030-2032", SKOS + "notation")],
        "",
        "Action plan",
        ID + "plan/2030-2032",
        "exactly one notation",
    ),
    (
        "recommendation without text",
        [(ID + "recommendation/test/measure/1/1", "http://www.w3.org/ns/oa#bodyValue")],
        "",
        "Recommendation, finding, proposal",
        ID + "recommendation/test/measure/1/1",
        "exactly one text",
    ),
    (
        "date that is not a date",
        [],
        'tehg:test-registry { <legal/fr/code-essai> eli:date_document "2030" . }',
        "Legal resource",
        ID + "legal/fr/code-essai",
        "xsd:date",
    ),
    (
        "article outside any code",
        [(ID + "legal/fr/code-essai/art/1", "http://data.europa.eu/eli/ontology#is_part_of")],
        "",
        "Legal subdivision",
        ID + "legal/fr/code-essai/art/1",
        "part of",
    ),
    (
        "unknown ratification status",
        [(ID + "legal/int/convention-essai", TEH + "ratificationStatus")],
        "tehg:test-registry { <legal/int/convention-essai> teh:ratificationStatus <concept/ratification-status/maybe> . }",
        "International instrument",
        ID + "legal/int/convention-essai",
        "ratification status",
    ),
    (
        "citation of something not legal",
        [],
        "tehg:test-plan { <plan/2030-2032/measure/1> teh:refersTo <plan/2030-2032> . }",
        "Citation",
        M1,
        "legal resource",
    ),
    (
        "source document without date",
        [(ID + "doc/test-plan", "http://purl.org/dc/terms/issued")],
        "",
        "Source document",
        ID + "doc/test-plan",
        "one date",
    ),
    (
        "passage without source",
        [(ID + "doc/test-plan/passage/measure-1", "http://www.w3.org/ns/oa#hasSource")],
        "",
        "Passage",
        ID + "doc/test-plan/passage/measure-1",
        "exactly one source document",
    ),
    (
        "observation without value",
        [(ID + "observation/test/2030", "http://purl.org/linked-data/sdmx/2009/measure#obsValue")],
        "",
        "Statistical observation",
        ID + "observation/test/2030",
        "numeric value",
    ),
    (
        "dataset without source",
        [(ID + "dataset/test", "http://purl.org/dc/terms/source")],
        "",
        "Statistical dataset",
        ID + "dataset/test",
        "source document",
    ),
    (
        "graph not described",
        [],
        'tehg:undescribed { <plan/2030-2032> skos:note "Note"@fr . }',
        "Named graphs described",
        "https://w3id.org/tehkg/graph/undescribed",
        "not described",
    ),
    (
        "passage from another document",
        [],
        """tehg:test-plan {
        <plan/2030-2032/axis/1> teh:passage <doc/other/passage/1> .
        <doc/other/passage/1> a teh:Passage ; oa:hasSource <doc/other> ; teh:locator "Ailleurs"@fr . }
        tehg:metadata { <doc/other> a teh:SourceDocument ; dcterms:title "Autre"@fr ;
          dcterms:creator tehorg:ministere-essai ; dcterms:issued "2030-02-01"^^xsd:date . }""",
        "Passages trace to the graph's document",
        ID + "doc/other/passage/1",
        "not the document",
    ),
    (
        "English in a document graph",
        [],
        'tehg:test-plan { <plan/2030-2032/axis/1> skos:altLabel "Axis"@en . }',
        "Translations kept apart",
        ID + "plan/2030-2032/axis/1",
        "English text in a document graph",
    ),
    (
        "another language",
        [],
        'tehg:translations { <plan/2030-2032/axis/1> skos:altLabel "Achse"@de . }',
        "Only French and English",
        ID + "plan/2030-2032/axis/1",
        "other than fr or en",
    ),
    (
        "shortcut without participation",
        [],
        "tehg:test-plan { <plan/2030-2032/measure/1> teh:partner tehorg:ministere-essai . }",
        "Role shortcuts match participations",
        M1,
        "disagree",
    ),
    (
        "editorial link without justification",
        [],
        """tehg:editorial {
        <plan/2030-2032/measure/1> teh:followsUp <plan/2030-2032/measure/9> . }""",
        "Editorial links justified and kept apart",
        M1,
        "without justification",
    ),
    (
        "subject tag in a document graph",
        [],
        """tehg:test-plan {
        <plan/2030-2032/measure/1> teh:exploitationForm <concept/exploitation-form/forced-labour> . }""",
        "Editorial links justified and kept apart",
        M1,
        "outside the editorial graph",
    ),
    (
        "2014-2016 measure without assessment",
        [],
        """tehg:test-plan {
        <plan/2014-2016/measure/1> a teh:Measure ; skos:notation "1" ; skos:prefLabel "Ancienne"@fr ;
          teh:isComponentOf <plan/2014-2016/priority/1> ; teh:inPlan <plan/2014-2016> .
        <plan/2014-2016/priority/1> a teh:Priority ; skos:notation "1" ; skos:prefLabel "P"@fr ;
          teh:isComponentOf <plan/2014-2016> .
        <plan/2014-2016> a teh:ActionPlan ; skos:notation "2014-2016" ; skos:prefLabel "Plan"@fr . }""",
        "One CNCDH assessment per 2014-2016 measure",
        ID + "plan/2014-2016/measure/1",
        "exactly one CNCDH assessment",
    ),
]


@pytest.mark.parametrize("name,remove,add,shape,focus,message", CASES, ids=[c[0] for c in CASES])
def test_violation(name, remove, add, shape, focus, message):
    report = validate(variant(remove, add))
    assert not report.conforms
    hits = [
        f
        for f in report.findings
        if f.severity == "Violation" and f.shape == shape and f.focus == focus and message in f.message
    ]
    assert hits, report.text()


@pytest.mark.parametrize(
    "remove,focus,message",
    [
        ([(M1, TEH + "pilot")], M1, "no pilot and no implementer"),
        (
            [(ID + "org/ministere-essai", "http://www.w3.org/ns/org#classification")],
            ID + "org/ministere-essai",
            "No kind",
        ),
        (
            [(ID + "legal/fr/code-essai", "http://purl.org/dc/terms/title")],
            ID + "legal/fr/code-essai",
            "without a title",
        ),
    ],
)
def test_warnings_do_not_fail(remove, focus, message):
    quads = variant(remove)
    if remove[0][1] == TEH + "pilot":  # keep the role forms consistent: drop the participation too
        quads = [q for q in quads if q.predicate.value != "http://data.europa.eu/m8g/hasParticipation"]
        # the former pilot stays named by the measure: an organisation in no statement would be a violation
        named = "tehg:test-plan { <plan/2030-2032/measure/1> teh:mentions tehorg:direction-essai . }"
        quads += list(ox.parse(HEADER + named, format=ox.RdfFormat.TRIG))
    report = validate(quads)
    assert report.conforms, report.text()
    assert any(f.severity == "Warning" and f.focus == focus and message in f.message for f in report.findings)


def test_cli_exit_codes_and_formats(tmp_path):
    ok = tehkg_cli("validate", str(FIXTURE), "--with-ontology")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "conforms" in ok.stdout.splitlines()[-1]
    assert tehkg_cli("validate", str(FIXTURE), "--with-ontology", "--strict").returncode == 0
    warned = tmp_path / "warned.nq"
    kindless = variant([(ID + "org/ministere-essai", "http://www.w3.org/ns/org#classification")])
    warned.write_bytes(ox.serialize(kindless, format=ox.RdfFormat.N_QUADS))
    assert tehkg_cli("validate", str(warned)).returncode == 0
    assert tehkg_cli("validate", str(warned), "--strict").returncode == 1
    bad = tmp_path / "bad.nq"
    bad.write_bytes(ox.serialize(variant([(M1, SKOS + "notation")]), format=ox.RdfFormat.N_QUADS))
    result = tehkg_cli("validate", str(bad))
    assert result.returncode == 1
    assert f"VIOLATION {M1} (Mesure d'essai)" in result.stdout
    junit = tmp_path / "report.xml"
    assert tehkg_cli("validate", str(bad), "--format", "junit", "-o", str(junit)).returncode == 1
    import xml.etree.ElementTree as ET

    suite = ET.parse(junit).getroot()
    assert suite.tag == "testsuite" and int(suite.get("failures")) >= 1
    as_json = tehkg_cli("validate", str(bad), "--format", "json")
    import json

    assert json.loads(as_json.stdout)["violations"] >= 1
    turtle = tehkg_cli("validate", str(bad), "--format", "turtle")
    graph = ox.Store()
    graph.load(turtle.stdout.encode(), format=ox.RdfFormat.TURTLE)
    assert not bool(graph.query("PREFIX sh: <http://www.w3.org/ns/shacl#> ASK { ?r sh:conforms true }"))


def test_broken_turtle_exits_2_with_position(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b "open string .\n')
    result = tehkg_cli("validate", str(broken))
    assert result.returncode == 2
    assert f"{broken}:2:" in result.stderr


def test_membership_change_and_time_shapes_fire_on_the_bad_fixture():
    bad = Path(__file__).parent / "fixtures" / "invalid" / "memberships-and-times.trig"
    report = validate(variant() + list(ox.parse(path=str(bad), format=ox.RdfFormat.TRIG)))
    shapes = {"Membership", "Time interval", "Time instant", "Organisation change"}
    found = {(f.focus, f.message) for f in report.findings if f.severity == "Violation" and f.shape in shapes}
    membership = ID + "membership/ministere-essai/coordinator/direction-essai"
    assert found == {
        (
            ID + "membership/nowhere/attachment/direction-essai",
            "A membership has exactly one organisation (org:organization)",
        ),
        (membership, "A membership has exactly one role (org:role), a concept of the org-role scheme"),
        (membership, "A membership lasts during at most one interval, a time:Interval"),
        (
            ID + "membership/ministere-essai/attachment/direction-essai/interval",
            "An interval meets another time:Interval",
        ),
        (
            ID + "instant/2030-01-15",
            "An instant has exactly one date: time:inXSDDate (xsd:date) or time:inXSDgYearMonth (xsd:gYearMonth)",
        ),
        (
            ID + "event/nothing-created",
            "A change event names the organisation it results in (org:resultingOrganization)",
        ),
        (ID + "event/nothing-created", "A change event happens at most at one time:Instant (time:hasTime)"),
    }, report.text()
