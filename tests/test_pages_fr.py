"""What a French (or English) reader sees in headless Chromium: every page class names terms by their labels in
the page's language (no CURIE, no raw IRI of the dataset, no template word of the other language), fits a phone's
width, and the measure page's first screen shows its title, text and pilots; an organisation leads with what it
takes part in, a person's page says what each document says of them, a plan opens with its foreword. Screenshots go
to tests/artifacts/screenshots/."""

import re
from pathlib import Path

import pytest

from tehkg.endpoint.pages.text import clip, snippet
from tests.browser import answer_rows
from tests.test_browser import browser, query_text, type_query  # noqa: F401 (browser: the headless Chromium fixture)

SCREENSHOTS = Path(__file__).parent / "artifacts" / "screenshots"
pytestmark = pytest.mark.browser

PAGES = {
    "landing": "/",
    "plan": "/id/plan/2014-2016",
    "plan-section": "/id/plan/2019-2021/axis/1",
    "measure-2019": "/id/plan/2019-2021/measure/1",
    "measure-2014": "/id/plan/2014-2016/measure/3",
    "organisation": "/id/org/miprof",
    "person": "/id/person/genevieve-colas",
    "legal-text": "/id/legal/fr/code-penal/art/225-4-1",
    "instrument": "/id/legal/int/coe-convention-197",
    "assessment": "/id/assessment/cncdh-2017/measure/3",
    "recommendation": "/id/recommendation/cncdh-2017/final/14",
    "proposal": "/id/proposal/coalition-2017/measure/3/3",
    "statistics": "/id/dataset/cncdh-2017-awareness-data-collection",
    "source-document": "/id/doc/cncdh-2017",
    "dataset": "/id/dataset/tehkg",
    "concept": "/id/concept/implementation-status/partially-implemented",
    "graph": "/graph/plan-2019-2021",
    "ontology": "/ontology",
    "search": "/search?q=miprof",
    "sparql": "/sparql",
    "compare": "/compare",
    "not-found": "/id/nothing-is-known-here",
}
# The words of the page templates (headings, table headers, captions, buttons) in each language; a page in the
# other language must show none of them.
TEMPLATE_WORDS = {
    "en": [
        "Properties", "Incoming links", "Assessment", "Recommendations", "Findings", "Proposals", "Status",
        "Hierarchy", "Measures piloted", "Pilot", "Partners", "Implementation", "Follow-up", "Legal texts",
        "All the data", "Examples", "Run", "Link", "Entry points", "Example questions", "Contents", "Access",
        "Ontology", "Dataset", "Search", "Axis", "Measure", "Priority", "label", "title", "type of", "subclass",
        "domain", "range", "part of", "derived from", "No result",
        "Cited by", "Official links", "Taken up by", "Target", "Recommendations of this assessment",
        "Nothing is known about", "Back to the front page",
    ],
    "fr": [
        "Propriétés", "Liens entrants", "Évaluation de la CNCDH", "Recommandations", "Constats", "Propositions",
        "Statut", "Organigramme", "Pilote", "Partenaires", "Mise en œuvre", "Suites", "Textes juridiques",
        "Toutes les données", "Exemples", "Exécuter", "Lien", "Points d’entrée", "Questions exemples", "Contenu",
        "Accès", "Ontologie", "Jeu de données", "Rechercher", "libellé", "titre", "fait partie de", "dérivé de",
        "Aucun résultat",
        "Cité par", "Liens officiels", "Reprise par", "Porte sur", "Recommandations de cette évaluation",
        "Rien n'est connu de", "Retour à l'accueil",
    ],
}  # fmt: skip
CURIE = re.compile(r"\b(?:teh|tehorg|tehg|cv|org|eli|dcterms|skos|rdfs?|owl|oa|prov|foaf|qb|void|dcat|xsd):[A-Za-z_]")
# Text of the page's own words: navigation, headings, table headers, terms, captions, link texts and chart labels
# (the documents' quotes and comments are data, printed as the sources print them).
TEMPLATE_SELECTOR = ", ".join(
    ["header nav a", ".types", ".crumbs"]
    + [f"main {tag}" for tag in "h1 h2 h3 th dt summary figcaption label button strong a".split()]
    + ["main svg text"]
)
TEMPLATE_TEXT = f"""return Array.from(document.querySelectorAll('{TEMPLATE_SELECTOR}')).map(e => {{
  const copy = e.cloneNode(true); copy.querySelectorAll('code').forEach(c => c.remove());
  return copy.textContent.trim(); }})"""
QUOTED = re.compile(r"«[^»]*»")  # words quoted from a source
LOCATOR = " › "  # a place in a document, printed with the document's own (French) headings


def visit(browser, url: str, lang: str) -> list[str]:  # noqa: F811
    browser.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
    return [t for t in browser.execute_script(TEMPLATE_TEXT) if t]


def other_language_words(texts: list[str], lang: str) -> list[str]:
    """The template words of the other language found in ``texts``, outside « quotes » (a question of the examples
    graph may quote a source's own French heading, « Mise en œuvre », in its English wording)."""
    other = "en" if lang == "fr" else "fr"
    found = []
    for word in TEMPLATE_WORDS[other]:
        pattern = re.compile(rf"(?<![\w’']){re.escape(word)}(?![\w’'])")
        found += [
            f"{word!r} in {t[:60]!r}"
            for t in texts
            if pattern.search(QUOTED.sub("", t)) and t not in TEMPLATE_WORDS[lang]
        ]
    return found


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("page", list(PAGES))
def test_page_names_terms_by_label_in_its_language(browser, server, page, lang):  # noqa: F811
    texts = visit(browser, server + PAGES[page], lang)
    assert browser.execute_script("return document.documentElement.lang") == lang
    assert texts, page
    assert [t for t in texts if CURIE.search(t)] == []
    assert [t for t in texts if re.match(r"https://w3id\.org/tehkg/(id|graph|ontology)\b", t)] == []
    assert other_language_words([t for t in texts if LOCATOR not in t], lang) == []


def test_word_checks_fire():
    """The checks above find what they look for."""
    assert other_language_words(["Propriétés"], "en") and other_language_words(["Incoming links (3)"], "fr")
    assert not other_language_words(["Mesure 3"], "fr") and not other_language_words(["Measured"], "fr")
    assert not other_language_words(["a « Propriétés » line"], "en")
    assert other_language_words(["a « quote » then Propriétés"], "en")
    assert CURIE.search("cv:hasParticipation") and not CURIE.search("Axe 1 : Mobiliser")


@pytest.mark.parametrize("page", list(PAGES))
def test_page_fits_a_phone(browser, server, page):  # noqa: F811
    browser.set_window_size(390, 844)
    try:
        browser.get(server + PAGES[page])
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= browser.execute_script("return window.innerWidth") + 1
    finally:
        browser.set_window_size(1280, 900)


FIRST_SCREEN = """const box = (s) => { const e = document.querySelector(s); if (!e) return null;
  const r = e.getBoundingClientRect(); return [r.top, r.bottom, r.width]; };
return {height: window.innerHeight, title: box('h1.measure-title'), text: box('.measure-text p'),
  pilot: box('.role-pilot li a'), implementer: box('.role-implementer li a')};"""


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)])
@pytest.mark.parametrize("measure", ["measure-2019", "measure-2014"])
def test_measure_first_screen_shows_title_text_and_who_carries_it(browser, server, measure, size):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.set_window_size(*size)
    try:
        browser.get(server + PAGES[measure])
        seen = browser.execute_script(FIRST_SCREEN)
        who = seen["pilot"] if measure == "measure-2019" else seen["implementer"]
        for name, box in (("title", seen["title"]), ("text", seen["text"]), ("who", who)):
            assert box is not None, name
            top, bottom, width = box
            assert 0 <= top and bottom <= seen["height"] and width > 0, (name, box, seen["height"])
        assert seen["title"][1] <= seen["text"][0]  # the title, then the text
        title = browser.find_element(By.CSS_SELECTOR, "h1.measure-title").text
        assert title.startswith("Mesure ")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(SCREENSHOTS / f"{measure}-{size[0]}x{size[1]}.png"))
    finally:
        browser.set_window_size(1280, 900)


def test_measure_page_sections_in_reading_order(browser, server):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(server + PAGES["measure-2014"])
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "main h2")]
    assert headings[:5] == [
        "Évaluation de la CNCDH",
        "Le Collectif « Ensemble contre la traite des êtres humains »",
        "Suites et reprises",
        "Textes juridiques cités",
        "Toutes les données",
    ]
    status = browser.find_element(By.CSS_SELECTOR, ".cncdh .status").text
    assert status == "Statut : partiellement mise en œuvre (« Partiellement mise en oeuvre »)"
    sources = browser.find_elements(By.CSS_SELECTOR, ".cncdh .source a")
    assert sources and all(a.text.startswith("Évaluation de la mise en œuvre du plan") for a in sources)
    followed = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "ul.links li")]
    assert "suivie par Soutenir des campagnes d'information et de sensibilisation menées par les associations" in (
        followed
    )


# The status and the heading (h1) a French reader gets on each page class a screenshot is taken of
SCREENSHOTS_OF = {
    "landing": (200, "tehkg"),
    "plan": (200, "Plan d'action national contre la traite des êtres humains (2014-2016)"),
    "organisation": (
        200,
        "Mission interministérielle pour la protection des femmes contre les violences et la lutte contre la traite "
        "des êtres humains",
    ),
    "person": (200, "Geneviève Colas"),
    "ontology": (200, "Ontologie de tehkg"),
    "dataset": (200, "tehkg — graphe de connaissances de la politique publique contre la traite des êtres humains"),
    "sparql": (200, "SPARQL"),
    "compare": (200, "Les deux plans comparés"),
    "plan-section": (
        200,
        "Axe 1 — INFORMER ET COMMUNIQUER POUR MIEUX PRÉVENIR LE PHÉNOMÈNE DE LA TRAITE DES ÊTRES HUMAINS",
    ),
    "legal-text": (200, "Article 225-4-1 du code pénal"),
    "instrument": (200, "Convention du Conseil de l'Europe sur la lutte contre la traite des êtres humains"),
    "assessment": (200, "Évaluation (mesure 3) — CNCDH"),
    "recommendation": (200, "Recommandation 14 (plan d'action 2014-2016) — CNCDH"),
    "statistics": (200, "Sensibilisation et collecte de données sur les victimes : chiffres cités (mesure 3)"),
    "not-found": (404, "404"),
}


@pytest.mark.parametrize("page", list(SCREENSHOTS_OF))
def test_screenshots_of_page_classes(browser, server, page):  # noqa: F811
    """Each page class answers with its status and shows its own heading (not an error page) when captured."""
    import httpx
    from selenium.webdriver.common.by import By

    status, heading = SCREENSHOTS_OF[page]
    response = httpx.get(server + PAGES[page], headers={"Accept": "text/html"}, timeout=30)
    assert (response.status_code, response.headers["content-type"]) == (status, "text/html; charset=utf-8")
    browser.get(server + PAGES[page])
    assert " ".join(browser.find_element(By.TAG_NAME, "h1").text.split()) == heading
    assert browser.execute_script("return document.documentElement.lang") == "fr"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / f"{page}-fr.png"))


def test_query_editor_opens_clean_and_explains_errors(browser, server):  # noqa: F811
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait

    browser.get(server + "/sparql")
    opening = query_text(browser)
    assert opening.startswith("SELECT") and "PREFIX" not in opening and "# expect" not in opening
    examples = Select(browser.find_element(By.ID, "examples"))
    examples.select_by_index(1)
    chosen = query_text(browser)
    assert "# " not in chosen and "PREFIX teh:" not in chosen
    assert browser.find_element(By.ID, "question").text == examples.first_selected_option.text
    browser.find_element(By.ID, "run").click()  # the editor declares the prefixes the example uses
    assert answer_rows(browser)
    type_query(browser, "SELECT ?m WHERE {")
    for line in ["?m a teh:Measure .", "FILTER( "]:  # Escape closes the completion Enter would otherwise accept
        ActionChains(browser).send_keys(Keys.ESCAPE, Keys.ENTER, line).perform()
    # the editor indents and closes brackets itself: what it added after the cursor goes
    keys = ActionChains(browser).send_keys(Keys.ESCAPE, "}").key_down(Keys.CONTROL).key_down(Keys.SHIFT)
    keys.send_keys(Keys.END).key_up(Keys.SHIFT).key_up(Keys.CONTROL).send_keys(Keys.DELETE).perform()
    assert query_text(browser) == "SELECT ?m WHERE {\n  ?m a teh:Measure .\n  FILTER( }"
    browser.find_element(By.ID, "run").click()
    status = browser.find_element(By.ID, "status")
    WebDriverWait(browser, 20).until(lambda b: status.get_attribute("data-state") == "error")
    assert status.text.startswith("Erreur de syntaxe ligne 3, colonne ")
    assert "\\u" not in status.text and "..=" not in status.text
    assert "FILTER( }" in browser.find_element(By.CSS_SELECTOR, "#results .error-excerpt").text


def test_construct_results_wrap_instead_of_clipping(browser, server):  # noqa: F811
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.set_window_size(390, 844)
    try:
        browser.get(server + "/sparql")
        query = "CONSTRUCT { ?m skos:prefLabel ?t } WHERE { ?m a teh:Measure ; skos:prefLabel ?t } LIMIT 5"
        type_query(browser, query)
        ActionChains(browser).send_keys(Keys.ESCAPE).perform()  # no completion open over the page
        assert query_text(browser) == query
        browser.find_element(By.ID, "run").click()
        WebDriverWait(browser, 20).until(
            lambda b: b.find_element(By.ID, "status").get_attribute("data-state") == "done"
        )
        out = browser.find_element(By.CSS_SELECTOR, "#results pre")
        assert "prefLabel" in out.text
        assert browser.execute_script("return arguments[0].scrollWidth <= arguments[0].clientWidth + 1", out)
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 391
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(SCREENSHOTS / "sparql-construct-390x844.png"))
    finally:
        browser.set_window_size(1280, 900)


def test_search_shows_labels_in_the_page_language_and_whole_words(server):
    import httpx

    for lang in ("fr", "en"):
        hits = httpx.get(server + "/search", params={"q": "miprof", "format": "json", "lang": lang}).json()["results"]
        coordination = next(h for h in hits if h["iri"].endswith("/org/comite-coordination-miprof"))
        expected = {"fr": "comité de coordination de la Miprof", "en": "Miprof coordination committee on trafficking"}
        assert coordination["label"] == expected[lang]
    cut = [h for h in hits if h["text"].endswith("…")]
    assert cut  # some matched texts are longer than a snippet
    for hit in cut:  # a snippet is a piece of the matched text that starts and ends at word boundaries
        piece = hit["text"].strip("…")
        query = f"SELECT ?t {{ <{hit['iri']}> ?p ?t FILTER(isLiteral(?t)) }}"
        texts = [
            r["t"]["value"]
            for r in httpx.get(server + "/sparql", params={"query": query}).json()["results"]["bindings"]
        ]
        full = next(t for t in texts if piece in t)
        start = full.index(piece)
        end = start + len(piece)
        assert len(hit["text"]) <= 161
        assert start == 0 or not full[start - 1].isalnum()
        assert end == len(full) or not full[end].isalnum()


def test_snippets_cut_at_word_boundaries_around_the_match():
    text = (
        "Le Collectif relaie auprès des pouvoirs publics les constats de ses membres sur la traite des êtres "
        "humains en France et à l'étranger, et il propose des mesures."
    )
    assert snippet(text, ["aupres"], 60) == "…relaie auprès des pouvoirs publics les constats de ses…"
    assert snippet(text, ["etres"], 60) == "…la traite des êtres humains en France et à l'étranger, et…"
    assert snippet(text, ["absent"], 40) == "Le Collectif relaie auprès des pouvoirs…"
    assert snippet("court", ["court"], 40) == "court"
    assert clip("relaie auprès des", 12) == "relaie…"


def test_miprof_attachments_drawn_in_time(browser, server):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(server + "/id/org/miprof")
    above = browser.find_elements(By.CSS_SELECTOR, "figure.hierarchy svg a title")
    parents = [t.get_attribute("textContent") for t in above]
    ministries = [p for p in parents if p.startswith(("ministère", "secrétariat"))]
    assert ministries == ["secrétariat d'État en charge de l'Égalité entre les femmes et les hommes"]  # one at a time
    figure = browser.find_element(By.CSS_SELECTOR, "figure.attachments")
    boxes = [t.get_attribute("textContent") for t in figure.find_elements(By.CSS_SELECTOR, "a.attachment title")]
    assert boxes[:4] == [
        "ministère des Droits des femmes",
        "ministère des Affaires sociales, de la Santé et des Droits des femmes",
        "ministère des Familles, de l'Enfance et des Droits des femmes",
        "secrétariat d'État en charge de l'Égalité entre les femmes et les hommes",
    ]  # the CNCDH's « successivement », in its order
    assert len(figure.find_elements(By.CSS_SELECTOR, "line.follows")) == 3
    dates = [d.get_attribute("textContent") for d in figure.find_elements(By.CSS_SELECTOR, ".attachment-date")]
    assert "6 juillet 2017" in dates and "mai 2014" in dates
    browser.execute_script("arguments[0].scrollIntoView()", figure)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "organisation-miprof-attachments-fr.png"))


# The editors' links from a measure of the 2019-2021 plan to the 2014-2016 measure it follows up (data/ttl/links.trig)
FOLLOW_UPS = 18
# The measures of the 2019-2021 plan whose « Pilote » line names the Miprof, counted in the plan's text
MIPROF_PILOTS = 22


def test_plans_compared(browser, server):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(server + "/compare")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.compare tbody tr")
    assert len(rows) == 23  # the measures of the 2014-2016 plan
    third = browser.find_element(By.ID, "m3").find_elements(By.TAG_NAME, "td")
    assert third[1].text == "partiellement mise en œuvre"
    assert third[2].text.startswith("Mesure 3 Soutenir des campagnes")
    assert len(browser.find_elements(By.CSS_SELECTOR, "figure.plans-picture line.follow-up")) == FOLLOW_UPS
    documents = [
        t.get_attribute("textContent") for t in browser.find_elements(By.CSS_SELECTOR, "figure.timeline a text")
    ]
    assert documents[0].startswith("29 janvier 2014 — Compte-rendu de la réunion")
    assert documents[-1].startswith("5 novembre 2019 — Question écrite n° 24191")
    link = browser.find_element(By.CSS_SELECTOR, "figure.plans-picture a.old-measure")
    browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", link)
    assert browser.current_url.endswith("/id/plan/2014-2016/measure/1?lang=fr")


def test_organisation_page_leads_with_its_measures(browser, server):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(server + "/id/org/miprof")
    section = browser.find_element(By.CSS_SELECTOR, "section.involvement")
    terms = [dt.text for dt in section.find_elements(By.TAG_NAME, "dt")]
    assert terms[0] == f"Pilote ({MIPROF_PILOTS})" and terms[-1].startswith("Cite (")  # roles first, naming alone last
    first = section.find_element(By.CSS_SELECTOR, "dd a")
    assert first.text.startswith("Mesure ") and " — " in first.text
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "main h2")]
    assert headings.index("Dans les plans et les documents") < headings.index("Propriétés")


def test_person_page_says_what_each_document_says_of_them(browser, server):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(server + PAGES["person"])
    assert browser.find_element(By.CSS_SELECTOR, "h1.person-title").text == "Geneviève Colas"
    accounts = browser.find_elements(By.CSS_SELECTOR, ".account")
    documents = [a.find_element(By.CSS_SELECTOR, ".source a").text for a in accounts]
    assert documents == [
        "Plan d'action national contre la traite des êtres humains 2014-2016 et suivant — constats et propositions",
        "Compte-rendu de la réunion « informelle » du 27 janvier 2014",
    ]
    facts = accounts[1].find_element(By.CSS_SELECTOR, "dl.facts").text.splitlines()
    assert facts[:2] == ["Note", "qui coordonne le Collectif « Ensemble contre la traite des êtres humains »"]
    assert "Membre de" in facts and "Secours Catholique" in facts
    named = browser.find_element(By.CSS_SELECTOR, "section.involvement dd.relation-participant li")
    assert named.find_element(By.TAG_NAME, "a").text.startswith("Réunion « informelle » du 27 janvier 2014")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "person-colas-fr.png"))


@pytest.mark.parametrize(("lang", "foreword"), [("fr", "Avant-propos"), ("en", "Foreword")])
def test_plan_page_opens_with_its_foreword_and_introduction(browser, server, lang, foreword):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(server + f"/id/plan/2019-2021?lang={lang}")
    texts = browser.find_elements(By.CSS_SELECTOR, "section.prose")
    assert [t.find_element(By.TAG_NAME, "h2").text for t in texts] == [foreword, "Introduction"]
    opening = texts[0].find_element(By.CSS_SELECTOR, ".prose-text")
    assert opening.get_attribute("lang") == "fr"  # as printed, in either page language
    assert opening.find_element(By.TAG_NAME, "p").text.startswith("La traite des êtres humains et l'exploitation")
    places = [s.text.split(" — ")[1].splitlines()[0] for s in texts[0].find_elements(By.CSS_SELECTOR, ".source")]
    assert places == ["Avant-propos", "Avant-propos"]  # the two passages that quote it
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "main h2")]
    assert headings.index("Introduction") < headings.index("Structure")  # the texts, then the tree
    browser.execute_script("arguments[0].scrollIntoView()", texts[0])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / f"plan-foreword-{lang}.png"))


def test_source_document_page_lists_what_it_states(browser, server):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(server + "/id/doc/cncdh-2017")
    section = browser.find_element(By.CSS_SELECTOR, "section.doc-statements")
    kinds = [s.text for s in section.find_elements(By.TAG_NAME, "summary")]
    assert "Évaluation (23)" in kinds  # one assessment per measure of the 2014-2016 plan
    assert kinds[0].startswith("Recommandation (")
    graphs = {
        a.get_attribute("href").split("/graph/")[1]: a.text for a in section.find_elements(By.CSS_SELECTOR, ".graphs a")
    }
    assert graphs["cncdh-2017?lang=fr"] == "Ce que dit l'évaluation de la CNCDH (2017)"


def test_legal_text_page_names_who_cites_it(browser, server):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(server + PAGES["legal-text"])
    assert browser.find_element(By.TAG_NAME, "h1").text == "Article 225-4-1 du code pénal"
    facts = browser.find_element(By.CSS_SELECTOR, "dl.facts").text.splitlines()
    assert facts[:2] == ["Type de texte", "article de code"] and "Code pénal" in facts
    groups = {h.text: h for h in browser.find_elements(By.CSS_SELECTOR, "main h3")}
    plan = "2nd plan d'action national contre la traite des êtres humains 2019-2021"
    cited = [a.text for a in groups[plan].find_elements(By.XPATH, "following-sibling::ul[1]/li/a")]
    assert cited[0] == (
        "Mesure 21 — Rappeler les conditions de délivrance des titres de séjour et la nécessité de désigner des "
        "référents « traite des êtres humains »"
    )
    statements = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "ul.cited-by li a")]
    assert "Recommandation 2 (mesure 13)" in statements and "Proposition 3 (mesure 12)" in statements


def test_instrument_page_links_out_and_quotes_its_ratification(browser, server):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(server + "/id/legal/fr/loi/2016-444?lang=en")
    out = browser.find_element(By.CSS_SELECTOR, "ul.links-out a")
    assert out.text == "Légifrance — European Legislation Identifier"
    assert out.get_attribute("href") == "http://www.legifrance.gouv.fr/eli/loi/2016/4/13/2016-444/jo/texte"
    browser.get(server + PAGES["instrument"])
    facts = browser.find_element(By.CSS_SELECTOR, "dl.facts").text.splitlines()
    assert "État de ratification" in facts and "ratifié" in facts and "16 mai 2005" in facts
    sources = browser.find_elements(By.CSS_SELECTOR, "blockquote.ratification + .source a")
    assert sources[0].text == "2nd plan d'action national contre la traite des êtres humains 2019-2021"


def test_section_page_lists_its_measures_with_pilots(browser, server):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(server + PAGES["plan-section"])
    assert browser.find_element(By.CSS_SELECTOR, ".crumbs").text == "Plan d'action 2019-2021"
    h1 = browser.find_element(By.TAG_NAME, "h1").text
    assert h1 == "Axe 1 — INFORMER ET COMMUNIQUER POUR MIEUX PRÉVENIR LE PHÉNOMÈNE DE LA TRAITE DES ÊTRES HUMAINS"
    items = [li.text for li in browser.find_elements(By.CSS_SELECTOR, ".tree > ul > li > ul > li")]
    assert items[0] == (
        "Mesure 1 Informer et sensibiliser sur les risques d'exploitation\nPilote : Mission interministérielle pour la "
        "protection des femmes contre les violences et la lutte contre la traite des êtres humains, SIG-Dicom"
    )
    numbers = [li.text.split()[1] for li in browser.find_elements(By.CSS_SELECTOR, ".tree > ul > li > ul > li")]
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)]  # printed order, measures 1 to 10 of axis 1


def test_recommendation_page_names_its_measure_and_source(browser, server):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(server + "/id/recommendation/cncdh-2017/measure/3/1")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Recommandation 1 (mesure 3) — CNCDH"
    target = browser.find_element(By.CSS_SELECTOR, "p.hasTarget a")
    assert target.text == "Mesure 3 — INFORMER ET SENSIBILISER LE GRAND PUBLIC"
    assert target.get_attribute("href").endswith("/id/plan/2014-2016/measure/3?lang=fr")
    source = browser.find_element(By.CSS_SELECTOR, "main .source").text
    assert source.startswith(
        "Évaluation de la mise en œuvre du plan d'action national contre la traite des êtres humains (2014-2016) — "
        "Priorité 1 › Mesure 3 › Observations et recommandations de la CNCDH"
    )
    browser.get(server + PAGES["assessment"] + "?lang=en")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Assessment (measure 3) — CNCDH"
    status = browser.find_element(By.CSS_SELECTOR, "p.status").text
    assert status == "Implementation status: partially implemented (« Partiellement mise en oeuvre »)"
    held = browser.find_elements(By.CSS_SELECTOR, "ol.statements > li > a")
    assert [a.text for a in held][:1] == ["CNCDH recommendation 1 (measure 3)"]


def test_statistics_page_tabulates_its_observations(browser, server):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(server + "/id/dataset/cncdh-2017-residence-permits")
    rows = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "table.observations tbody tr")]
    assert len(rows) == 35  # the figures of the CNCDH's table of residence permits
    assert "Total 2012 201" in rows
    browser.get(server + PAGES["statistics"])
    cells = [
        [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        for tr in browser.find_elements(By.CSS_SELECTOR, "table.observations tbody tr")
    ]
    assert cells[0] == ["Amende encourue pour l'achat d'un acte sexuel", "2016", "1\u202f500 €"]
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "table.observations th")]
    assert headers == ["Indicateur", "Année de référence", "Valeur observée"]
    assert browser.find_elements(By.CSS_SELECTOR, "main figure svg")  # the chart by year follows the table


@pytest.mark.parametrize(("lang", "said"), [("fr", "Rien n'est connu de"), ("en", "Nothing is known about")])
def test_not_found_page_speaks_the_request_language(server, lang, said):
    import httpx

    response = httpx.get(server + PAGES["not-found"], params={"lang": lang}, headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert f'<html lang="{lang}">' in response.text and f"<p>{said} <code>" in response.text
    assert "<header>" in response.text  # inside the site's frame
