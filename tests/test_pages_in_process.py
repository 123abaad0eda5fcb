"""The pages in process (FastAPI's TestClient, no server): every page class rendered in both languages over data
built without the gate (tests/fixtures/pages/hostile.trig) links no IRI of another scheme than http(s) and shows
HTML-bearing literals as text; the gathering of each page class over the shipped data; the one link rule; the
message catalogues; and that no code but the link rule builds an href."""

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
from tehkg.endpoint.pages import compare, entity, legal, measure, organisation, section, statement, statistics
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
    "plan": ("/id/plan/2019-2021", 'class="tree"'),
    "section": ("/id/plan/2019-2021/axis/1", 'class="section-title"'),
    "organisation": ("/id/org/hostile", 'class="org-roles"'),
    "legal text": ("/id/legal/fr/hostile/art/1", 'class="legal-title"'),
    "assessment": ("/id/assessment/hostile/measure/1", 'class="statement-title"'),
    "recommendation": ("/id/recommendation/hostile/1", 'class="statement-title"'),
    "finding": ("/id/finding/hostile/1", 'class="statement-title"'),
    "proposal": ("/id/proposal/hostile/1", 'class="statement-title"'),
    "statistics": ("/id/dataset/hostile", 'class="dataset-title"'),
    "source document": ("/id/doc/hostile", 'class="doc-statements"'),
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "cite"}
SCRIPTS = ("/static/search.js", "/static/editor.js")


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
    """The whole application in process over the hostile fixture, built without the gate."""
    root = tmp_path_factory.mktemp("hostile-pages") / "store"
    build([FIXTURES / "pages" / "hostile.trig"], root, validate=False, log=lambda _: None)
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
            assert attrs.get("src") in SCRIPTS or attrs == {"type": "application/json", "id": attrs.get("id")}, attrs
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


def test_the_organisation_links_no_plan_or_parent_of_another_scheme(hostile):
    """The four copies of the link rule that dropped the http(s) check were here: the organisation's roles, its
    hierarchy and attachments, the source document's statements and the plans compared."""
    for path in ("/id/org/hostile", "/id/doc/hostile", "/compare"):
        text = hostile.get(path, headers={"Accept": "text/html"}).text
        assert 'href="javascript:' not in text and 'href="vbscript:' not in text and 'href="data:' not in text
    organisation = Page(hostile.get("/id/org/hostile", headers={"Accept": "text/html"}).text)
    assert "javascript:alert(16)" in organisation.text  # a plan of another scheme, named as text


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


def test_an_organisation_gathers_roles_hierarchy_and_attachments(reader):
    miprof = run(organisation.gather(reader, ID + "org/miprof"))
    assert miprof.roles and all(role in organisation.ROLES for plan in miprof.roles for role, _ in plan.roles)
    assert miprof.hierarchy and any(box.current for box in miprof.hierarchy.boxes)
    assert miprof.attachments and len(miprof.attachments.rows[0].arrows) == 3


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
        source = path.read_text()
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
