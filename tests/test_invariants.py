"""Invariants of the sources, checked on the shipped data (and, for verbatim text, on the sources: the curators'
check, run when ``TEHKG_SOURCES`` names the folder of the five source documents, which the project does not ship)."""

import re
import unicodedata
from collections.abc import Callable

import pyoxigraph as ox
import pytest

from tehkg.loader.store_layout import current_store
from tests.conftest import SOURCES_VARIABLE, sources_folder

PREFIXES = """PREFIX teh: <https://w3id.org/tehkg/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#> PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX cv: <http://data.europa.eu/m8g/>
"""
P14 = "<https://w3id.org/tehkg/id/plan/2014-2016>"
P19 = "<https://w3id.org/tehkg/id/plan/2019-2021>"


@pytest.fixture(scope="module")
def store(shipped_store):
    return ox.Store.read_only(str(current_store(shipped_store)))


def values(store, query: str) -> list:
    return [[t.value if t is not None else None for t in row] for row in store.query(PREFIXES + query)]


@pytest.mark.parametrize(
    "plan,cls,expected",
    [(P14, "teh:Priority", 3), (P19, "teh:Axis", 6), (P14, "teh:Measure", 23), (P19, "teh:Measure", 45)],
)
def test_counts(store, plan, cls, expected):
    if cls == "teh:Measure":
        rows = values(store, f"SELECT DISTINCT ?n {{ ?x a teh:Measure ; teh:inPlan {plan} ; skos:notation ?n }}")
    else:
        rows = values(store, f"SELECT DISTINCT ?n {{ ?x a {cls} ; teh:isComponentOf {plan} ; skos:notation ?n }}")
    assert sorted(int(r[0]) for r in rows) == list(range(1, expected + 1))


def test_seventeen_actions_in_six_axes(store):
    rows = values(
        store,
        f"""SELECT ?n {{ ?x a teh:Action ; skos:notation ?n ; teh:isComponentOf ?axis .
        ?axis a teh:Axis ; teh:isComponentOf {P19} }}""",
    )
    assert sorted(int(r[0]) for r in rows) == list(range(1, 18))


@pytest.mark.parametrize("plan,section,measures", [(P14, "teh:Priority", 23), (P19, "teh:Action", 45)])
def test_each_measure_in_exactly_one_section(store, plan, section, measures):
    rows = values(
        store,
        f"""SELECT ?m (COUNT(DISTINCT ?s) AS ?n) {{ ?m a teh:Measure ; teh:inPlan {plan} .
        OPTIONAL {{ ?m teh:isComponentOf ?s . ?s a {section} }} }} GROUP BY ?m""",
    )
    assert len(rows) == measures and [r for r in rows if r[1] != "1"] == []


def test_one_cncdh_assessment_per_2014_measure(store):
    rows = values(
        store,
        f"""SELECT ?m (COUNT(DISTINCT ?a) AS ?n) {{ ?m a teh:Measure ; teh:inPlan {P14} .
        OPTIONAL {{ ?a a teh:Assessment ; oa:hasTarget ?m ; dcterms:creator <https://w3id.org/tehkg/id/org/cncdh> }}
        }} GROUP BY ?m""",
    )
    assert len(rows) == 23 and all(r[1] == "1" for r in rows)


def fold(text: str) -> str:
    """Lower case, no accents, apostrophes unified, markup and spacing normalised."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("\u00a0", " "))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"[*#_|]", " ", text)
    text = re.sub(r"\s+([,.;:)])", r"\1", text)  # space left before punctuation by removed markup
    return re.sub(r"\s+", " ", text).strip()


# each document graph and the file name's prefix of its source in the folder TEHKG_SOURCES names
SOURCE_FILES = {
    "plan-2019-2021": "000",
    "cncdh-2017": "001",
    "question-24191": "002",
    "meeting-2014": "003",
    "coalition-2017": "004",
}


def source_texts(normalise: Callable[[str], str]) -> dict[str, str]:
    """The text of each document's source, by graph, through ``normalise``; the tests that read them are marked
    ``sources`` (deselected when ``TEHKG_SOURCES`` is not set), and fail when a document is missing."""
    folder = sources_folder()
    if folder is None:
        pytest.fail(f"{SOURCES_VARIABLE} is not set: this test should have been deselected")
    out = {}
    for graph, prefix in SOURCE_FILES.items():
        found = sorted(folder.glob(f"{prefix}_*.txt"))
        if len(found) != 1:
            pytest.fail(f"{SOURCES_VARIABLE}={folder}: expected one source document {prefix}_*.txt, found {found}")
        out[graph] = normalise(found[0].read_text(encoding="utf-8"))
    return out


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    return source_texts(fold)


@pytest.mark.sources
@pytest.mark.parametrize(
    "graph,prop",
    [
        ("plan-2019-2021", "skos:prefLabel"),
        ("plan-2019-2021", "teh:pilotText"),
        ("plan-2019-2021", "teh:partnerText"),
        ("coalition-2017", "skos:prefLabel"),
        ("coalition-2017", "teh:implementerText"),
        ("coalition-2017", "teh:instrumentText"),
        ("cncdh-2017", "teh:statusText"),
        ("plan-2019-2021", "oa:exact"),
        ("coalition-2017", "oa:bodyValue"),
        ("coalition-2017", "oa:exact"),
        ("cncdh-2017", "oa:exact"),
        ("meeting-2014", "oa:exact"),
        ("question-24191", "oa:exact"),
    ],
)
def test_verbatim_text_is_in_its_source(store, seeds, graph, prop):
    """Text kept verbatim must be found in the document whose graph holds it."""
    titles_only = (
        "FILTER EXISTS { ?s a ?t FILTER(?t IN (teh:Measure, teh:Axis, teh:Action, teh:Priority)) }"
        if prop == "skos:prefLabel"
        else ""
    )  # other labels (annotations) are the editors'
    rows = values(
        store,
        f"""SELECT ?s ?text {{ GRAPH <https://w3id.org/tehkg/graph/{graph}> {{
        ?s {prop} ?text FILTER(lang(?text) = "fr") }} {titles_only} }}""",
    )
    assert rows, f"no {prop} in {graph}"
    missing = [(s, t) for s, t in rows if fold(t) not in seeds[graph]]
    assert not missing, missing[:5]


STOPWORDS = {"et", "le", "la", "les", "l", "des", "de", "du", "en", "lien", "avec", "d", "particulier"}


def test_every_role_line_organisation_is_present(store):
    """Every name on a pilot/partner/implementer line is a label of a holder of that role (or of its parent)."""
    rows = values(
        store,
        """SELECT ?m ?line ?label WHERE {
        VALUES (?textProp ?role) { (teh:pilotText teh:pilot) (teh:partnerText teh:partner)
                                   (teh:implementerText teh:implementer) }
        ?m ?textProp ?line . ?m ?role ?org .
        { ?org org:subOrganizationOf* ?holder } UNION {  # a parent the body was attached to at some time
          ?org org:subOrganizationOf* ?attached . ?attachment org:member ?attached ; org:organization ?holder ;
            org:role <https://w3id.org/tehkg/id/concept/org-role/attachment> }
        ?holder skos:prefLabel|skos:altLabel|skos:notation ?label }""",
    )
    lines: dict[tuple[str, str], set[str]] = {}
    for measure, line, label in rows:
        lines.setdefault((measure, line), set()).add(fold(label))
    no_holder = values(
        store,
        """SELECT ?m ?line WHERE {
        VALUES (?textProp ?role) { (teh:pilotText teh:pilot) (teh:partnerText teh:partner)
                                   (teh:implementerText teh:implementer) }
        ?m ?textProp ?line FILTER NOT EXISTS { ?m ?role ?org } }""",
    )
    assert not no_holder, no_holder[:5]
    leftovers = []
    for (measure, line), labels in lines.items():
        residue = " " + fold(line) + " "
        for label in sorted(labels, key=len, reverse=True):
            residue = re.sub(r"(?<![\w])" + re.escape(label) + r"(?![\w])", " ", residue)
        words = [w for w in re.findall(r"[\w-]+", residue) if w not in STOPWORDS]
        if words:
            leftovers.append((measure, line, words))
    assert not leftovers, leftovers[:10]


def test_cncdh_measure_recommendations_follow_the_segmentation_rule(store):
    """A per-measure recommendation is a paragraph where the CNCDH recommends, asks, invites, calls on
    or encourages (data/README.md); a paragraph where it only « estime » stays in the description."""
    rule = re.compile(r"\b(recommand|demand|invit|appel|encourag)", re.IGNORECASE)
    bodies = values(
        store,
        """SELECT DISTINCT ?r ?body WHERE { ?r a teh:Recommendation ; oa:bodyValue ?body ;
        dcterms:isPartOf ?assessment . ?assessment a teh:Assessment }""",
    )
    assert len(bodies) == 39
    assert [r for r, body in bodies if not rule.search(body)] == []
