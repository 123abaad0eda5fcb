"""Server-rendered HTML: landing page, entity pages, ontology, search, query editor."""

import functools
import html
import json
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable
from urllib.parse import quote

import pyoxigraph as ox
from fastapi import Request

from tehkg import __version__
from tehkg.endpoint import (
    charts,
    page_document,
    page_editor,
    page_legal,
    page_measure,
    page_org,
    page_section,
    page_statement,
    page_statistics,
    page_terms,
    page_text,
)
from tehkg.resources import queries_dir
from tehkg.vocab import BASE, DATASET_IRI, GRAPH_BASE, PREFIXES

Rows = Callable[[str], Awaitable[list[dict]]]
LABEL_PROPS = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title",
    "http://xmlns.com/foaf/0.1/name",
)
TEH = "https://w3id.org/tehkg/ontology#"
QB_DATASET = "http://purl.org/linked-data/cube#DataSet"
# The purpose-built head of a page, by class: it replaces the bare title and shows its statements' sources.
LEADS = {TEH + "Measure": page_measure.measure_page, QB_DATASET: page_statistics.dataset_page}
LEADS |= {kind: page_legal.legal_page for kind in page_legal.KINDS}
LEADS |= {kind: page_statement.statement_page for kind in page_statement.KINDS}
LEADS |= {TEH + kind: page_section.section_page for kind in ("Priority", "Axis", "Action")}
e = html.escape


def lang_of(request: Request) -> str:
    """The page language: ``?lang=en`` or French."""
    return "en" if request.query_params.get("lang") == "en" else "fr"


def local(iri: str) -> str:
    """The local path of an IRI under the base; other IRIs stay absolute."""
    return "/" + iri[len(BASE) :] if iri.startswith(BASE) else iri


def web_link(iri: str) -> bool:
    """Whether an IRI may become a link: http(s) only (``javascript:``, ``data:``, ``urn:``… stay text)."""
    return iri.lower().startswith(("http://", "https://"))


def link_html(iri: str, inner: str, attrs: str = "") -> str:
    """``inner`` (HTML) linked to the page of ``iri`` when it is an http(s) IRI, else as text."""
    if not web_link(iri):
        return f"<span{attrs}>{inner}</span>"
    return f'<a href="{e(local(iri))}"{attrs}>{inner}</a>'


def short(iri: str) -> str:
    """A compact name: prefix:local when a known prefix matches."""
    for prefix, ns in sorted(PREFIXES.items(), key=lambda p: -len(p[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


async def labels(rows: Rows, iris: set[str], lang: str) -> dict[str, str]:
    """Best label of each IRI in ``lang`` (falling back to the other language, then any)."""
    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in iris if ":" in i and not set(i) & set('<>" {}|^`\\'))
    props = " ".join(f"<{p}>" for p in LABEL_PROPS)
    found = await rows(f"SELECT ?s ?l {{ VALUES ?s {{ {values} }} VALUES ?p {{ {props} }} ?s ?p ?l }}")
    best: dict[str, tuple[int, str]] = {}
    for r in found:
        label = r["l"]
        rank = 0 if getattr(label, "language", None) == lang else 1 if getattr(label, "language", None) else 2
        iri = r["s"].value
        if iri not in best or rank < best[iri][0]:
            best[iri] = (rank, label.value)
    names = {iri: label for iri, (_, label) in best.items()}
    names.update({i: t for i in iris - names.keys() if (t := page_terms.term_label(i, lang))})
    return names | await page_terms.derived_labels(rows, iris - names.keys(), lang, labels)


def term_html(term: ox.NamedNode | ox.Literal | ox.BlankNode, names: dict[str, str]) -> str:
    """A value as HTML: a link labelled for IRIs, the text (with its language) for literals."""
    if isinstance(term, ox.NamedNode):
        text = names.get(term.value) or short(term.value)
        return link_html(term.value, e(text), f' title="{e(term.value)}"')
    if isinstance(term, ox.BlankNode):
        return "<em>(structure)</em>"
    tag = f' <span class="tag">@{e(term.language)}</span>' if term.language else ""
    text = e(term.value).replace("\n", "<br>")
    return f'<span lang="{e(term.language or "")}">{text}</span>{tag}'


def layout(request: Request, title: str, body: str) -> str:
    """The page frame: header with navigation, search box and language switch."""
    lang = lang_of(request)
    other = "en" if lang == "fr" else "fr"
    switch = f"{request.url.path}?lang={other}"
    nav = {
        "fr": [
            ("/id/plan/2014-2016", "Plan 2014-2016"),
            ("/id/plan/2019-2021", "Plan 2019-2021"),
            ("/sparql", "SPARQL"),
            ("/ontology", "Ontologie"),
            ("/compare", "Plans comparés"),
            ("/dataset", "Jeu de données"),
        ],
        "en": [
            ("/id/plan/2014-2016", "2014-2016 plan"),
            ("/id/plan/2019-2021", "2019-2021 plan"),
            ("/sparql", "SPARQL"),
            ("/ontology", "Ontology"),
            ("/compare", "Plans compared"),
            ("/dataset", "Dataset"),
        ],
    }[lang]
    links = " ".join(f'<a href="{href}?lang={lang}">{text}</a>' for href, text in nav)
    placeholder = "Rechercher…" if lang == "fr" else "Search…"
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} — tehkg</title><link rel="stylesheet" href="/static/style.css"></head>
<body><header><a class="brand" href="/?lang={lang}">tehkg</a><nav>{links}</nav>
<form class="search" action="/search" role="search"><input type="hidden" name="lang" value="{lang}">
<input type="search" name="q" id="search-box" placeholder="{placeholder}" autocomplete="off"
 aria-label="{placeholder}"><ul id="search-results" role="listbox"></ul></form>
<a class="lang" href="{e(switch)}" hreflang="{other}">{other.upper()}</a></header>
<main>{body}</main>
<footer>tehkg {__version__} · données CC BY 4.0 · code Apache-2.0 ·
<a href="/docs">API</a> · <a href="/dump.nq">N-Quads</a></footer>
<script src="/static/search.js"></script></body></html>"""


async def entity_page(request: Request, iri: str, found: list[dict], incoming: list[dict], rows: Rows) -> str:
    """Everything said about ``iri``: properties, incoming links, provenance, charts."""
    lang = lang_of(request)
    terms = [r["p"] for r in found] + [r["g"] for r in found] + [r["o"] for r in found]
    terms += [r["s"] for r in incoming] + [r["p"] for r in incoming]
    iris = {iri} | {t.value for t in terms if isinstance(t, ox.NamedNode)}
    names = await labels(rows, iris, lang)
    title = names.get(iri, short(iri))
    types = [r["o"] for r in found if r["p"].value.endswith("#type")]
    by_prop: dict[str, list[dict]] = defaultdict(list)
    for r in found:
        if not r["p"].value.endswith("#type"):
            by_prop[r["p"].value].append(r)
    kinds = {t.value for t in types}
    is_measure = TEH + "Measure" in kinds
    lead = next((LEADS[k] for k in LEADS if k in kinds), None)
    head = await lead(iri, rows, labels, lang) if lead else f"<h1>{e(title)}</h1>"
    body = [
        head,
        f'<p class="iri"><code>{e(iri)}</code></p>',
        '<p class="types">'
        + ", ".join({names.get(t.value, t.value): term_html(t, names) for t in reversed(types)}.values())
        + "</p>",
    ]
    other_labels = [
        r["o"]
        for r in found
        if r["p"].value == LABEL_PROPS[0] and isinstance(r["o"], ox.Literal) and r["o"].language != lang
    ]
    if other_labels and not lead:
        body.append('<p class="other-label">' + " · ".join(term_html(t, names) for t in other_labels) + "</p>")
    if not is_measure:  # the measure page says it all above
        body.append(await _special_sections(iri, types, rows, lang, sourced=lead is not None))
    body.append("<h2>" + ("Propriétés" if lang == "fr" else "Properties") + "</h2><table>")
    for prop in sorted(by_prop, key=lambda p: names.get(p, short(p))):
        values = []
        for r in by_prop[prop]:
            if (
                isinstance(r["o"], ox.Literal)
                and r["o"].language
                and r["o"].language != lang
                and any(isinstance(x["o"], ox.Literal) and x["o"].language == lang for x in by_prop[prop])
            ):
                continue
            graph = names.get(r["g"].value, short(r["g"].value))
            source = " " + link_html(r["g"].value, e(page_text.clip(graph, 32)), f' class="graph" title="{e(graph)}"')
            values.append(f"<li>{term_html(r['o'], names)}{source}</li>")
        body.append(
            f'<tr><th scope="row">{term_html(ox.NamedNode(prop), names)}</th><td><ul>{"".join(values)}</ul></td></tr>'
        )
    body.append("</table>")
    if incoming:
        body.append("<h2>" + ("Liens entrants" if lang == "fr" else "Incoming links") + "</h2>")
        grouped: dict[str, set[str]] = defaultdict(set)
        for r in incoming:
            if isinstance(r["s"], ox.NamedNode):
                grouped[r["p"].value].add(r["s"].value)
        for prop in sorted(grouped):
            items = sorted(grouped[prop], key=lambda s: _natural(names[s] if s in names else s))
            links = "".join(f"<li>{term_html(ox.NamedNode(s), names)}</li>" for s in items)
            body.append(
                f"<h3>{term_html(ox.NamedNode(prop), names)} "
                f"<span class='count'>({len(items)})</span></h3><ul>{links}</ul>"
            )
    return layout(request, title, "\n".join(body))


def _natural(text: str) -> list:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", text)]


async def _special_sections(iri: str, types: list, rows: Rows, lang: str, sourced: bool) -> str:
    """Provenance quotes (unless the page's lead gives its sources); measure trees and charts of plans; statistics
    plots; organisation charts."""
    out = []
    quotes = (
        []
        if sourced
        else await rows(f"""PREFIX oa: <http://www.w3.org/ns/oa#> PREFIX teh: <{TEH}>
        SELECT ?loc ?exact ?doc {{ <{iri}> teh:passage ?p . ?p oa:hasSource ?doc .
        OPTIONAL {{ ?p teh:locator ?loc }} OPTIONAL {{ ?p oa:hasSelector/oa:exact ?exact }} }}""")
    )
    if quotes:
        documents = await labels(rows, {q["doc"].value for q in quotes}, lang)
        out.append("<h2>" + ("Provenance" if lang == "fr" else "Provenance") + "</h2><ul>")
        for q in quotes:
            loc = e(q["loc"].value) if "loc" in q else ""
            exact = f"<blockquote>{e(q['exact'].value)}</blockquote>" if "exact" in q else ""
            out.append(f"<li>{term_html(q['doc'], documents)} — {loc}{exact}</li>")
        out.append("</ul>")
    kinds = {t.value for t in types}
    if kinds & {TEH + "ActionPlan", TEH + "Priority", TEH + "Axis", TEH + "Action"}:
        out.append(await page_section.tree(iri, rows, labels, lang))
    if TEH + "ActionPlan" in kinds:
        out.append(await charts.plan_charts(iri, rows, lang))
    if QB_DATASET in kinds:
        out.append(await charts.dataset_charts(iri, rows))
    if TEH + "SourceDocument" in kinds:
        out.append(await page_document.statements_section(iri, rows, labels, lang))
    if "http://www.w3.org/ns/org#Organization" in kinds:
        out.append(await page_org.roles_section(iri, rows, lang))
        out.append(await charts.hierarchy(iri, rows, lang))
        out.append(await charts.attachments(iri, rows, lang))
    return "\n".join(out)


async def landing(request: Request, rows: Rows) -> str:
    """The front page."""
    lang = lang_of(request)
    counts = await rows(f"""PREFIX void: <http://rdfs.org/ns/void#>
        SELECT ?class ?n {{ <{DATASET_IRI}> void:classPartition ?p .
        ?p void:class ?class ; void:entities ?n }} ORDER BY DESC(?n)""")
    names = await labels(rows, {r["class"].value for r in counts}, lang)
    table = "".join(
        f"<tr><td>{term_html(r['class'], names)}</td><td>{r['n'].value}</td></tr>"
        for r in counts
        if r["class"].value.startswith(
            ("https://w3id.org/tehkg/ontology#", "http://www.w3.org/ns/org#", "http://data.europa.eu/eli/")
        )
    )
    examples = "".join(
        f'<li><a href="/sparql?query={quote(q["body"])}&amp;lang={lang}">{e(q["title_" + lang])}</a></li>'
        for q in example_queries()[:12]
    )
    intro = {
        "fr": "Graphe de connaissances de la politique publique française contre la traite "
        "des êtres humains : les plans d'action 2014-2016 et 2019-2021, l'évaluation de la "
        "CNCDH (2017), les constats et propositions du Collectif « Ensemble contre la "
        "traite des êtres humains » (2017), la réunion du 27 janvier 2014 et la question "
        "écrite n° 24191 (2019). Chaque fait renvoie à son document source.",
        "en": "Knowledge graph of French public policy against trafficking in human "
        "beings: the 2014-2016 and 2019-2021 action plans, the CNCDH evaluation (2017), the "
        "Collectif « Ensemble contre la traite des êtres humains » findings and proposals "
        "(2017), the meeting of 27 January 2014 and written question no. 24191 (2019). "
        "Every fact leads back to its source document.",
    }[lang]
    endpoint = str(request.url_for("sparql"))
    body = f"""<h1>tehkg</h1><p>{intro}</p>
<h2>{"Points d’entrée" if lang == "fr" else "Entry points"}</h2><ul class="entry">
<li><a href="/id/plan/2014-2016?lang={lang}">Plan 2014-2016</a></li>
<li><a href="/id/plan/2019-2021?lang={lang}">Plan 2019-2021</a></li>
<li><a href="/id/doc/cncdh-2017?lang={lang}">CNCDH 2017</a></li>
<li><a href="/search?q=minist%C3%A8re&lang={lang}">{"Organisations" if lang == "fr" else "Organisations"}</a></li>
<li><a href="/id/legal/fr/code-penal/art/225-4-1?lang={lang}">Code pénal, art. 225-4-1</a></li></ul>
<h2>{"Questions exemples" if lang == "fr" else "Example questions"}</h2><ul>{examples}</ul>
<h2>{"Contenu" if lang == "fr" else "Contents"}</h2><table>{table}</table>
<h2>{"Accès" if lang == "fr" else "Access"}</h2>
<p>SPARQL: <code>{e(endpoint)}</code> · <a href="/dump.nq">N-Quads</a> ·
<a href="/dataset">VoID/DCAT</a> · <a href="/ontology">{"Ontologie" if lang == "fr" else "Ontology"}</a></p>
<h2>{"Licence et citation" if lang == "fr" else "Licence and citation"}</h2>
<p>{"Données" if lang == "fr" else "Data"}: CC BY 4.0. {"Citer" if lang == "fr" else "Cite"}:
« tehkg {__version__}, https://w3id.org/tehkg/ », {
        "et les documents sources" if lang == "fr" else "and the source documents"
    } (Premier ministre 2019; CNCDH 2017;
Collectif « Ensemble contre la traite des êtres humains » 2014, 2017; Assemblée nationale 2019).</p>"""
    return layout(request, "tehkg", body)


@functools.cache
def example_queries() -> list[dict[str, str]]:
    """The competency questions (package resource tehkg.queries), for the editor and landing page."""
    out = []
    for path in sorted(queries_dir().glob("*.rq")):
        text = path.read_text()
        head = {
            k: v
            for k, v in (
                line[1:].strip().split(":", 1) for line in text.splitlines() if line.startswith("#") and ":" in line
            )
            if k.strip() in ("fr", "en")
        }
        out.append(
            {
                "name": path.stem,
                "query": text,
                "body": page_editor.example_body(text),
                "title_fr": head.get("fr", path.stem).strip(),
                "title_en": head.get("en", path.stem).strip(),
            }
        )
    return out


async def search_page(request: Request, q: str, hits: list[dict]) -> str:
    """Search results as a page."""
    lang = lang_of(request)
    items = "".join(
        f'<li><a href="{e(h["path"])}?lang={lang}">{e(h["label"])}</a>'
        + (f'<p class="snippet">{e(h["text"])}</p>' if h["text"] != h["label"] else "")
        + "</li>"
        for h in hits
    )
    none = "" if hits else f"<p>{'Aucun résultat.' if lang == 'fr' else 'No result.'}</p>"
    return layout(request, q, f"<h1>« {e(q)} »</h1><ol class='hits'>{items}</ol>{none}")


async def ontology_page(request: Request, rows: Rows) -> str:
    """Documentation of every class, property and concept scheme of the ontology graph."""
    lang = lang_of(request)
    found = await rows(f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?t ?type ?label ?comment ?domain ?range ?super {{ GRAPH <{GRAPH_BASE}ontology> {{
        ?t a ?type . FILTER(?type IN (<http://www.w3.org/2002/07/owl#Class>,
          <http://www.w3.org/2002/07/owl#ObjectProperty>,
          <http://www.w3.org/2002/07/owl#DatatypeProperty>,
          <http://www.w3.org/2004/02/skos/core#ConceptScheme>))
        OPTIONAL {{ ?t rdfs:label ?label FILTER(lang(?label) = "{lang}") }}
        OPTIONAL {{ ?t rdfs:comment ?comment FILTER(lang(?comment) = "{lang}") }}
        OPTIONAL {{ ?t rdfs:domain ?domain }} OPTIONAL {{ ?t rdfs:range ?range }}
        OPTIONAL {{ ?t rdfs:subClassOf|rdfs:subPropertyOf ?super FILTER(isIRI(?super)) }}
        }} }} ORDER BY ?type ?t""")
    names = await labels(rows, {r[k].value for r in found for k in ("t", "super", "domain", "range") if k in r}, lang)
    sections: dict[str, list[str]] = defaultdict(list)
    seen = set()
    for r in found:
        iri = r["t"].value
        if iri in seen:
            continue
        seen.add(iri)
        anchor = iri.rsplit("#", 1)[-1] if "#" in iri else iri.rsplit("/", 1)[-1]
        extra = "".join(
            f"<dd>{e(relation)} : {term_html(r[k], names)}</dd>"
            for k, relation in zip(("super", "domain", "range"), ONTOLOGY_RELATIONS[lang], strict=True)
            if k in r
        )
        label = r["label"].value if "label" in r else names.get(iri, anchor)
        sections[r["type"].value].append(
            f'<dt id="{e(anchor)}">{link_html(iri, e(label))} <code class="iri">{e(iri)}</code></dt>'
            f"<dd>{e(r['comment'].value if 'comment' in r else '')}</dd>{extra}"
        )
    kinds = await labels(rows, set(sections), lang)
    body = "".join(f"<h2>{e(kinds.get(k, k).capitalize())}</h2><dl>{''.join(v)}</dl>" for k, v in sections.items())
    title = "Ontologie de tehkg" if lang == "fr" else "tehkg ontology"
    return layout(
        request,
        title,
        f"<h1>{title}</h1><p>RDF : <a href='/ontology?format=ttl'>Turtle</a> · "
        "<a href='/ontology?format=jsonld'>JSON-LD</a></p>" + body,
    )


ONTOLOGY_RELATIONS = {"fr": ("spécialise", "domaine", "portée"), "en": ("specialises", "domain", "range")}


def not_found(request: Request, iri: str) -> str:
    """The 404 page, in the request's language inside the site's frame."""
    lang = lang_of(request)
    said = {"fr": "Rien n'est connu de", "en": "Nothing is known about"}[lang]
    back = {"fr": "Retour à l'accueil", "en": "Back to the front page"}[lang]
    return layout(
        request, "404", f"<h1>404</h1><p>{said} <code>{e(iri)}</code>.</p><p><a href='/?lang={lang}'>{back}</a></p>"
    )


def script_json(value: object) -> str:
    """``value`` as JSON that cannot end the ``<script>`` element holding it (``<`` written ``\\u003c``)."""
    return json.dumps(value).replace("<", "\\u003c")


async def query_editor(request: Request) -> str:
    """The query editor: prefixes declared once (added to a query that uses them), examples titled by their
    question, results table, downloads, share links."""
    examples = example_queries()
    lang = lang_of(request)
    options = "".join(f'<option value="{i}">{e(q["title_" + lang])}</option>' for i, q in enumerate(examples))
    initial = request.query_params.get("query") or (
        "SELECT ?measure ?title WHERE {\n  ?measure a teh:Measure ; "
        'skos:prefLabel ?title .\n  FILTER(lang(?title) = "fr")\n} LIMIT 20'
    )
    prefix_note = {
        "fr": "Préfixes déclarés d'office : l'éditeur ajoute ceux qu'une requête utilise sans les déclarer",
        "en": "Prefixes declared for you: the editor adds those a query uses without declaring them",
    }[lang]
    body = f"""<h1>SPARQL</h1>
<label for="examples">{"Exemples" if lang == "fr" else "Examples"}</label>
<select id="examples"><option value="">—</option>{options}</select>
<p id="question" class="question" aria-live="polite"></p>
<details class="prefixes"><summary>{prefix_note}</summary><pre>{e(page_editor.declared_prefixes())}</pre></details>
<script type="application/json" id="editor-prefixes">{script_json(page_editor.EDITOR_PREFIXES)}</script>
<div class="editor"><pre id="highlight" aria-hidden="true"></pre>
<textarea id="query" spellcheck="false" aria-label="SPARQL query">{e(initial)}</textarea></div>
<p><button id="run">{"Exécuter" if lang == "fr" else "Run"}</button>
<a id="csv" href="#">CSV</a> · <a id="json" href="#">JSON</a> ·
<a id="share" href="#">{"Lien" if lang == "fr" else "Link"}</a>
<span id="status" role="status"></span></p>
<div id="results"></div>
<script type="application/json" id="example-queries">{script_json([q["body"] for q in examples])}</script>
<script src="/static/editor.js"></script>"""
    return layout(request, "SPARQL", body)
