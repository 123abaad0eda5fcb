"""The SPARQL examples as RDF (``/.well-known/sparql-examples``), the guide (``/guide``) and the front page's
examples by theme: what a client reads there, and that every example it reads runs and gives its expected answer."""

import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import rdflib
from rdflib.namespace import RDF, RDFS, SH, SKOS

from tehkg.endpoint.pages.editor import declared_prefixes
from tehkg.vocab import DCTERMS, ID_BASE, SCHEMA, SPARQL_EXAMPLES, TEST_MANIFEST
from tests.competency import EXAMPLES_FILE, all_questions
from tests.conftest import tehkg_cli

MF_RESULT = rdflib.URIRef(TEST_MANIFEST + "result")
SCHEMA_TARGET, SCHEMA_KEYWORDS = rdflib.URIRef(SCHEMA + "target"), rdflib.URIRef(SCHEMA + "keywords")
SUBJECT = rdflib.URIRef(DCTERMS + "subject")
FIRST_QUESTION = {
    "fr": "Quelles mesures du plan 2019-2021 la Miprof pilote-t-elle ?",
    "en": "Which measures of the 2019-2021 plan does the Miprof pilot?",
}
LAST_QUESTION = {
    "fr": "Quelles recommandations de la CNCDH le plan 2019-2021 a-t-il reprises, et par quelles mesures ?",
    "en": "Which CNCDH recommendations did the 2019-2021 plan take up, and through which measures?",
}


@pytest.fixture(scope="module")
def served(shipped_client) -> rdflib.Graph:
    """The examples graph as a client reads it: Turtle from its IRI's path, parsed by rdflib."""
    response = shipped_client.get("/.well-known/sparql-examples", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    assert "Accept" in response.headers["vary"].split(", ")
    return rdflib.Graph().parse(data=response.text, format="turtle")


def by_language(graph: rdflib.Graph, subject: rdflib.term.Node, predicate: rdflib.URIRef) -> dict[str, str]:
    return {o.language: str(o) for o in graph.objects(subject, predicate) if isinstance(o, rdflib.Literal)}


def test_every_competency_question_is_served_as_an_executable_with_its_questions_target_and_keywords(served):
    examples = set(served.subjects(RDF.type, SH.SPARQLExecutable))
    assert {str(e).removeprefix(SPARQL_EXAMPLES) for e in examples} == {q.name for q in all_questions()}
    assert len(examples) >= 94
    for example in examples:
        assert (example, RDF.type, SH.SPARQLSelectExecutable) in served, example
        assert served.value(example, SCHEMA_TARGET) == rdflib.URIRef("https://w3id.org/tehkg/sparql"), example
        assert set(by_language(served, example, RDFS.comment)) == {"fr", "en"}, example
        assert list(served.objects(example, SCHEMA_KEYWORDS)), example
        theme = served.value(example, SUBJECT)
        assert set(by_language(served, theme, SKOS.prefLabel)) == {"fr", "en"}, example
        assert str(served.value(example, SH.select)).lstrip().startswith("PREFIX"), example


def test_the_examples_are_numbered_one_to_ninety_four_as_the_question_files_were(served):
    """The 93 former tests/queries/NN-name.rq files kept their names as the examples' fragments (01 to 93); the
    guide's last question is the 94th."""
    names = sorted(str(e).removeprefix(SPARQL_EXAMPLES) for e in served.subjects(RDF.type, SH.SPARQLExecutable))
    assert [int(name[:2]) for name in names] == list(range(1, 95))
    assert names[0] == "01-measures-per-plan" and names[-1] == "94-cncdh-recommendations-taken-up-2019"


def _render(term: dict) -> str:
    value = term["value"]
    return "id:" + value[len(ID_BASE) :] if term["type"] == "uri" and value.startswith(ID_BASE) else value


@pytest.mark.parametrize("name", [q.name for q in all_questions()])
def test_every_served_example_runs_at_the_endpoint_and_gives_its_expected_answer(shipped_client, served, name):
    """Read from the served graph (not the file), asked of /sparql as any client asks."""
    example = rdflib.URIRef(SPARQL_EXAMPLES + name)
    query, expected = str(served.value(example, SH.select)), str(served.value(example, MF_RESULT)).split("\n")
    response = shipped_client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    if "boolean" in answer:
        got = [str(answer["boolean"]).lower()]
    else:
        variables = answer["head"]["vars"]
        got = [
            " | ".join(_render(row[v]) if v in row else "" for v in variables) for row in answer["results"]["bindings"]
        ]
    if "ORDER BY" in query.upper():
        assert got == expected
    else:
        assert sorted(got) == sorted(expected)


@pytest.mark.parametrize(("accept", "fmt"), [("application/trig", "trig"), ("application/n-quads", "nquads")])
def test_the_examples_graph_is_served_in_other_rdf_formats_too(shipped_client, served, accept, fmt):
    response = shipped_client.get("/.well-known/sparql-examples", headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
    parsed = rdflib.Dataset().parse(data=response.text, format=fmt)
    examples = set(parsed.subjects(RDF.type, SH.SPARQLExecutable))
    assert len(examples) == len(set(served.subjects(RDF.type, SH.SPARQLExecutable)))


class Links(HTMLParser):
    """The text of each ``h2`` and of each ``summary`` of a ``details class="examples"``, and each link's href and
    text, of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.summaries: list[str] = []
        self.links: list[tuple[str, str]] = []
        self._open: str | None = None
        self._href = ""
        self._details = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "details":
            self._details = dict(attrs).get("class") or ""
        if tag in ("h2", "a") or (tag == "summary" and self._details == "examples"):
            self._open = tag
            self._href = dict(attrs).get("href") or ""
            if tag == "h2":
                self.headings.append("")
            elif tag == "summary":
                self.summaries.append("")
            else:
                self.links.append((self._href, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._open:
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open == "h2":
            self.headings[-1] += data
        elif self._open == "summary":
            self.summaries[-1] += data
        elif self._open == "a":
            href, text = self.links[-1]
            self.links[-1] = (href, text + data)


def read_page(client, path: str) -> Links:
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = Links()
    page.feed(response.text)
    return page


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_guide_walks_through_ten_questions_from_the_miprof_to_the_cncdh_each_opening_in_the_editor(
    shipped_client, served, lang
):
    page = read_page(shipped_client, f"/guide?lang={lang}")
    questions = page.headings
    assert len(questions) == 10
    assert questions[0] == FIRST_QUESTION[lang] and questions[-1] == LAST_QUESTION[lang]
    opened = [urlsplit(href) for href, _ in page.links if href.startswith("/sparql?query=")]
    assert len(opened) == 10
    comments = {
        str(o): e for e in served.subjects(RDF.type, SH.SPARQLExecutable) for o in served.objects(e, RDFS.comment)
    }
    for question, link in zip(questions, opened, strict=True):
        query = parse_qs(link.query)["query"][0]
        assert parse_qs(link.query)["lang"] == [lang]
        example = comments[question]  # the step's question is its example's, read from the graph
        assert query.strip() in str(served.value(example, SH.select))
        with_prefixes = declared_prefixes() + "\n" + query  # as the editor sends it: its prefixes declared
        response = shipped_client.get(
            "/sparql", params={"query": with_prefixes}, headers={"Accept": "application/sparql-results+json"}
        )
        assert response.status_code == 200, (question, response.text)
        expected = str(served.value(example, MF_RESULT)).split("\n")
        assert len(response.json()["results"]["bindings"]) == len(expected), question


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_front_page_offers_every_example_grouped_by_theme(shipped_client, served, lang):
    page = read_page(shipped_client, f"/?lang={lang}")
    themes = {by_language(served, t, SKOS.prefLabel)[lang]: t for t in set(served.objects(None, SUBJECT))}
    summaries = {s.rsplit(" (", 1)[0]: int(s.rsplit(" (", 1)[1].rstrip(")")) for s in page.summaries}
    assert summaries == {label: len(set(served.subjects(SUBJECT, theme))) for label, theme in themes.items()}
    questions = {str(o) for o in served.objects(None, RDFS.comment) if o.language == lang}
    offered = [text for href, text in page.links if href.startswith("/sparql?query=")]
    assert len(offered) == sum(summaries.values()) and set(offered) <= questions
    assert any(href.startswith("/guide") for href, _ in page.links)


class EditorList(HTMLParser):
    """The query editor's list of examples: each theme (optgroup) with the questions it offers."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.groups: dict[str, list[str]] = {}
        self.group: list[str] | None = None
        self.option: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "optgroup":
            self.group = self.groups.setdefault(dict(attrs)["label"], [])
        elif tag == "option" and self.group is not None:
            self.option = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self.option is not None and self.group is not None:
            self.group.append("".join(self.option))
            self.option = None
        elif tag == "optgroup":
            self.group = None

    def handle_data(self, data: str) -> None:
        if self.option is not None:
            self.option.append(data)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_editor_offers_every_example_grouped_by_theme(shipped_client, served, lang):
    response = shipped_client.get(f"/sparql?lang={lang}", headers={"Accept": "text/html"})
    offered = EditorList(response.text).groups
    expected = {
        by_language(served, theme, SKOS.prefLabel)[lang]: {
            str(q)
            for e in served.subjects(SUBJECT, theme)
            for q in served.objects(e, RDFS.comment)
            if q.language == lang
        }
        for theme in set(served.objects(None, SUBJECT))
    }
    assert {label: set(questions) for label, questions in offered.items()} == expected
    assert sum(len(questions) for questions in offered.values()) == 94


def test_the_examples_graph_has_a_page_for_people(shipped_client):
    response = shipped_client.get("/.well-known/sparql-examples", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "Exemples de requêtes SPARQL : les questions de compétence, avec leur réponse attendue" in response.text


def incomplete_examples(path: Path) -> set[tuple[str, str]]:
    """What the quality gate says is missing from the examples of ``path``."""
    report = json.loads(tehkg_cli("validate", str(path), "--format", "json").stdout)
    return {
        (f["focus"].removeprefix(SPARQL_EXAMPLES), f["message"].removeprefix("This SPARQL example lacks "))
        for f in report["findings"]
        if f["message"].startswith("This SPARQL example lacks ")
    }


def test_the_gate_refuses_an_example_without_its_english_question_or_its_expected_answer(tmp_path):
    assert incomplete_examples(EXAMPLES_FILE) == set()
    text = EXAMPLES_FILE.read_text()
    broken = text.replace(
        '"Combien de mesures compte chaque plan ?"@fr, "How many measures does each plan have?"@en ;',
        '"Combien de mesures compte chaque plan ?"@fr ;',
    )
    start = broken.index("  ex:02-actions-per-axis")
    broken = broken[:start] + broken[start:].replace("    mf:result", "    rdfs:seeAlso", 1)
    (tmp_path / "examples.trig").write_text(broken)
    assert incomplete_examples(tmp_path / "examples.trig") == {
        ("01-measures-per-plan", "rdfs:comment@en"),
        ("02-actions-per-axis", "mf:result"),
    }


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_guide_runs_no_inline_script_under_the_sites_policy(shipped_client, lang):
    response = shipped_client.get(f"/guide?lang={lang}")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "<script" not in response.text.replace('<script src="/static/', "") and " on" + "click" not in response.text
    assert f'<html lang="{lang}"' in response.text
