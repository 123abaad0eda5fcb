"""The pages in a real headless Chromium: landing, query editor, organisation → measure (its measures and their
sources in both languages), phone width."""

from pathlib import Path

import httpx
import pytest

from tests.browser import start_chromium

ARTIFACTS = Path(__file__).parent / "artifacts"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    session = start_chromium(tmp_path_factory.mktemp("chromium"))
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
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#results tbody tr"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#results tbody tr")
    assert rows and "lignes" in browser.find_element(By.ID, "status").text  # the French view by default
    assert browser.find_elements(By.CSS_SELECTOR, "#highlight span.kw")  # syntax highlighting
    browser.save_screenshot(str(ARTIFACTS / "query-editor.png"))


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
