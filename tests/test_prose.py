"""Prose that states facts (data/README.md › Prose that states facts): the texts kept verbatim from the sources
(forewords, introductions, closing texts, section introductions), the plans, strategies, reports and persons they
name, the creations and adoptions they report, and the Collectif's figures, each checked against its source."""

import re
import unicodedata

import pyoxigraph as ox
import pytest

from tehkg.loader.store_layout import current_store
from tehkg.vocab import sparql_prefixes
from tests.test_invariants import SOURCE_FILES, source_texts

PREFIXES = sparql_prefixes("teh", "skos", "oa", "dcterms", "foaf", "qb", "prov", "org", "rdfs", "time", "sdmx-measure")
GRAPHS = SOURCE_FILES
TEXTS = ("teh:foreword", "teh:introduction", "teh:conclusion")


def fold(text: str) -> str:
    """Lower case, no accents, apostrophes unified, markup, footnote calls and spacing normalised."""
    text = re.sub(r"<sup>\d+</sup>", "", text)  # footnote calls, left out of the stored texts
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("\u00a0", " "))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"[*#_|]", " ", text)
    text = re.sub(r"\s+([,.;:)'])", r"\1", text)
    text = re.sub(r"'\s+", "'", text)
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def store(shipped_store):
    return ox.Store.read_only(str(current_store(shipped_store)))


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    return source_texts(fold)


def rows(store, query: str) -> list[list[str | None]]:
    return [[t.value if t is not None else None for t in row] for row in store.query(PREFIXES + query)]


def graph_of(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def in_at_most_two_pieces(text: str, source: str) -> bool:
    """Whether ``text`` is in ``source`` whole, or as two pieces cut between words (a sentence the document
    interrupts with a page's footnotes, joined back in the stored text)."""
    if text in source:
        return True
    words = text.split(" ")
    for cut in range(len(words) - 1, 0, -1):
        head = " ".join(words[:cut])
        if head in source:
            return " ".join(words[cut:]) in source
    return False


@pytest.mark.sources
def test_stored_prose_is_verbatim_in_its_source(store, seeds):
    """Forewords, introductions, closing texts, and the introductions of sections and descriptions of plans and of
    the CNCDH are found, folded, in the document whose graph holds them, paragraph by paragraph (a paragraph the
    conversion broke across a page is joined back)."""
    found = rows(
        store,
        """SELECT ?g ?s ?text WHERE { GRAPH ?g {
          { ?s teh:foreword|teh:introduction|teh:conclusion ?text }
          UNION { ?s dcterms:description ?text
                  FILTER EXISTS { ?s a ?t FILTER(?t IN (teh:Axis, teh:Action, teh:Priority, teh:ActionPlan)) } }
          UNION { ?s dcterms:description ?text FILTER(?s = <https://w3id.org/tehkg/id/org/cncdh>) } } }""",
    )
    checked, missing = 0, []
    for g, s, text in found:
        source = seeds.get(graph_of(g))
        if source is None:
            continue
        for paragraph in text.split("\n\n"):
            checked += 1
            if not in_at_most_two_pieces(fold(paragraph), source):
                missing.append((s, paragraph[:80]))
    assert checked == 71  # paragraphs
    assert missing == []


def test_plan_2019_texts_are_all_there(store):
    """The 2019-2021 plan's foreword, introduction and the introductions of its 6 axes and of 16 of its 17 actions
    (action 11 has none), each citing a passage of the plan."""
    found = rows(
        store,
        """SELECT ?s WHERE { GRAPH <https://w3id.org/tehkg/graph/plan-2019-2021> {
          { ?s teh:foreword ?t } UNION { ?s teh:introduction ?t }
          UNION { ?s dcterms:description ?t ; a ?kind FILTER(?kind IN (teh:Axis, teh:Action)) }
          ?s teh:passage/oa:hasSource <https://w3id.org/tehkg/id/doc/plan-2019-2021> } }""",
    )
    nodes = {s[0].removeprefix("https://w3id.org/tehkg/id/") for s in found}
    assert {n for n in nodes if "/axis/" in n} == {f"plan/2019-2021/axis/{n}" for n in range(1, 7)}
    assert {n for n in nodes if "/action/" in n} == {f"plan/2019-2021/action/{n}" for n in range(1, 18) if n != 11}
    assert "plan/2019-2021" in nodes


def test_relations_to_plans_reports_and_persons_cite_a_passage_naming_them(store):
    """A relation in prose to a plan, strategy, report or person (not an organisation: tests/test_mentions.py checks
    those) is in a document graph, and a passage its node cites there quotes one of the target's names."""
    found = rows(
        store,
        """SELECT ?g ?node ?target (GROUP_CONCAT(DISTINCT ?quote; separator="\\u0001") AS ?quotes)
                  (GROUP_CONCAT(DISTINCT ?name; separator="\\u0001") AS ?names) WHERE {
          ?relation rdfs:subPropertyOf* teh:mentions .
          GRAPH ?g { ?node ?relation ?target OPTIONAL { ?node teh:passage/oa:hasSelector/oa:exact ?quote } }
          FILTER NOT EXISTS { ?target a org:Organization }
          ?target skos:prefLabel|skos:altLabel|foaf:name|dcterms:title ?name FILTER(lang(?name) != "en")
        } GROUP BY ?g ?node ?target""",
    )
    assert len(found) == 29
    missing = []
    for g, node, target, quotes, names in found:
        assert graph_of(g) in GRAPHS, (node, target)
        folded = [fold(q) for q in (quotes or "").split("\u0001") if q]
        if not any(fold(n) in q for n in names.split("\u0001") for q in folded):
            missing.append((node, target))
    assert missing == []


@pytest.mark.sources
def test_persons_are_named_by_a_passage_of_their_document(store, seeds):
    """Every person has a name and, in each document graph that describes them, a passage whose quote holds that
    name; the office or membership the text gives is all that is said of them."""
    found = rows(
        store,
        """SELECT ?g ?p ?name (GROUP_CONCAT(?quote; separator="\\u0001") AS ?quotes) WHERE {
          ?p a foaf:Person ; foaf:name ?name .
          GRAPH ?g { ?p teh:passage/oa:hasSelector/oa:exact ?quote } } GROUP BY ?g ?p ?name""",
    )
    assert len(found) == 20  # (graph, person) pairs
    for g, person, name, quotes in found:
        assert fold(name) in seeds[graph_of(g)], person
        assert any(fold(name) in fold(q) for q in quotes.split("\u0001")), person
    said = rows(
        store,
        """SELECT DISTINCT ?p ?property WHERE { ?p a foaf:Person ; ?property ?o
          FILTER(?property NOT IN (rdf:type, foaf:name, foaf:familyName, skos:note, teh:passage, org:memberOf, org:headOf,
                                 teh:constituency)) }""".replace(
            "rdf:type", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
        ),
    )
    assert said == []


def test_reports_are_cited_with_their_dates(store):
    """Each report a source cites has a French name, is cited (teh:cites) from a node of the document graph whose
    passage is about it, and carries the date as precise as printed (when printed)."""
    found = rows(
        store,
        """SELECT ?r (COUNT(DISTINCT ?node) AS ?citing) (SAMPLE(?d) AS ?date) WHERE {
          ?r a teh:Report ; skos:prefLabel ?l FILTER(lang(?l) = "fr")
          OPTIONAL { GRAPH ?g { ?node teh:cites ?r } }
          OPTIONAL { ?r dcterms:issued|dcterms:date ?d } } GROUP BY ?r""",
    )
    assert len(found) == 6
    assert [r for r, citing, _ in found if citing == "0"] == []
    dates = {r.rsplit("/", 1)[-1]: d for r, _, d in found}
    assert dates["cncdh-2016"] == "2016-03" and dates["greta-2017-07-06"] == "2017-07-06"
    assert dates["greta-2013-01-28"] == "2013-01-28" and dates["cncdh-avis-2014-05-22"] == "2014-05-22"


@pytest.mark.sources
def test_government_plans_have_their_printed_period_and_passage(store, seeds):
    found = rows(
        store,
        """SELECT ?s ?label ?start ?end (GROUP_CONCAT(?quote; separator="\\u0001") AS ?quotes) WHERE {
          ?s a teh:GovernmentPlan ; skos:prefLabel ?label FILTER(lang(?label) = "fr")
          OPTIONAL { ?s teh:startYear ?start ; teh:endYear ?end }
          ?s teh:passage/oa:hasSelector/oa:exact ?quote } GROUP BY ?s ?label ?start ?end""",
    )
    assert len(found) == 8
    for s, label, start, end, quotes in found:
        quotes = fold(" ".join(quotes.split("\u0001")))
        assert fold(label) in quotes, s
        if start is not None:
            assert int(start) <= int(end)
            assert f"{start}-{end}" in quotes or f"({start}-{end})" in quotes, s


def test_collectif_figures_are_observations_of_its_graph(store):
    """Each figure of the Collectif is an observation of a dataset whose source is its document, with a reference
    period, in the Collectif's graph, and the number is printed in its passage (or its words are quoted in the
    comment, « deux fois »)."""
    found = rows(
        store,
        """SELECT ?o ?value ?period ?comment (GROUP_CONCAT(?quote; separator="\\u0001") AS ?quotes) WHERE {
          GRAPH <https://w3id.org/tehkg/graph/coalition-2017> {
            ?o qb:dataSet ?d ; sdmx-measure:obsValue ?value ; teh:refPeriod ?period ; teh:passage ?p }
          ?d dcterms:source <https://w3id.org/tehkg/id/doc/coalition-2017> .
          ?p oa:hasSelector/oa:exact ?quote OPTIONAL { ?o rdfs:comment ?comment }
        } GROUP BY ?o ?value ?period ?comment""",
    )
    assert len(found) == 13
    for o, value, _, comment, quotes in found:
        digits = " ".join(quotes.split("\u0001")).replace(" ", "").replace("\u00a0", "")
        assert re.search(rf"(?<!\d){value}(?!\d)", digits) or "«" in (comment or ""), o


def test_headings_group_consecutive_measures_of_their_priority(store):
    found = rows(
        store,
        """SELECT ?h ?priority (GROUP_CONCAT(?n; separator=",") AS ?numbers) WHERE {
          ?h a teh:Heading ; teh:isComponentOf ?priority .
          ?m teh:underHeading ?h ; skos:notation ?n ; teh:isComponentOf ?section .
          FILTER(?section = ?priority) } GROUP BY ?h ?priority""",
    )
    assert len(found) == 5
    covered = []
    for _, _, numbers in found:
        ns = sorted(int(n) for n in set(numbers.split(",")))
        assert ns == list(range(ns[0], ns[-1] + 1))
        covered += ns
    assert sorted(covered) == list(range(1, 20))  # priorities 1 and 2; priority 3 has no heading


def test_continuity_is_stated_by_the_later_plan(store):
    """teh:continues is a documentary relation of the later plan's graph, never an editorial one."""
    found = rows(store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s teh:continues ?o } }")
    assert [graph_of(g) for (g,) in found] == ["plan-2019-2021"]
