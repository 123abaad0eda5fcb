"""The pages in a real headless Chromium: landing, query editor (completion from the graph, the answer's views,
Cancel), organisation → measure (its measures and their sources in both languages), phone width."""

import os
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests.browser import csp_refusals, start_chromium

ARTIFACTS = Path(__file__).parent / "artifacts"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    session = start_chromium(tmp_path_factory.mktemp("chromium"), console=True)
    session.set_window_size(1280, 900)
    session.implicitly_wait(5)
    ARTIFACTS.mkdir(exist_ok=True)
    yield session
    session.quit()


def test_landing_page(browser, server):
    from selenium.webdriver.common.by import By

    browser.get(server + "/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "tehkg"
    assert "Plan 2019-2021" in browser.find_element(By.CSS_SELECTOR, "ul.entry").text
    browser.save_screenshot(str(ARTIFACTS / "landing.png"))


def test_query_editor_runs_an_example(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    browser.get(server + "/sparql")
    Select(browser.find_element(By.ID, "examples")).select_by_index(1)
    browser.find_element(By.ID, "run").click()
    WebDriverWait(browser, 20).until(
        lambda b: b.find_element(By.ID, "status").get_attribute("data-state") in ("done", "error")
    )
    assert " lignes, " in browser.find_element(By.ID, "status").text  # the French view by default
    assert browser.find_elements(By.CSS_SELECTOR, "#results .view-tabs [role=tab]")
    keyword = next(s for s in editor(browser).find_elements(By.CSS_SELECTOR, ".cm-line span") if s.text == "SELECT")
    plain = editor(browser).find_element(By.CSS_SELECTOR, ".cm-content")
    assert colour(browser, keyword) != colour(browser, plain)  # syntax highlighting
    assert not csp_refusals(browser)
    browser.save_screenshot(str(ARTIFACTS / "query-editor.png"))


def editor(browser):
    """The editor's shadow root (CodeMirror lives there, its styles as constructed style sheets)."""
    from selenium.webdriver.common.by import By

    return browser.find_element(By.ID, "editor-host").shadow_root


def colour(browser, element) -> str:
    return browser.execute_script("return getComputedStyle(arguments[0]).color", element)


def type_query(browser, text: str) -> None:
    """Replaces the editor's query by ``text``, typed key by key (the editor closes brackets itself)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    editor(browser).find_element(By.CSS_SELECTOR, ".cm-content").click()
    ActionChains(browser).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).send_keys(Keys.DELETE).perform()
    assert query_text(browser) == ""
    ActionChains(browser).send_keys(text).perform()


def offers(browser) -> list[str]:
    """The completions the editor offers, once it offers some."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    selector = ".cm-tooltip-autocomplete li .cm-completionLabel"
    WebDriverWait(browser, 10).until(lambda b: editor(b).find_elements(By.CSS_SELECTOR, selector))
    return [label.text for label in editor(browser).find_elements(By.CSS_SELECTOR, selector)]


def query_text(browser) -> str:
    return browser.execute_script("return document.getElementById('query').value")


def open_query(browser, server: str, query: str, lang: str = "fr") -> None:
    """The editor with ``query`` in its URL (run at once, as a shared link is), once the answer is shown."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{server}/sparql?query={quote(query)}&lang={lang}")
    WebDriverWait(browser, 20).until(lambda b: b.find_element(By.ID, "status").get_attribute("data-state") == "done")


def test_completion_offers_a_property_of_the_graph(browser, server):
    browser.get(server + "/sparql")
    type_query(browser, "SELECT * WHERE { ?m teh:pi")
    found = offers(browser)
    assert found[0] == "teh:pilot" and "teh:pilotText" in found
    assert not csp_refusals(browser)
    browser.save_screenshot(str(ARTIFACTS / "editor-completion-property.png"))


def test_completion_offers_organisations_by_acronym_after_pilot(browser, server):
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/sparql")
    type_query(browser, "SELECT ?m WHERE { ?m teh:pilot Ofii")
    assert offers(browser) == ["tehorg:ofii"]  # the Office français de l'immigration et de l'intégration
    browser.save_screenshot(str(ARTIFACTS / "editor-completion-entity.png"))
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    assert query_text(browser) == "SELECT ?m WHERE { ?m teh:pilot tehorg:ofii}"
    assert not csp_refusals(browser)


def test_completion_offers_a_legal_text_by_its_name_of_several_words(browser, server):
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/sparql")
    type_query(browser, "SELECT ?m WHERE { ?m teh:refersTo Code pénal")
    assert offers(browser)[0] == "<https://w3id.org/tehkg/id/legal/fr/code-penal>"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    assert query_text(browser) == "SELECT ?m WHERE { ?m teh:refersTo <https://w3id.org/tehkg/id/legal/fr/code-penal>}"
    assert not csp_refusals(browser)


def test_group_by_answer_is_a_bar_chart_of_labelled_bars(browser, server):
    from selenium.webdriver.common.by import By

    open_query(browser, server, "SELECT ?plan (COUNT(?m) AS ?n) WHERE { ?m teh:inPlan ?plan } GROUP BY ?plan", "en")
    chart = browser.find_element(By.CSS_SELECTOR, "#results svg.bar-chart")
    bars = [t.get_attribute("textContent") for t in chart.find_elements(By.CSS_SELECTOR, "rect.bar title")]
    assert sorted(bars) == [
        "2nd national action plan against trafficking in human beings 2019-2021: 45",
        "National action plan against trafficking in human beings (2014-2016): 23",
    ]
    assert sorted(t.text for t in chart.find_elements(By.CSS_SELECTOR, "text.bar-value")) == ["23", "45"]
    assert sorted(a.get_dom_attribute("href") for a in chart.find_elements(By.TAG_NAME, "a")) == [
        "/id/plan/2014-2016?lang=en",  # each bar's label opens its page, in the page's language
        "/id/plan/2019-2021?lang=en",
    ]
    assert len(chart.find_elements(By.CSS_SELECTOR, "rect.bar")) == 2
    assert browser.find_element(By.ID, "status").text.startswith("2 rows, ")
    browser.save_screenshot(str(ARTIFACTS / "editor-bar-chart.png"))
    browser.find_element(By.CSS_SELECTOR, ".view-tabs [data-view=table]").click()  # the table, sortable
    browser.find_element(By.XPATH, "//th/button[text()='n']").click()
    assert [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#results tbody td:nth-child(2)")] == ["23", "45"]
    assert not csp_refusals(browser)


def test_dated_answer_is_a_timeline(browser, server):
    from selenium.webdriver.common.by import By

    open_query(browser, server, "SELECT ?doc ?date WHERE { ?doc a teh:SourceDocument ; dcterms:issued ?date }")
    timeline = browser.find_element(By.CSS_SELECTOR, "#results svg.timeline")
    assert [e.text[:10] for e in timeline.find_elements(By.CSS_SELECTOR, "text.event-label")] == [
        "2014-01-29",
        "2017-03-09",
        "2017-07-06",
        "2019-10-18",
        "2019-11-05",
    ]
    assert len(timeline.find_elements(By.CSS_SELECTOR, "circle.event")) == 5
    browser.save_screenshot(str(ARTIFACTS / "editor-timeline.png"))
    assert not csp_refusals(browser)


def test_answer_table_pages_filters_and_downloads(browser, server):
    from selenium.webdriver.common.by import By

    query = "SELECT ?m WHERE { ?m a teh:Measure }"
    open_query(browser, server, query)
    assert browser.find_element(By.ID, "status").text.startswith("68 lignes, ")
    pager = browser.find_element(By.CSS_SELECTOR, "#results .pager")
    assert pager.text == "‹ page 1 sur 2 (68 lignes) ›"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#results tbody tr")) == 50
    pager.find_element(By.CSS_SELECTOR, "button.next").click()
    assert len(browser.find_elements(By.CSS_SELECTOR, "#results tbody tr")) == 18
    browser.find_element(By.CSS_SELECTOR, "#results input.filter").send_keys("2014-2016")  # the IRIs say the plan
    assert browser.find_element(By.CSS_SELECTOR, "#results .pager").text == "‹ page 1 sur 1 (23 lignes) ›"
    first = browser.find_element(By.CSS_SELECTOR, "#results tbody td a")
    assert first.get_attribute("href").startswith(server + "/id/plan/2014-2016/measure/")  # a link to its page
    assert first.text and "w3id.org" not in first.text  # shown by its label
    for format, media_type in [("csv", "text/csv"), ("tsv", "text/tab-separated-values"), ("json", "json")]:
        link = browser.find_element(By.ID, format)
        assert link.get_attribute("download") == f"answer.{format}"
        answer = httpx.get(link.get_attribute("href"))
        assert answer.status_code == 200 and media_type in answer.headers["content-type"], answer.text
        assert answer.headers["tehkg-result-count"] == "68"
    assert browser.find_element(By.ID, "share").get_attribute("href") == f"{server}/sparql?query={quote(query)}"
    assert not csp_refusals(browser)


def test_a_cut_answer_says_so(browser, server):
    from selenium.webdriver.common.by import By

    open_query(browser, server, "SELECT * WHERE { ?s ?p ?o }", "en")
    assert browser.find_element(By.ID, "status").text.startswith("5000 rows, ")
    assert browser.find_element(By.ID, "status").text.endswith(" ms (cut at 5000 rows)")
    assert not csp_refusals(browser)


def test_iri_pairs_are_a_graph(browser, server):
    from selenium.webdriver.common.by import By

    open_query(browser, server, "SELECT ?org ?parent WHERE { ?org org:subOrganizationOf ?parent }", "en")
    rows = int(browser.find_element(By.ID, "status").text.split()[0])
    graph = browser.find_element(By.CSS_SELECTOR, "#results svg.graph-view")
    assert len(graph.find_elements(By.CSS_SELECTOR, "line.edge")) == rows
    names = {t.text for t in graph.find_elements(By.CSS_SELECTOR, "text.node-label")}
    assert "Ministry of the Interior" in names
    browser.execute_script("arguments[0].scrollIntoView()", graph)
    browser.save_screenshot(str(ARTIFACTS / "editor-graph.png"))
    assert not csp_refusals(browser)


@pytest.mark.parametrize(
    ("query", "message", "excerpt"),
    [
        (
            "SELECT * WHERE {\n  ?s teh:pilot }",
            "Erreur de syntaxe ligne 2, colonne 16 : attendu « $ », « ' », « ''' », « ( », « * », « + », « - », « . », "
            '« / », « : », « < », « << », « <<( », « ? », « [ », « " », « """ », « _: », « false », « true », « | », '
            "un chiffre, une lettre",  # the object missing, on the line of the query as written (no PREFIX added)
            "  ?s teh:pilot }\n               ^",
        ),
        (
            "SELECT * WHERE { ?s nowhere:p ?o }",
            "Erreur de syntaxe ligne 1, colonne 30 : attendu un préfixe déclaré",
            "SELECT * WHERE { ?s nowhere:p ?o }\n                             ^",
        ),
    ],
)
def test_syntax_errors_in_words_where_they_are(browser, server, query, message, excerpt):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{server}/sparql?query={quote(query)}")
    WebDriverWait(browser, 20).until(lambda b: b.find_element(By.ID, "status").get_attribute("data-state") == "error")
    assert browser.find_element(By.ID, "status").text == message
    assert browser.find_element(By.CSS_SELECTOR, "#results pre.error-excerpt").get_attribute("textContent") == excerpt
    assert not csp_refusals(browser)


def test_why_this_row_names_the_plan_and_quotes_its_pilot_line(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    plan = "<https://w3id.org/tehkg/id/plan/2019-2021>"
    open_query(browser, server, f"SELECT ?m WHERE {{ ?m teh:inPlan {plan} ; teh:pilot tehorg:miprof }}")
    row = next(
        tr
        for tr in browser.find_elements(By.CSS_SELECTOR, "#results tbody tr")
        if tr.find_element(By.CSS_SELECTOR, "td a").get_attribute("title").endswith("/plan/2019-2021/measure/16")
    )
    row.find_element(By.CSS_SELECTOR, "button.why").click()
    panel = browser.find_element(By.ID, "why")
    WebDriverWait(browser, 10).until(lambda b: panel.find_elements(By.CSS_SELECTOR, ".why-triples, .why-reason"))
    [pilot] = [
        li
        for li in panel.find_elements(By.CSS_SELECTOR, ".why-triples > li")
        if li.find_elements(By.CSS_SELECTOR, ".why-triple a[title='https://w3id.org/tehkg/ontology#pilot']")
    ]
    assert pilot.find_element(By.CSS_SELECTOR, ".why-triple").text == (
        "Mettre en place un mécanisme national de référence pilote Mission interministérielle pour la protection des "
        "femmes contre les violences et la lutte contre la traite des êtres humains"
    )
    assert [a.text for a in pilot.find_elements(By.CSS_SELECTOR, "a.why-document")] == [
        "2nd plan d'action national contre la traite des êtres humains 2019-2021"
    ]
    quotes = [q.text for q in pilot.find_elements(By.CSS_SELECTOR, "blockquote.why-passage")]
    assert any(
        q.startswith("Pilote : secrétariat d'État en charge de l'Égalité entre les femmes et les hommes (Miprof)")
        for q in quotes
    )
    browser.execute_script("arguments[0].scrollIntoView()", panel)
    browser.save_screenshot(str(ARTIFACTS / "editor-why-this-row.png"))
    assert not csp_refusals(browser)


SAMPLE_SECONDS = 0.1


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time of a process (Linux /proc), None once it has ended."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return None
    if fields[0] in ("Z", "X"):  # killed, not yet reaped
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """The processes under ``pid``: the server's holder of the store and the query workers it forked among them."""
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(c) for c in f.read().split()]
    except FileNotFoundError:  # it ended meanwhile
        return []
    return found + [grandchild for child in found for grandchild in descendants(child)]


def busy_worker(server_pid: int, deadline: float) -> int:
    """The process under the server that computes: the one whose CPU time grows by a tenth of a second."""
    start = {pid: cpu_seconds(pid) or 0.0 for pid in descendants(server_pid)}
    while time.monotonic() < deadline:
        time.sleep(SAMPLE_SECONDS)  # CPU time is read over a window: there is no event to wait on
        for pid, before in start.items():
            if (cpu_seconds(pid) or 0.0) - before >= 0.1:
                return pid
    raise AssertionError("no worker is computing the runaway query")


def test_cancel_stops_the_query_and_its_worker_within_a_second(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # 10^12 solutions: the deadline
    browser.get(f"{server}/sparql?query={quote(runaway)}")
    assert browser.find_element(By.ID, "status").get_attribute("data-state") == "running"
    worker = busy_worker(int(httpx.get(server + "/health").json()["pid"]), time.monotonic() + 10)
    browser.save_screenshot(str(ARTIFACTS / "editor-running.png"))
    browser.find_element(By.ID, "cancel").click()
    cancelled = time.monotonic()
    WebDriverWait(browser, 5).until(
        lambda b: b.find_element(By.ID, "status").get_attribute("data-state") == "cancelled"
    )
    idle = None  # the first moment the worker is gone or computes nothing for 100 ms
    while idle is None and time.monotonic() < cancelled + 5:
        before = cpu_seconds(worker)
        started = time.monotonic()
        if before is not None:
            time.sleep(SAMPLE_SECONDS)  # the window over which the worker's CPU time is compared
        after = cpu_seconds(worker)
        if before is None or after is None or after - before < 0.01:
            idle = started - cancelled
    assert idle is not None and idle < 1.0, f"the worker still computed {idle} s after Cancel"
    assert browser.find_element(By.ID, "cancel").get_attribute("hidden") is not None
    browser.save_screenshot(str(ARTIFACTS / "editor-cancelled.png"))
    assert not csp_refusals(browser)


def test_organisation_page_links_to_a_measure(browser, server):
    from selenium.webdriver.common.by import By

    query = (
        "SELECT ?org WHERE { ?m <https://w3id.org/tehkg/ontology#pilot> ?org } "
        "GROUP BY ?org ORDER BY DESC(COUNT(?m)) LIMIT 1"
    )
    org = httpx.get(server + "/sparql", params={"query": query, "format": "csv"}).text.split()[1]
    browser.get(server + org.replace("https://w3id.org/tehkg", ""))
    browser.save_screenshot(str(ARTIFACTS / "organisation.png"))
    import re

    links = [
        a
        for a in browser.find_elements(By.CSS_SELECTOR, "main a")
        if re.search(r"/measure/\d+\?lang=fr$", a.get_attribute("href") or "")  # links keep the page's language
    ]
    link = links[0]
    target = link.get_attribute("href")
    link.click()
    assert browser.current_url == target
    assert "measure" in browser.find_element(By.CSS_SELECTOR, "p.iri code").text
    browser.save_screenshot(str(ARTIFACTS / "measure.png"))


def test_organisation_hierarchy_chart(browser, server):
    from selenium.webdriver.common.by import By

    browser.get(server + "/id/org/dgcs?lang=en")
    figure = browser.find_element(By.CSS_SELECTOR, "figure.hierarchy")
    boxes = figure.find_elements(By.CSS_SELECTOR, "svg a")
    titles = sorted(box.find_element(By.TAG_NAME, "title").get_attribute("textContent") for box in boxes)
    assert titles == [
        "Directorate-General for Social Cohesion",
        "Ministry of Solidarity and Health",
        "Ministry of Territorial Cohesion",
    ]
    assert len(figure.find_elements(By.CSS_SELECTOR, "svg line")) == 2  # one connector per parent
    assert figure.size["width"] > 300 and figure.size["height"] > 100  # drawn, not collapsed
    browser.save_screenshot(str(ARTIFACTS / "organisation-hierarchy.png"))
    parent = next(
        box for box in boxes if "Health" in box.find_element(By.TAG_NAME, "title").get_attribute("textContent")
    )
    browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", parent)
    assert browser.current_url.endswith("/id/org/ministere-solidarites-sante?lang=en")  # still in English


def test_search_as_you_type_and_keyboard(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + "/")
    body = browser.find_element(By.TAG_NAME, "body")
    for _ in range(12):  # reach the search box with the keyboard only
        body.send_keys(
            Keys.TAB
        ) if browser.switch_to.active_element.tag_name == "body" else browser.switch_to.active_element.send_keys(
            Keys.TAB
        )
        if browser.switch_to.active_element.get_attribute("id") == "search-box":
            break
    box = browser.switch_to.active_element
    assert box.get_attribute("id") == "search-box"
    box.send_keys("miprof")
    WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#search-results li a"))
    box.send_keys(Keys.ARROW_DOWN)
    assert browser.switch_to.active_element.tag_name == "a"
    browser.save_screenshot(str(ARTIFACTS / "search.png"))


def test_phone_width_has_no_horizontal_scroll(browser, server):
    browser.set_window_size(390, 844)
    try:
        for path in ("/", "/id/plan/2019-2021", "/sparql"):
            browser.get(server + path)
            width = browser.execute_script("return document.documentElement.scrollWidth")
            viewport = browser.execute_script("return window.innerWidth")
            assert width <= viewport + 1, path
        browser.save_screenshot(str(ARTIFACTS / "phone-plan.png"))
    finally:
        browser.set_window_size(1280, 900)


OCRTEH = {  # what the OCRTEH's page lists, in each language: relations, then each node with its source document
    "fr": {
        "relations": ["Partenaire (1)", "Mentionne (2)"],
        "partner": "Mesure 9 — Publier annuellement les données administratives disponibles en France",
        "named by": ["Évaluation (mesure 23)", "Mesure 31 — Mobiliser les moyens d'enquête"],
        "documents": [
            "Évaluation de la mise en œuvre du plan d'action national contre la traite des êtres humains (2014-2016)",
            "2nd plan d'action national contre la traite des êtres humains 2019-2021",
        ],
    },
    "en": {
        "relations": ["Partner (1)", "Mentions (2)"],
        "partner": "Measure 9 — Publish the available administrative data in France every year",
        "named by": ["Assessment (measure 23)", "Measure 31 — Mobilise investigative resources"],
        "documents": [
            "Evaluation of the implementation of the national action plan against trafficking in human beings "
            "(2014-2016)",
            "2nd national action plan against trafficking in human beings 2019-2021",
        ],
    },
}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_organisation_page_shows_its_measures_and_their_sources(browser, server, lang):
    """The OCRTEH's page: the measure whose partners' line names it, then the nodes of two documents that name it
    in passing, each with its source document, the place in it and the quoted words, which unfold on a click."""
    from selenium.webdriver.common.by import By

    expected = OCRTEH[lang]
    browser.get(server + f"/id/org/ocrteh?lang={lang}")
    section = browser.find_element(By.CSS_SELECTOR, "section.involvement")
    assert [dt.text for dt in section.find_elements(By.TAG_NAME, "dt")] == expected["relations"]
    partner = section.find_element(By.CSS_SELECTOR, "dd.relation-partner li")
    measure = partner.find_element(By.CSS_SELECTOR, ":scope > a")
    assert measure.text == expected["partner"]
    assert measure.get_attribute("href").endswith(f"/id/plan/2019-2021/measure/9?lang={lang}")
    source = partner.find_element(By.CSS_SELECTOR, ".source")
    assert source.text.startswith(expected["documents"][1] + " — Axe 1 › Action n° 3 › Mesure 9")
    quote = source.find_element(By.TAG_NAME, "blockquote")
    assert not quote.is_displayed()  # folded until asked for
    source.find_element(By.TAG_NAME, "summary").click()
    assert quote.is_displayed() and "OCRTEH" in quote.text and not quote.text.startswith("Pilote")
    named = section.find_elements(By.CSS_SELECTOR, "dd.relation-mentions > ul > li")
    assert [li.find_element(By.CSS_SELECTOR, ":scope > a").text for li in named] == expected["named by"]
    assert [li.find_element(By.CSS_SELECTOR, ".source a").text for li in named] == expected["documents"]
    browser.execute_script("arguments[0].scrollIntoView()", section)
    browser.save_screenshot(str(ARTIFACTS / f"organisation-ocrteh-{lang}.png"))
    measure.click()  # the measure's page, in the same language
    assert browser.current_url.endswith(f"/id/plan/2019-2021/measure/9?lang={lang}")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
