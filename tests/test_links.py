"""Links out to the authorities: every link follows its target's documented pattern, and each
void:Linkset of the served dataset description counts exactly the links of the links graph."""

import re

import pytest
import rdflib
from fastapi.testclient import TestClient

from tehkg.vocab import DATASET_IRI, LINKS_GRAPH

OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
SKOS_EXACT = "http://www.w3.org/2004/02/skos/core#exactMatch"
PATTERNS = {  # target uriSpace -> (link predicate, the identifier pattern of the authority)
    "http://www.legifrance.gouv.fr/eli/": (
        SKOS_EXACT,
        r"http://www\.legifrance\.gouv\.fr/eli/(loi|decret)/(?P<y>\d{4})/(?P<m>[1-9]|1[0-2])/(?P<d>[1-9]|[12]\d|3[01])"
        r"/(?P=y)-\d{1,4}/jo/texte",
    ),
    "http://data.europa.eu/eli/": (OWL_SAME_AS, r"http://data\.europa\.eu/eli/(dir|reg|dec)/\d{4}/\d{1,4}/oj"),
    "http://publications.europa.eu/resource/celex/": (
        SKOS_EXACT,
        r"http://publications\.europa\.eu/resource/celex/3\d{4}[LRD]\d{4}",
    ),
}
LINK_PREDICATES = {OWL_SAME_AS, SKOS_EXACT}


def links(client: TestClient) -> list[tuple[str, str, str]]:
    query = f"SELECT ?s ?p ?o {{ GRAPH <{LINKS_GRAPH}> {{ ?s ?p ?o }} }}"
    rows = client.get("/sparql", params={"query": query}, headers={"Accept": "application/json"}).json()
    return [(b["s"]["value"], b["p"]["value"], b["o"]["value"]) for b in rows["results"]["bindings"]]


def test_every_link_follows_its_target_pattern(shipped_client):
    found = links(shipped_client)
    assert len(found) >= 7
    for subject, predicate, target in found:
        assert predicate in LINK_PREDICATES, (subject, predicate)
        space = next((s for s in PATTERNS if target.startswith(s)), None)
        assert space is not None, f"{target} is under no declared target"
        expected_predicate, pattern = PATTERNS[space]
        assert predicate == expected_predicate, (subject, predicate, target)
        assert re.fullmatch(pattern, target), target


def test_french_eli_carries_the_date_and_number_of_the_text(shipped_client):
    """The Légifrance ELI of a text repeats its eli:date_document and eli:id_local."""
    query = f"""PREFIX eli: <http://data.europa.eu/eli/ontology#>
    SELECT ?o ?date ?number {{ GRAPH <{LINKS_GRAPH}> {{ ?s ?p ?o }} ?s eli:date_document ?date ; eli:id_local ?number
      FILTER(STRSTARTS(STR(?o), "http://www.legifrance.gouv.fr/")) }}"""
    rows = shipped_client.get("/sparql", params={"query": query}, headers={"Accept": "application/json"}).json()
    bindings = rows["results"]["bindings"]
    assert len(bindings) == 5
    for b in bindings:
        year, month, day = (int(part) for part in b["date"]["value"].split("-"))
        assert f"/{year}/{month}/{day}/{b['number']['value']}/jo/texte" in b["o"]["value"]


@pytest.fixture(scope="module")
def description(shipped_client) -> rdflib.Graph:
    body = shipped_client.get("/dataset", headers={"Accept": "text/turtle"}).text
    return rdflib.Graph().parse(data=body, format="turtle")


def test_each_linkset_counts_its_links(shipped_client, description):
    found = links(shipped_client)
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    linksets = set(description.subjects(rdflib.RDF.type, void.Linkset))
    assert len(linksets) == len(PATTERNS)
    for linkset in linksets:
        assert (rdflib.URIRef(DATASET_IRI), void.subset, linkset) in description
        predicate = str(description.value(linkset, void.linkPredicate))
        space = str(description.value(description.value(linkset, void.objectsTarget), void.uriSpace))
        expected = sum(1 for _, p, o in found if p == predicate and o.startswith(space))
        assert expected > 0
        assert int(description.value(linkset, void.triples)) == expected, linkset
