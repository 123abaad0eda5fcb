"""The pages in process (FastAPI's TestClient, no server): every page class rendered in both languages over data
built without the gate (tests/fixtures/pages/hostile.trig and hostile-prose.trig) links no IRI of another scheme than
http(s) and shows HTML-bearing literals as text; the gathering of each page class over the shipped data (an
organisation's involvement across plans and documents, a person, a plan's own texts); the one link rule; the message
catalogues; and that no code but the link rule builds an href."""

import ast
import gettext
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from tehkg.endpoint.app import create_app
from tehkg.endpoint.pages import (
    compare,
    entity,
    involvement,
    legal,
    measure,
    organisation,
    person,
    section,
    statement,
    statistics,
)
from tehkg.endpoint.pages.document import gather as gather_document
from tehkg.endpoint.pages.i18n import LOCALE_DIR, readable_date, readable_number
from tehkg.endpoint.pages.links import href
from tehkg.endpoint.pages.reader import Reader
from tehkg.endpoint.pages.render import TEMPLATES_DIR
from tehkg.loader.local_query import open_store
from tehkg.loader.store_builder import build
from tehkg.settings import Settings
from tests.conftest import FIXTURES, PROJECT_ROOT

ID = "https://w3id.org/tehkg/id/"
SCRIPT, IMG = "<script>alert(1)</script>", "<img src=x onerror=alert(1)>"
EVIL_QUERY = "</textarea><script>alert(1)</script>"
# Every page class, each by a path of the hostile store and what tells its template was the one rendered.
PAGES = {
    "landing": ("/", "<h1>tehkg</h1>"),
    "search": ("/search?q=" + quote("Piège"), 'class="hits"'),
    "compare": ("/compare", 'class="compare"'),
    "query editor": ("/sparql?query=" + quote(EVIL_QUERY), 'id="query"'),
    "ontology": ("/ontology", 'id="Measure"'),
    "not found": ("/id/nothing'here&x=1", "<h1>404</h1>"),
    "quality report": ("/quality", 'class="verdict"'),
    "entity": ("/id/concept/hostile", 'class="types"'),
    "named graph": ("/graph/hostile", 'class="types"'),
    "measure 2019": ("/id/plan/2019-2021/measure/1", 'class="measure-title"'),
    "measure 2014": ("/id/plan/2014-2016/measure/1", 'class="measure-title"'),
    "plan": ("/id/plan/2019-2021", 'class="prose-text"'),
    "section": ("/id/plan/2019-2021/axis/1", 'class="section-text"'),
    "organisation": ("/id/org/hostile", 'class="involvement"'),
    "person": ("/id/person/hostile", 'class="person-title"'),
    "legal text": ("/id/legal/fr/hostile/art/1", 'class="legal-title"'),
    "assessment": ("/id/assessment/hostile/measure/1", 'class="statement-title"'),
    "recommendation": ("/id/recommendation/hostile/1", 'class="statement-title"'),
    "finding": ("/id/finding/hostile/1", 'class="statement-title"'),
    "proposal": ("/id/proposal/hostile/1", 'class="statement-title"'),
    "statistics": ("/id/dataset/hostile", 'class="dataset-title"'),
    "source document": ("/id/doc/hostile", 'class="doc-statements"'),
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "cite"}
SCRIPTS = ("/static/search.js", "/static/build/editor.js")


class Page(HTMLParser):
    """A rendered page: every start tag with its attributes, and its text (what a reader sees)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.texts: list[str] = []
        self.in_script = False
        self.feed(html)
        self.text = "".join(self.texts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))
        self.in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False if tag == "script" else self.in_script

    def handle_data(self, data: str) -> None:
        if not self.in_script:
            self.texts.append(data)

    def urls(self) -> list[tuple[str, str, str]]:
        return [
            (tag, name, value) for tag, attrs in self.tags for name, value in attrs.items() if name in URL_ATTRIBUTES
        ]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The whole application in process over the hostile fixtures, built without the gate."""
    root = tmp_path_factory.mktemp("hostile-pages") / "store"
    sources = [FIXTURES / "pages" / "hostile.trig", FIXTURES / "pages" / "hostile-prose.trig"]
    build(sources, root, validate=False, log=lambda _: None)
    with TestClient(create_app(Settings(store=root, workers=1))) as client:
        yield client


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_links_only_web_iris_and_shows_html_as_text(hostile, page, lang):
    path, marker = PAGES[page]
    response = hostile.get(f"{path}{'&' if '?' in path else '?'}lang={lang}", headers={"Accept": "text/html"})
    assert response.status_code == (404 if page == "not found" else 200), response.text
    assert marker in response.text, page  # the page class's own template
    parsed = Page(response.text)
    assert parsed.tags[0] == ("html", {"lang": lang})
    for tag, name, value in parsed.urls():
        assert not re.match(r"\s*(javascript|data|vbscript):", value, re.IGNORECASE), (tag, name, value)
        assert value.startswith(("/", "#", "http://", "https://")) and not value.startswith("//"), (tag, value)
    for tag, attrs in parsed.tags:
        assert tag not in ("img", "iframe", "object", "embed", "style"), (tag, attrs)
        assert not [name for name in attrs if name.startswith("on") or name == "style"], (tag, attrs)
        if tag == "script":
            data_block = attrs.get("type") in ("application/json", "application/ld+json")  # data, never run
            assert attrs.get("src") in SCRIPTS or (
                data_block and attrs == {"type": attrs["type"], "id": attrs.get("id")}
            ), attrs
    if page == "not found":  # an IRI holds no < or " (the route checks it): the asked one is shown as it is
        assert "https://w3id.org/tehkg/id/nothing'here&x=1" in parsed.text
    elif page == "query editor":
        assert EVIL_QUERY in parsed.text
    else:
        assert SCRIPT in parsed.text and (page == "quality report" or IMG in parsed.text), page


def test_other_schemes_stay_text_where_web_iris_are_links(hostile):
    parsed = Page(hostile.get("/id/plan/2019-2021/measure/1", headers={"Accept": "text/html"}).text)
    links = [a.get("href") for tag, a in parsed.tags if tag == "a"]
    assert "https://example.org/ok" in links and "/id/org/hostile?lang=fr" in links
    for iri in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "vbscript:msgbox(1)"):
        assert iri in parsed.text and not [link for link in links if iri.lower() in (link or "").lower()], iri


def test_the_organisation_links_no_node_or_parent_of_another_scheme(hostile):
    """The four copies of the link rule that dropped the http(s) check were here: the organisation's roles, its
    hierarchy and attachments, the source document's statements and the plans compared; a node of another scheme
    naming an organisation or a person, and the organisations a person belongs to, are text too."""
    for path in ("/id/org/hostile", "/id/doc/hostile", "/compare", "/id/person/hostile"):
        text = hostile.get(path, headers={"Accept": "text/html"}).text
        assert 'href="javascript:' not in text and 'href="vbscript:' not in text and 'href="data:' not in text
    for path in ("/id/org/hostile", "/id/person/hostile"):
        page = Page(hostile.get(path, headers={"Accept": "text/html"}).text)
        assert "javascript:alert(32)" in page.text  # a node of another scheme naming them, as text
    person = Page(hostile.get("/id/person/hostile", headers={"Accept": "text/html"}).text)
    assert "javascript:alert(30)" in person.text and "vbscript:msgbox(30)" in person.text


# ---------------------------------------------------------------- the gathering, over the shipped data


@pytest.fixture(scope="module")
def reader(shipped_store: Path) -> Iterator[Reader]:
    """The shipped store read in process, as the pages read the endpoint (French)."""
    store = open_store(shipped_store)

    async def rows(query: str) -> list[dict]:
        solutions = store.query(query)
        assert isinstance(solutions, ox.QuerySolutions)
        names = [v.value for v in solutions.variables]
        return [{n: t for n, t in zip(names, s, strict=True) if t is not None} for s in solutions]

    yield Reader(rows, "fr")


def run(coroutine):  # noqa: ANN001, ANN201
    import asyncio

    return asyncio.run(coroutine)


def test_each_class_has_its_page(reader):
    kinds = {
        ID + "plan/2019-2021/measure/1": "measure.html",
        ID + "plan/2019-2021/axis/1": "section.html",
        ID + "plan/2014-2016": "section.html",
        ID + "org/miprof": "organisation.html",
        ID + "person/genevieve-colas": "person.html",
        ID + "legal/int/coe-convention-197": "legal.html",
        ID + "recommendation/cncdh-2017/final/14": "statement.html",
        ID + "dataset/cncdh-2017-residence-permits": "statistics.html",
        ID + "doc/cncdh-2017": "document.html",
        ID + "concept/implementation-status/partially-implemented": "entity.html",
    }
    for iri, template in kinds.items():
        found = run(reader.rows(f"SELECT ?p ?o ?g {{ GRAPH ?g {{ <{iri}> ?p ?o }} }}"))
        kind, page = run(entity.gather(reader, iri, found, []))
        assert kind.template == template and page.title, iri
        assert (TEMPLATES_DIR / template).exists()


def test_a_measure_gathers_who_carries_it_and_each_source_once(reader):
    m = run(measure.gather(reader, ID + "plan/2019-2021/measure/1"))
    assert m.notation == "1" and m.title == "Informer et sensibiliser sur les risques d'exploitation"
    roles = dict(m.roles)
    assert "SIG-Dicom" in [o.text for o in roles["pilot"]] and len(roles["partner"]) >= 8
    [source] = m.sources  # one passage, quoted twice (the pilots and the partners): shown once
    assert source.locator == "Axe 1 › Action n° 1 › Mesure 1" and len(source.quotes) == 2
    assert [c.text for c in m.trail] == ["Plan d'action 2019-2021", "Axe 1", "Action 1"]
    old = run(measure.gather(reader, ID + "plan/2014-2016/measure/3"))
    assert old.assessments[0].status.text == "partiellement mise en œuvre" and old.recommendations


def test_a_plan_gathers_its_tree_and_charts(reader):
    plan = run(section.gather_plan(reader, ID + "plan/2014-2016"))
    assert plan.head is None and plan.statuses and plan.carriers and plan.tree
    axis = run(section.gather_section(reader, ID + "plan/2019-2021/axis/1"))
    assert axis.head.kind == "Axe" and axis.head.notation == "1"
    measures = [n for action in axis.tree for n in action.children]
    assert [n.link.text for n in measures][:2] == ["Mesure 1", "Mesure 2"]


def test_an_organisation_gathers_involvement_hierarchy_and_attachments(reader):
    miprof = run(organisation.gather(reader, ID + "org/miprof"))
    assert miprof.hierarchy and any(box.current for box in miprof.hierarchy.boxes)
    assert miprof.attachments and len(miprof.attachments.rows[0].arrows) == 3
    relations = [r.local for r in miprof.involvement]
    assert relations[:3] == ["pilot", "partner", "implementer"]  # the plans' role lines first
    assert relations[-2:] == ["mentions", "references"]  # naming alone last
    # the more specific before the less: a signatory is a party is an actor
    assert relations.index("signatory") < relations.index("party") < relations.index("actor")
    pilot = miprof.involvement[0]
    query = f"SELECT (COUNT(DISTINCT ?m) AS ?n) {{ ?m <https://w3id.org/tehkg/ontology#pilot> <{ID}org/miprof> }}"
    assert len(pilot.items) == int(run(reader.rows(query))[0]["n"].value)
    numbers = [int(item.node.text.split()[1]) for item in pilot.items]
    assert numbers == sorted(numbers) and pilot.items[0].node.text.startswith("Mesure 1 — ")  # in plan order


def relations_of(reader, iri: str, lang: str = "fr") -> dict[str, involvement.Relation]:
    page = run(organisation.gather(Reader(reader.rows, lang), ID + iri))
    return {r.local: r for r in page.involvement}


def test_the_ocrteh_partners_a_2019_measure_and_is_named_by_two_documents(reader):
    """The OCRTEH is in the partners' line of 2019-2021 measure 9 (« ministère de l'Intérieur (SSM-SI, DGEF, OCLTI,
    OCRTEH) »), and named in passing by measure 31 (« Ocreth ») and by the CNCDH on 2014-2016 measure 23: each item
    with the passage that names it, not every passage of its node."""
    found = relations_of(reader, "org/ocrteh")
    assert list(found) == ["partner", "mentions"]
    [partner] = found["partner"].items
    assert partner.node.iri == ID + "plan/2019-2021/measure/9"
    assert partner.node.text == "Mesure 9 — Publier annuellement les données administratives disponibles en France"
    [source] = partner.sources
    assert source.document.iri == ID + "doc/plan-2019-2021" and source.locator == "Axe 1 › Action n° 3 › Mesure 9"
    [quote] = source.quotes  # the partners' line only, not the pilot's of the same passage
    assert quote.startswith("Partenaires : ministère de l'Intérieur (SSM-SI, DGEF, OCLTI, OCRTEH)")
    mentioned = found["mentions"].items
    assert [i.node.text for i in mentioned] == ["Évaluation (mesure 23)", "Mesure 31 — Mobiliser les moyens d'enquête"]
    assert [s.document.iri for i in mentioned for s in i.sources] == [ID + "doc/cncdh-2017", ID + "doc/plan-2019-2021"]
    assert "Ocreth" in mentioned[1].sources[0].quotes[0]
    assert found["partner"].name == "Partenaire" and found["mentions"].name == "Mentionne"  # the ontology's labels
    english = relations_of(reader, "org/ocrteh", "en")
    assert [r.name for r in english.values()] == ["Partner", "Mentions"]


def test_the_dgt_partners_one_measure_and_is_party_to_the_convention_of_another(reader):
    found = relations_of(reader, "org/dgt")
    assert [(r.name, [i.node.iri for i in r.items]) for r in found.values()] == [
        ("Partenaire", [ID + "plan/2019-2021/measure/9"]),
        ("Partie", [ID + "plan/2019-2021/measure/5"]),
    ]
    [party] = found["party"].items
    assert [s.locator for s in party.sources] == ["Axe 1 › Action n° 2 › Mesure 5"]
    assert "Direction générale du travail" in party.sources[0].quotes[0]  # the convention's sentence, not the roles


def test_a_person_gathers_what_each_document_says_and_who_names_them(reader):
    colas = run(person.gather(reader, ID + "person/genevieve-colas"))
    assert colas.name == "Geneviève Colas" and len(colas.accounts) == 2  # the Collectif's report, the minutes
    lines = [(line.name, line.link.text if line.link else line.text) for a in colas.accounts for line in a.lines]
    assert ("Coordination", "Collectif « Ensemble contre la traite des êtres humains »") in lines
    assert ("Membre de", "Secours Catholique") in lines
    assert ("Note", "qui coordonne le Collectif « Ensemble contre la traite des êtres humains »") in lines
    assert all(a.sources for a in colas.accounts)
    [participant] = colas.involvement
    assert participant.local == "participant" and participant.name == "Participant"
    [meeting] = participant.items
    assert meeting.node.iri == ID + "meeting/2014-01-27" and meeting.sources[0].document.iri == ID + "doc/meeting-2014"
    anato = run(person.gather(reader, ID + "person/patrice-anato"))
    [wrote] = anato.involvement  # the question, as the question's page states it (not the catalogue's record)
    assert wrote.name == "Auteur" and [i.node.iri for i in wrote.items] == [ID + "question/an-15/24191"]
    assert wrote.items[0].node.text.startswith("Question écrite n° 24191")
    assert ("Circonscription", "Seine-Saint-Denis (3e circonscription)") in [
        (line.name, line.text) for a in anato.accounts for line in a.lines
    ]


def test_a_plan_shows_its_foreword_and_introduction_with_their_passages(reader):
    plan = run(section.gather_plan(reader, ID + "plan/2019-2021"))
    foreword, introduction = plan.texts
    assert foreword.name == "Avant-propos" and foreword.lang == "fr"
    assert foreword.text.startswith("La traite des êtres humains et l'exploitation des personnes n'appartiennent")
    assert [s.locator for s in foreword.sources] == ["Avant-propos", "Avant-propos"]  # its two passages
    assert introduction.name == "Introduction" and [s.locator for s in introduction.sources] == ["Introduction"]
    english = run(section.gather_plan(Reader(reader.rows, "en"), ID + "plan/2019-2021"))
    assert [t.name for t in english.texts] == ["Foreword", "Introduction"] and english.texts[0].lang == "fr"
    older = run(section.gather_plan(reader, ID + "plan/2014-2016"))
    assert [(t.name, t.sources[0].document.iri) for t in older.texts] == [("Description", ID + "doc/cncdh-2017")]
    axis = run(section.gather_section(reader, ID + "plan/2019-2021/axis/1"))
    assert axis.head.text.startswith("La traite des êtres humains est un phénomène") and not axis.texts
    document = run(gather_document(reader, ID + "doc/cncdh-2017"))
    assert [t.name for t in document.texts] == ["Introduction", "Conclusion"]


def test_legal_statement_statistics_and_document_pages_gather(reader):
    article = run(legal.gather(reader, ID + "legal/fr/code-penal/art/225-4-1"))
    assert article.title == "Article 225-4-1 du code pénal" and article.cited_by
    said = run(statement.gather(reader, ID + "recommendation/cncdh-2017/measure/3/1"))
    assert said.heading == "Recommandation 1 (mesure 3)" and said.authors == ["CNCDH"]
    permits = run(statistics.gather(reader, ID + "dataset/cncdh-2017-residence-permits"))
    assert len(permits.observations) == 35 and permits.series
    document = run(gather_document(reader, ID + "doc/cncdh-2017"))
    assert ("Évaluation", 23) in [(kind, len(items)) for kind, items in document.statements]


def test_the_plans_compared_gather_every_2014_measure(reader):
    comparison = run(compare.gather(reader))
    assert len(comparison.rows) == 23 and comparison.followed and comparison.timeline
    assert len(comparison.picture.old) == 23


# ---------------------------------------------------------------- the link rule, dates and numbers


@pytest.mark.parametrize(
    "target,expected",
    [
        (ID + "plan/2019-2021", "/id/plan/2019-2021?lang=en"),
        ("https://w3id.org/tehkg/ontology#Measure", "/ontology?lang=en#Measure"),
        ("/sparql", "/sparql?lang=en"),
        ("/ontology?format=ttl", "/ontology?format=ttl&lang=en"),
        ("https://example.org/x", "https://example.org/x"),
        ("HTTP://example.org/x", "HTTP://example.org/x"),
        ("javascript:alert(1)", None),
        ("JavaScript:alert(1)", None),
        ("data:text/html,x", None),
        ("vbscript:msgbox(1)", None),
        ("urn:x:y", None),
        ("//evil.example/x", None),
    ],
)
def test_the_link_rule(target, expected):
    assert href(target, "en") == expected


def test_the_link_rule_takes_parameters():
    assert (
        href("/sparql", "fr", query="SELECT * { ?s ?p ?o }")
        == "/sparql?query=SELECT%20%2A%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D&lang=fr"
    )


def test_dates_and_numbers_as_each_language_writes_them():
    from decimal import Decimal

    assert readable_date("2017-07-06", "fr") == "6 juillet 2017" and readable_date("2017-07-06", "en") == "6 July 2017"
    assert readable_date("2014-05", "fr") == "mai 2014" and readable_date("2013", "fr") == "2013"
    assert readable_date("2017-13-01", "fr") == "2017-13-01"
    assert (
        readable_number(Decimal("1500"), "fr") == "1\u202f500" and readable_number(Decimal("1500.5"), "en") == "1,500.5"
    )


# ---------------------------------------------------------------- the words of the site


def catalogue(lang: str) -> dict[str, str]:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {m.id: m.string for m in read_po(po) if m.id and not m.fuzzy}


def test_every_word_of_the_pages_is_in_both_catalogues_and_translated_in_french():
    pages = TEMPLATES_DIR.parent
    options = {"trim_blocks": "true", "lstrip_blocks": "true", "trimmed": "true"}
    method_map = [("templates/**.html", "jinja2"), ("**.py", "python")]
    found = {m[2] for m in extract_from_dir(pages, method_map, options_map={"templates/**.html": options})}
    assert found and found == set(catalogue("fr")) == set(catalogue("en"))  # `make messages` when this fails
    placeholders = re.compile(r"%\(\w+\)s")
    for msgid, french in catalogue("fr").items():
        assert french, msgid
        assert sorted(placeholders.findall(french)) == sorted(placeholders.findall(msgid)), msgid
    assert not any(catalogue("en").values())  # English is the source language: msgstr "" shows the msgid


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_compiled_catalogues_match_their_sources(lang):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for msgid, msgstr in catalogue(lang).items():
        assert compiled.gettext(msgid) == (msgstr or msgid), msgid  # `make messages` when this fails


# ---------------------------------------------------------------- one home for the link rule


def test_no_code_but_the_link_rule_builds_an_href():
    """No Python string of the package holds ``href=`` (pages are templates); in the templates, an ``href`` is a
    constant path of the site, or the ``href`` filter (links.py) of a literal path, or of a value whose template
    first asks the filter whether it is a link at all (the ``link`` and ``svg_link`` macros, the language switch)."""
    for folder in ("tehkg", "endpoint", "loader"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            if path.resolve() != path.absolute():
                continue  # read through tehkg/loader or tehkg/endpoint: the same file is read from its folder
            if path.name == "api_docs.py":  # the shell of Swagger UI and ReDoc: their own assets, no IRI, no data
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    assert "href=" not in node.value.replace(" ", ""), (path, node.lineno)
    pages = TEMPLATES_DIR.parent
    for path in pages.glob("*.py"):
        source = path.read_text().replace("re.escape(", "")  # a regular expression's escaping, not HTML's
        assert "escape(" not in source and "Markup" not in source, path  # autoescaping does it
    filtered = re.compile(r"\{\{ (?P<subject>[^{}|]+)\|href(\([^{}]*\))? \}\}")
    checked = 0
    for path in TEMPLATES_DIR.glob("*.html"):
        template = path.read_text()
        guards = " ".join(re.findall(r"\{%-? if ([^%]*)%\}", template))
        for value in re.findall(r'\bhref="([^"]*)"', template):
            checked += 1
            if "{" not in value:
                assert value.startswith(("/", "#")) and not value.startswith("//"), (path.name, value)
                continue
            match = filtered.fullmatch(value)
            assert match, (path.name, value)
            subject = match["subject"]
            assert re.fullmatch(r"'/[^']*'", subject) or f"{subject}|href" in guards, (path.name, value)
        assert not re.search(r'\bhref=[^"]', template), path.name  # every href is written href="…"
    assert checked > 20


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    found |= {
        f"{n.module}.{a.name}" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module for a in n.names
    }
    return found | {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}


def test_the_pages_package_keeps_to_its_side():
    """The pages read the store through the endpoint's context and name things with tehkg.vocab; nothing else of
    tehkg reaches into them but the routes, through the entry points of tehkg.endpoint.pages."""
    allowed = ("tehkg.vocab", "tehkg.resources", "tehkg.loader.search_index", "tehkg.endpoint.context")
    for path in TEMPLATES_DIR.parent.glob("*.py"):
        ours = {m for m in imports_of(path) if m.startswith("tehkg")} - {"tehkg", "tehkg.__version__"}
        outside = {m for m in ours if not m.startswith(("tehkg.endpoint.pages", *allowed))}
        assert not outside, (path.name, outside)
    for folder in ("tehkg", "endpoint", "loader"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            if TEMPLATES_DIR.parent.resolve() in path.parents:
                continue
            inside = {m for m in imports_of(path) if m.startswith("tehkg.endpoint.pages.")}
            assert not inside, (path, inside)
            if "tehkg.endpoint.pages" in imports_of(path):
                assert path.parent.name == "routes", path
