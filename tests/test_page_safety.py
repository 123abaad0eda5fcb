"""Page safety (issue 14, findings 9 and 12): security headers on every response, only http(s) links,
self-built URLs that no ``Host`` header chooses, and query links a browser opens as the editor. The application in
process, but for the ``Host`` of a real connection and for Chromium: a started server."""

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from tehkg.endpoint.http.guard import PAGE_POLICY
from tehkg.settings import Settings, SettingsError
from tests.browser import answer_rows, csp_refusals, start_chromium
from tests.conftest import IN_PROCESS, in_process, start_server, stop, tehkg_cli
from tests.test_browser import editor, query_text

ID = "https://w3id.org/tehkg/id/test/"
HOSTILE_TRIG = f"""@prefix teh: <https://w3id.org/tehkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/tehkg/graph/hostile> {{
  <{ID}action> a teh:Action ; skos:prefLabel "Action piégée"@fr ;
    rdfs:seeAlso <javascript:alert(1)>, <data:text/html,x>, <urn:x:y>, <https://example.org/ok> .
  <javascript:alert(2)> rdfs:seeAlso <{ID}action> ; skos:prefLabel "Cible piégée"@fr .
  <javascript:alert(3)> a teh:Measure ; teh:isComponentOf <{ID}action> ; skos:notation "1" .
  <{ID}measure> a teh:Measure ; skos:prefLabel "Mesure piégée"@fr ; skos:notation "2" ;
    teh:isComponentOf <javascript:alert(4)> ; teh:pilot <javascript:alert(5)> ;
    <http://data.europa.eu/m8g/hasParticipation> [ <http://data.europa.eu/m8g/role> <{ID}role/pilot> ;
      <http://data.europa.eu/m8g/hasParticipant> <javascript:alert(5)> ] .
  <javascript:alert(4)> a teh:Axis ; skos:notation "3" .
}}
<javascript:alert(6)> {{ <{ID}action> rdfs:comment "dans un graphe au nom piégé"@fr . }}
"""
HOSTILE_PAGES = ["/id/test/action", "/id/test/measure"]
CHROMIUM_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
    "application/signed-exchange;v=b3;q=0.7"
)
PUBLIC = "https://kg.example.org"
EVIL = {"Host": "evil.example"}


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store whose source gives IRIs of other schemes as objects, subjects, graph names and plan sections."""
    root = tmp_path_factory.mktemp("hostile-pages")
    source = root / "hostile.trig"
    source.write_text(HOSTILE_TRIG)
    result = tehkg_cli("build", str(source), "--store", str(root / "store"), "--no-validate")
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "store"


@pytest.fixture(scope="module")
def hostile_server(hostile_store: Path) -> Iterator[str]:
    """A started server over the hostile store: the address its connections are accepted on, and Chromium."""
    process, base = start_server(hostile_store, TEHKG_WORKERS="1")
    yield base
    stop(process)


@pytest.fixture(scope="module")
def hostile_client(hostile_store: Path) -> Iterator[TestClient]:
    """The endpoint over the hostile store, in process."""
    with in_process(hostile_store, TEHKG_WORKERS="1") as client:
        yield client


@pytest.fixture(scope="module")
def public_client(hostile_store: Path) -> Iterator[TestClient]:
    """The endpoint over the hostile store with TEHKG_PUBLIC_URL, in process."""
    with in_process(hostile_store, TEHKG_WORKERS="1", TEHKG_PUBLIC_URL=PUBLIC + "/") as client:
        yield client


class Tags(HTMLParser):
    """Every start tag of a page with its attributes."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def hrefs(self) -> list[str]:
        return [a["href"] or "" for _, a in self.tags if "href" in a]


def page(client: TestClient, path: str, **headers: str) -> httpx.Response:
    return client.get(path, headers={"Accept": "text/html", **headers}, timeout=30)


def page_over_http(base: str, path: str, **headers: str) -> httpx.Response:
    return httpx.get(base + path, headers={"Accept": "text/html", **headers}, timeout=30)


# ---------------------------------------------------------------- headers on every response


def assert_security_headers(response: httpx.Response) -> None:
    headers = response.headers
    assert headers.get_list("content-security-policy") == [PAGE_POLICY], response.url
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"


@pytest.mark.parametrize(
    "path,accept,status",
    [
        ("/", "text/html", 200),
        ("/sparql", "text/html", 200),  # the editor
        ("/sparql", "text/turtle", 200),  # the service description
        ("/sparql?query=" + quote("ASK {}"), "application/sparql-results+json", 200),  # the query layer
        ("/sparql?query=" + quote("SELECT"), "*/*", 400),  # a query the layer refuses
        ("/id/test/action", "text/html", 200),
        ("/id/test/action", "text/turtle", 200),
        ("/id/test/nothing", "text/html", 404),
        ("/no/such/route", "*/*", 404),
        ("/static/build/editor.js", "*/*", 200),
        ("/static/style.css", "*/*", 200),
        ("/dataset", "text/turtle", 200),
        ("/health", "*/*", 200),
    ],
)
def test_security_headers_on_every_response(hostile_client, path, accept, status):
    response = hostile_client.get(path, headers={"Accept": accept}, timeout=30)
    assert response.status_code == status, response.text
    assert_security_headers(response)


def test_security_headers_on_requests_the_guard_refuses(hostile_client):
    response = hostile_client.get("/", headers={"X-Padding": "a" * 20_000}, timeout=30)
    assert response.status_code == 431
    assert_security_headers(response)
    response = hostile_client.post("/sparql", content=b"x" * 1_100_000, timeout=30)
    assert response.status_code == 413
    assert_security_headers(response)


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_api_docs_run_only_scripts_of_this_server(hostile_client, path):
    response = hostile_client.get(path, timeout=30)
    assert response.status_code == 200
    policy = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert policy["style-src"] == "'self' 'unsafe-inline'"  # ReDoc inserts its styles at run time
    assert response.headers["x-frame-options"] == "DENY" and response.headers["x-content-type-options"] == "nosniff"


def pages_of(client: TestClient, paths: list[str]) -> list[tuple[str, Tags]]:
    found = []
    for path in paths:
        response = page(client, path)
        assert response.status_code == 200, path
        found.append((path, Tags(response.text)))
    return found


@pytest.mark.parametrize("which", ["hostile", "shipped"])
def test_pages_run_no_inline_script_style_or_handler(which, request):
    client = request.getfixturevalue("hostile_client" if which == "hostile" else "shipped_client")
    paths = ["/", "/sparql", "/sparql?query=" + quote("ASK {}"), "/ontology", "/search?q=plan"]
    paths += (
        HOSTILE_PAGES if which == "hostile" else ["/id/plan/2019-2021", "/id/org/dgcs", "/id/plan/2019-2021/measure/1"]
    )
    for path, tags in pages_of(client, paths):
        for tag, attrs in tags.tags:
            assert not [name for name in attrs if name.startswith("on") or name == "style"], (path, tag, attrs)
            if tag == "script":
                data_block = attrs.get("type") in ("application/json", "application/ld+json")  # data, never run
                assert "src" in attrs or data_block, (path, attrs)
        assert not [t for t, _ in tags.tags if t == "style"], path


# ---------------------------------------------------------------- only http(s) links


@pytest.mark.parametrize("path", HOSTILE_PAGES + ["/graph/hostile"])
def test_pages_link_only_http_iris(hostile_client, path):
    response = page(hostile_client, path)
    assert response.status_code == 200
    hrefs = Tags(response.text).hrefs()
    assert hrefs and all(h.startswith(("/", "http://", "https://")) for h in hrefs), hrefs
    assert not [h for h in hrefs if h.startswith("//")]


def test_other_schemes_are_shown_as_text(hostile_client):
    text = page(hostile_client, "/id/test/action").text
    tags = Tags(text)
    assert "https://example.org/ok" in tags.hrefs()  # a web link stays a link
    for iri in ("javascript:alert(1)", "data:text/html,x", "urn:x:y", "javascript:alert(2)", "javascript:alert(6)"):
        assert f'<span title="{iri}"' in text or f">{iri}</span>" in text, iri
    measure = page(hostile_client, "/id/test/measure").text  # plan trail and roles come first there
    assert re.search(r'<nav class="crumbs"[^>]*><span title="[^"]*">[^<]*3</span></nav>', measure), measure
    assert '<dd class="role-pilot"><ul><li><span>javascript:alert(5)</span></li></ul></dd>' in measure


def test_search_offers_no_hit_without_a_page(hostile_client):
    hits = hostile_client.get("/search", params={"q": "piégée", "format": "json"}).json()["results"]
    assert sorted(h["iri"] for h in hits) == [ID + "action", ID + "measure"]


# ---------------------------------------------------------------- hosts


def test_host_header_is_not_reflected(hostile_server):
    redirect = httpx.get(hostile_server + "/sparql/", headers=EVIL, timeout=30)
    assert redirect.status_code in (301, 307, 308)
    assert redirect.headers["location"] == hostile_server + "/sparql"  # the bound 127.0.0.1:port
    description = httpx.get(hostile_server + "/sparql", headers={**EVIL, "Accept": "text/turtle"}).text
    assert f"<{hostile_server}/sparql>" in description and "evil.example" not in description
    void = httpx.get(hostile_server + "/dataset", headers={**EVIL, "Accept": "application/n-triples"}).text
    assert f"<{hostile_server}/sparql>" in void and "evil.example" not in void
    landing = page_over_http(hostile_server, "/", **EVIL).text
    assert f"<code>{hostile_server}/sparql</code>" in landing and "evil.example" not in landing


def relative_iri(client: httpx.Client, **headers: str) -> str:
    """The IRI ``x`` resolves to in a query sent by ``client`` (over HTTP, or a TestClient)."""
    query = 'SELECT (IRI("x") AS ?i) {}'
    response = client.get("/sparql", params={"query": query, "format": "csv"}, headers=headers, timeout=30)
    return response.text.split()[1]


def test_relative_iris_resolve_against_the_bound_address(hostile_server):
    with httpx.Client(base_url=hostile_server, timeout=30) as client:
        assert relative_iri(client, **EVIL) == hostile_server + "/x"


def test_public_url_is_the_base_of_every_self_built_url(public_client):
    bound = urlsplit(IN_PROCESS).hostname  # the address the in-process connection is accepted on
    description = public_client.get("/sparql", headers={**EVIL, "Accept": "text/turtle"}).text
    assert f"<{PUBLIC}/sparql>" in description and "evil.example" not in description and bound not in description
    void = public_client.get("/dataset", headers={"Accept": "application/n-triples"}).text
    assert f"<http://rdfs.org/ns/void#sparqlEndpoint> <{PUBLIC}/sparql>" in void
    dumps = re.findall(r"<http://rdfs.org/ns/void#dataDump> <([^>]+)>", void)
    assert dumps and all(url.startswith(PUBLIC + "/") for url in dumps) and bound not in void
    assert public_client.get("/sparql/", headers=EVIL).headers["location"] == PUBLIC + "/sparql"
    assert relative_iri(public_client, **EVIL) == PUBLIC + "/x"


@pytest.mark.parametrize(
    "value,origin",
    [
        ("https://kg.example.org/", "https://kg.example.org"),
        ("http://kg.example.org:8080", "http://kg.example.org:8080"),
    ],
)
def test_public_url_setting_is_an_origin(value, origin, monkeypatch):
    monkeypatch.setenv("TEHKG_PUBLIC_URL", value)
    assert Settings.load().public_url == origin


@pytest.mark.parametrize(
    "value", ["javascript:alert(1)", "ftp://kg.example.org", "https://", "https://kg.example.org/x"]
)
def test_public_url_setting_refuses_what_is_not_an_origin(value):
    with pytest.raises(SettingsError, match="TEHKG_PUBLIC_URL"):
        Settings.load(public_url=value)


@pytest.mark.parametrize(
    "name,value,message",
    [
        ("TEHKG_PUBLIC_URL", "https://kg.example.org/sub", "TEHKG_PUBLIC_URL: must be http(s)://host[:port]"),
        ("TEHKG_PORT", "eighty", "TEHKG_PORT: input should be a valid integer, unable to parse string as an integer"),
    ],
)
def test_serve_refuses_unreadable_settings_naming_them(name, value, message, monkeypatch, tmp_path):
    monkeypatch.setenv(name, value)
    result = tehkg_cli("serve", "--store", str(tmp_path / "store"))
    assert result.returncode == 2 and f"error: {message}" in result.stderr and "Traceback" not in result.stderr


# ---------------------------------------------------------------- query links as a browser opens them


def test_a_browser_opening_a_query_link_gets_the_editor(hostile_client):
    query = "SELECT ?s { ?s a <https://w3id.org/tehkg/ontology#Action> }"
    response = hostile_client.get("/sparql", params={"query": query}, headers={"Accept": CHROMIUM_ACCEPT})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "Accept" in response.headers["vary"]
    textarea = re.search(r'<textarea id="query"[^>]*>(.*?)</textarea>', response.text, re.DOTALL).group(1)
    assert textarea == "SELECT ?s { ?s a &lt;https://w3id.org/tehkg/ontology#Action&gt; }"


@pytest.mark.parametrize(
    "accept,fmt,media",
    [
        ("*/*", None, "application/sparql-results+json"),
        (None, None, "application/sparql-results+json"),
        ("text/*", None, "text/csv"),
        ("application/sparql-results+json, text/html;q=0.9", None, "application/sparql-results+json"),
        ("text/html;q=0.5, application/sparql-results+xml", None, "application/sparql-results+xml"),
        (CHROMIUM_ACCEPT, "json", "application/sparql-results+json"),  # the editor's download links
        (CHROMIUM_ACCEPT, "csv", "text/csv"),
        ("application/sparql-results+json", "html", "text/html"),
    ],
)
def test_clients_that_prefer_results_keep_them(hostile_client, accept, fmt, media):
    params = {"query": "ASK {}", **({"format": fmt} if fmt else {})}
    headers = {"Accept": accept} if accept else {}
    response = hostile_client.get("/sparql", params=params, headers=headers)
    assert response.status_code == 200 and response.headers["content-type"].split(";")[0] == media


def test_landing_page_examples_are_query_links(shipped_client):
    hrefs = [h for h in Tags(page(shipped_client, "/").text).hrefs() if h.startswith("/sparql?query=")]
    assert len(hrefs) >= 5
    opened = shipped_client.get(hrefs[0], headers={"Accept": CHROMIUM_ACCEPT})
    assert opened.headers["content-type"].startswith("text/html") and '<textarea id="query"' in opened.text


# ---------------------------------------------------------------- in headless Chromium


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    session = start_chromium(tmp_path_factory.mktemp("chromium-safety"), console=True)
    session.implicitly_wait(5)
    yield session
    session.quit()


@pytest.mark.browser
def test_editor_results_link_only_http_iris_and_fire_nothing(chromium, hostile_server):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    query = (
        'SELECT ?evil ?web { BIND(IRI("javascript:alert(1)") AS ?evil) BIND(IRI("https://example.org/ok") AS ?web) }'
    )
    chromium.get(hostile_server + "/sparql?query=" + quote(query))  # a query link, as a browser opens it
    assert query_text(chromium) == query
    [row] = answer_rows(chromium)
    evil, web = row.find_elements(By.TAG_NAME, "td")[:2]  # the third: « why this row? »
    assert evil.text == "javascript:alert(1)" and not evil.find_elements(By.TAG_NAME, "a")
    assert web.find_element(By.TAG_NAME, "a").get_attribute("href") == "https://example.org/ok"
    assert not chromium.find_elements(By.CSS_SELECTOR, "a[href^='javascript:'], a[href^='data:']")
    evil.click()
    with pytest.raises(NoAlertPresentException):
        chromium.switch_to.alert.text  # noqa: B018
    assert chromium.current_url.startswith(hostile_server + "/sparql?query=")


@pytest.mark.browser
def test_share_link_and_examples_open_the_editor_with_results(chromium, server):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    chromium.get(server + "/")
    theme = chromium.find_element(By.CSS_SELECTOR, "main details.examples")  # the examples, grouped by theme
    theme.find_element(By.TAG_NAME, "summary").click()
    theme.find_element(By.CSS_SELECTOR, "a[href^='/sparql?query=']").click()
    query = query_text(chromium)
    assert query.strip() and answer_rows(chromium)
    editor(chromium).find_element(By.CSS_SELECTOR, ".cm-content").click()
    to_the_end = ActionChains(chromium).key_down(Keys.CONTROL).send_keys(Keys.END).key_up(Keys.CONTROL)
    to_the_end.send_keys(" # shared").perform()
    assert query_text(chromium) == query + " # shared"  # the link carries the edited query
    chromium.find_element(By.ID, "share").click()  # sets the link's address, then follows it
    WebDriverWait(chromium, 20).until(lambda b: "shared" in b.current_url)
    assert chromium.current_url.startswith(server + "/sparql?query=")
    assert query_text(chromium) == query + " # shared"
    assert answer_rows(chromium) and chromium.find_element(By.TAG_NAME, "h1").text == "SPARQL"


@pytest.mark.browser
def test_pages_raise_no_csp_errors_and_the_policy_holds(chromium, server, hostile_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    csp_refusals(chromium)  # clears the log
    for path in ["/", "/id/plan/2019-2021", "/id/org/dgcs", "/ontology", "/dataset"]:
        chromium.get(server + path)
        chromium.find_element(By.TAG_NAME, "h1")
    chromium.get(server + "/sparql")
    Select(chromium.find_element(By.ID, "examples")).select_by_index(1)  # examples read from the JSON block
    assert query_text(chromium).strip()
    chromium.find_element(By.ID, "run").click()
    assert answer_rows(chromium)
    for path in HOSTILE_PAGES:
        chromium.get(hostile_server + path)
    assert csp_refusals(chromium) == []
    injected = "const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
    ran = chromium.execute_script(injected + " document.body.appendChild(s); return window.ran === 1;")
    assert ran is False  # the policy refuses an inline script
    assert csp_refusals(chromium)  # and says so in the console: the check above can fail
