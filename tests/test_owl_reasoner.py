"""The ontology and the shipped data load in an OWL 2 DL reasoner, HermiT (through owlready2), which finds them
consistent.

HermiT accepts only the datatypes of the OWL 2 datatype map: a range or a value typed xsd:gYear (not in the map)
makes it refuse the whole ontology, which is why years are ``teh:Year``, a restriction of xsd:integer (see the
ontology). External vocabularies (ORG, PROV, DCTERMS, OWL-Time…) are referenced, not imported: their terms reach
the reasoner undeclared, as the OWL API reads them (annotation properties for literal values).

HermiT runs on Java: ``make java-deps`` installs Debian's default-jre-headless. Without Java (or without owlready2,
a test dependency) the reasoner tests fail (they do not skip), saying what is missing.
"""

import shutil
import time

import pyoxigraph as ox
import pytest

from tehkg.loader.rdf_files import collect, parse_all
from tehkg.resources import ontology_dir, shipped_sources

try:
    import owlready2
except ImportError:  # a test dependency: these tests fail without it rather than skip
    owlready2 = None

ONTOLOGY = "https://w3id.org/tehkg/ontology"
# The datatypes of the OWL 2 datatype map (OWL 2 Structural Specification, section 4), with rdfs:Literal.
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL2_DATATYPES = {
    "http://www.w3.org/2000/01/rdf-schema#Literal",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#PlainLiteral",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#XMLLiteral",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString",
    "http://www.w3.org/2002/07/owl#real",
    "http://www.w3.org/2002/07/owl#rational",
} | {
    XSD + name
    for name in (
        "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger long int short byte "
        "unsignedLong unsignedInt unsignedShort unsignedByte double float string normalizedString token language "
        "Name NCName NMTOKEN boolean hexBinary base64Binary anyURI dateTime dateTimeStamp"
    ).split()
}


def java_or_fail() -> str:
    if owlready2 is None:
        pytest.fail("owlready2 is missing: it is a test dependency (pip install -e '.[test]')")
    java = shutil.which(owlready2.JAVA_EXE) or shutil.which("java")
    if java is None:
        pytest.fail(
            "Java is missing: HermiT (the OWL 2 reasoner of owlready2) runs on a Java runtime. "
            "Install it with `make java-deps` (Debian's default-jre-headless)."
        )
    owlready2.JAVA_EXE = java
    return java


def write_ntriples(quads: list[ox.Quad], path) -> int:
    """The RDF merge of the named graphs (the default graph the endpoint answers from), as N-Triples."""
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    path.write_text("".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in triples), encoding="utf-8")
    return len(triples)


def hermit(path) -> float:
    """Load ``path`` in a fresh owlready2 world and run HermiT on it; its runtime in seconds. Raises owlready2's
    OwlReadyInconsistentOntologyError when HermiT finds the ontology inconsistent."""
    world = owlready2.World()
    world.get_ontology(path.as_uri()).load(format="ntriples")
    started = time.monotonic()
    try:
        owlready2.sync_reasoner_hermit(world, debug=0)
    except owlready2.OwlReadyJavaError as error:  # HermiT refused the ontology (an unsupported datatype…)
        pytest.fail(f"HermiT could not load the ontology and data:\n{error}")
    finally:
        world.close()
    return time.monotonic() - started


@pytest.fixture(scope="module")
def shipped_quads() -> list[ox.Quad]:
    return list(parse_all(collect(shipped_sources())))


def test_ontology_ranges_are_in_the_owl2_datatype_map():
    """Every datatype a property of the ontology ranges over is in the OWL 2 datatype map or defined in the
    ontology itself as an rdfs:Datatype (a restriction of one that is)."""
    store = ox.Store()
    store.extend(parse_all(collect([ontology_dir()])))
    rows = store.query(
        """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX owl: <http://www.w3.org/2002/07/owl#>
        SELECT ?p ?range (EXISTS { ?range a rdfs:Datatype ; owl:equivalentClass/owl:onDatatype ?base } AS ?defined)
               ?base WHERE {
          ?p a owl:DatatypeProperty ; rdfs:range ?range
          OPTIONAL { ?range owl:equivalentClass/owl:onDatatype ?base } }""",
        use_default_graph_as_union=True,
    )
    outside = []
    for row in rows:
        datatype = row["base"].value if row["base"] is not None else row["range"].value
        if datatype not in OWL2_DATATYPES:
            outside.append((row["p"].value, row["range"].value))
    assert outside == []


def test_no_value_of_a_declared_data_property_is_outside_the_datatype_map(shipped_quads):
    """HermiT refuses a value of a datatype outside the map on a property the ontology declares (teh:refYear
    "2014"^^xsd:gYear was one): the shipped data has none."""
    declared = {
        q.subject.value
        for q in parse_all(collect([ontology_dir()]))
        if q.predicate.value.endswith("#type") and q.object.value == "http://www.w3.org/2002/07/owl#DatatypeProperty"
    }
    outside = sorted(
        {
            (q.predicate.value, q.object.datatype.value)
            for q in shipped_quads
            if q.predicate.value in declared
            and isinstance(q.object, ox.Literal)
            and q.object.language is None
            and q.object.datatype.value not in OWL2_DATATYPES
        }
    )
    assert outside == []


def test_hermit_finds_ontology_and_data_consistent(shipped_quads, tmp_path):
    java_or_fail()
    path = tmp_path / "tehkg.nt"
    assert write_ntriples(shipped_quads, path) > 10_000
    seconds = hermit(path)  # raises OwlReadyInconsistentOntologyError if inconsistent
    assert seconds < 60, f"HermiT took {seconds:.1f} s"


def test_hermit_would_see_an_inconsistency(tmp_path):
    """The check is not vacuous: a year of five digits (outside teh:Year) and a measure that is also a draft
    (teh:Measure and teh:DraftMeasure are disjoint) make HermiT report the ontology inconsistent."""
    java_or_fail()
    ontology = list(parse_all(collect([ontology_dir()])))
    teh, rdf = "https://w3id.org/tehkg/ontology#", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    bad_year = [
        ox.Quad(
            ox.NamedNode("https://w3id.org/tehkg/id/plan/x"),
            ox.NamedNode(teh + "startYear"),
            ox.Literal("20145", datatype=ox.NamedNode(XSD + "integer")),
        )
    ]
    both = [
        ox.Quad(ox.NamedNode("https://w3id.org/tehkg/id/plan/x/measure/1"), ox.NamedNode(rdf), ox.NamedNode(teh + kind))
        for kind in ("Measure", "DraftMeasure")
    ]
    for extra in (bad_year, both):
        path = tmp_path / "bad.nt"
        write_ntriples(ontology + extra, path)
        with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
            hermit(path)
