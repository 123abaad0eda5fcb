"""The ontology: versioned like the package, every local term documented in English and French."""

import pyoxigraph as ox
import pytest

from tehkg import __version__
from tehkg.loader.rdf_files import collect, parse_all
from tehkg.resources import ontology_dir

ONT = "https://w3id.org/tehkg/ontology"


@pytest.fixture(scope="module")
def store():
    s = ox.Store()
    s.extend(parse_all(collect([ontology_dir()])))
    return s


def test_version_matches_package(store):
    rows = list(
        store.query(
            f"""PREFIX owl: <http://www.w3.org/2002/07/owl#>
        SELECT ?v ?iri {{ <{ONT}> owl:versionInfo ?v ; owl:versionIRI ?iri }}""",
            use_default_graph_as_union=True,
        )
    )
    assert [(r[0].value, r[1].value) for r in rows] == [(__version__, f"{ONT}/{__version__}")]


def test_every_local_term_is_documented_in_both_languages(store):
    rows = list(
        store.query(
            f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        SELECT ?t ?p ?lang {{
          ?t a ?kind FILTER(?kind IN (owl:Class, owl:ObjectProperty, owl:DatatypeProperty))
          FILTER(STRSTARTS(STR(?t), "{ONT}#"))
          VALUES ?p {{ rdfs:label rdfs:comment }} VALUES ?lang {{ "en" "fr" }}
          FILTER NOT EXISTS {{ ?t ?p ?v FILTER(lang(?v) = ?lang) }}
        }}""",
            use_default_graph_as_union=True,
        )
    )
    assert not rows, [(r[0].value, r[1].value, r[2].value) for r in rows]


@pytest.mark.parametrize("scheme,size", [("implementation-status", 3), ("role", 3), ("ratification-status", 3)])
def test_concept_schemes(store, scheme, size):
    rows = list(
        store.query(
            f"""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?c {{ ?c skos:inScheme <https://w3id.org/tehkg/id/concept/{scheme}> ;
                       skos:prefLabel ?fr , ?en FILTER(lang(?fr) = "fr" && lang(?en) = "en") }}""",
            use_default_graph_as_union=True,
        )
    )
    assert len(rows) == size
