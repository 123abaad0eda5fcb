"""The measure page: number, title and text first, then who pilots, partners and implements it, what the CNCDH
and the Collectif said of it, what follows it up, the legal texts it cites, each statement with its source."""

import html
from collections import defaultdict
from collections.abc import Awaitable, Callable

import pyoxigraph as ox

from tehkg.endpoint.charts import page_link
from tehkg.vocab import BASE, DCTERMS, SKOS, TEH

Rows = Callable[[str], Awaitable[list[dict]]]
Labels = Callable[[Rows, set[str], str], Awaitable[dict[str, str]]]
OA = "http://www.w3.org/ns/oa#"
CV = "http://data.europa.eu/m8g/"
e = html.escape

WORDS = {
    "fr": {
        "measure": "Mesure",
        "roles": "Qui la porte",
        "pilot": "Pilote(s)",
        "partner": "Partenaires",
        "implementer": "Mise en œuvre",
        "cncdh": "Évaluation de la CNCDH",
        "status": "Statut",
        "state": "Actions de l'État rapportées",
        "comment": "Analyse",
        "recommendations": "Recommandations",
        "coalition": "Le Collectif « Ensemble contre la traite des êtres humains »",
        "findings": "Constats",
        "proposals": "Propositions",
        "links": "Suites et reprises",
        "followsUp-out": "fait suite à",
        "followsUp-in": "suivie par",
        "takesUp-out": "reprend",
        "takesUp-in": "reprise par",
        "draftOf-out": "projet de",
        "draftOf-in": "projet :",
        "legal": "Textes juridiques cités",
        "sources": "Sources",
        "quote": "passage cité",
        "none": "non précisé par le plan",
        "data": "Toutes les données",
    },
    "en": {
        "measure": "Measure",
        "roles": "Who carries it",
        "pilot": "Pilot(s)",
        "partner": "Partners",
        "implementer": "Implementation",
        "cncdh": "CNCDH assessment",
        "status": "Status",
        "state": "State actions reported",
        "comment": "Analysis",
        "recommendations": "Recommendations",
        "coalition": "The Collectif « Ensemble contre la traite des êtres humains »",
        "findings": "Findings",
        "proposals": "Proposals",
        "links": "Follow-up",
        "followsUp-out": "follows up",
        "followsUp-in": "followed up by",
        "takesUp-out": "takes up",
        "takesUp-in": "taken up by",
        "draftOf-out": "draft of",
        "draftOf-in": "draft:",
        "legal": "Legal texts cited",
        "sources": "Sources",
        "quote": "quoted passage",
        "none": "not stated by the plan",
        "data": "All the data",
    },
}


def _href(iri: str, lang: str) -> str:
    path = "/" + iri[len(BASE) :] if iri.startswith(BASE) else iri
    return f"{path}?lang={lang}" if iri.startswith(BASE) else path


def _link(iri: str, names: dict[str, str], lang: str) -> str:
    text = e(names.get(iri, iri.rsplit("/", 1)[-1]))
    return f'<a href="{e(_href(iri, lang))}">{text}</a>' if page_link(iri) else f"<span>{text}</span>"


def _text(value: str) -> str:
    """Printed text as paragraphs."""
    return "".join(f"<p>{e(p)}</p>" for p in value.split("\n") if p.strip())


def _in_lang(values: list[ox.Literal], lang: str) -> str | None:
    """The value in ``lang``, else the French one, else any."""
    ranked = sorted(values, key=lambda v: (v.language != lang, v.language != "fr"))
    return ranked[0].value if ranked else None


async def measure_page(iri: str, rows: Rows, labels: Labels, lang: str) -> str:
    """The head of a measure's page (the generic property table follows it)."""
    w = WORDS[lang]
    found = await rows(f"""SELECT ?p ?o {{ <{iri}> ?p ?o }}""")
    values: dict[str, list] = defaultdict(list)
    for r in found:
        values[r["p"].value].append(r["o"])
    notation = values[SKOS + "notation"][0].value if values[SKOS + "notation"] else ""
    title = _in_lang(values[SKOS + "prefLabel"], lang) or ""
    text = _in_lang(values[DCTERMS + "description"], lang) or ""
    text_lang = next((v.language for v in values[DCTERMS + "description"] if v.value == text and v.language), lang)
    crumbs = await rows(f"""PREFIX teh: <{TEH}> SELECT ?up ?type ?n (COUNT(?mid) AS ?depth) {{
        <{iri}> teh:isComponentOf+ ?up . ?up teh:isComponentOf* ?mid ; a ?type FILTER(STRSTARTS(STR(?type), "{TEH}"))
        OPTIONAL {{ ?up <{SKOS}notation> ?n }} }} GROUP BY ?up ?type ?n ORDER BY ?depth""")
    roles = await rows(f"""SELECT ?role ?who {{ <{iri}> <{CV}hasParticipation> ?x .
        ?x <{CV}role> ?role ; <{CV}hasParticipant> ?who }}""")
    voices = await rows(f"""PREFIX teh: <{TEH}> PREFIX oa: <{OA}> SELECT ?a ?type ?n ?body ?status ?statusText ?state
        ?comment ?by {{ ?a oa:hasTarget <{iri}> ; a ?type FILTER(STRSTARTS(STR(?type), "{TEH}"))
        OPTIONAL {{ ?a <{SKOS}notation> ?n }} OPTIONAL {{ ?a oa:bodyValue ?body }}
        OPTIONAL {{ ?a teh:status ?status }} OPTIONAL {{ ?a teh:statusText ?statusText }}
        OPTIONAL {{ ?a teh:stateActions ?state }} OPTIONAL {{ ?a <{DCTERMS}description> ?comment }}
        OPTIONAL {{ ?a <{DCTERMS}creator> ?by }} }}""")
    links = await rows(f"""PREFIX teh: <{TEH}> SELECT ?p ?other ?outgoing {{
        {{ <{iri}> ?p ?other BIND(true AS ?outgoing) }} UNION {{ ?other ?p <{iri}> BIND(false AS ?outgoing) }}
        FILTER(?p IN (teh:followsUp, teh:takesUp, teh:draftOf)) }}""")
    legal = await rows(f"""PREFIX teh: <{TEH}> PREFIX oa: <{OA}> SELECT DISTINCT ?text {{
        {{ <{iri}> teh:refersTo ?text }} UNION {{ ?a oa:hasTarget <{iri}> ; teh:refersTo ?text }}
        ?text a <http://data.europa.eu/eli/ontology#LegalResource> }}""")
    stated = {iri} | {r["a"].value for r in voices}
    sources = await rows(f"""PREFIX teh: <{TEH}> PREFIX oa: <{OA}> SELECT ?s ?doc ?loc ?exact {{
        VALUES ?s {{ {" ".join(f"<{s}>" for s in stated)} }} ?s teh:passage ?p . ?p oa:hasSource ?doc .
        OPTIONAL {{ ?p teh:locator ?loc }} OPTIONAL {{ ?p oa:hasSelector/oa:exact ?exact }} }}""")
    named = {r[k].value for r in crumbs for k in ("up", "type")} | {r[k].value for r in roles for k in ("role", "who")}
    named |= {r[k].value for r in voices for k in ("a", "type", "status", "by") if k in r}
    named |= {r["other"].value for r in links} | {r["text"].value for r in legal} | {r["doc"].value for r in sources}
    names = await labels(rows, named, lang)
    passages: dict[str, list[dict]] = defaultdict(list)
    for r in sources:
        passages[r["s"].value].append(r)

    def source(subject: str) -> str:
        """The document (by title) and place a statement comes from, its quote folded."""
        out = []
        for r in passages.get(subject, []):
            where = f" — {e(r['loc'].value)}" if "loc" in r else ""
            quote = (
                f"<details><summary>{w['quote']}</summary><blockquote>{e(r['exact'].value)}</blockquote></details>"
                if "exact" in r
                else ""
            )
            out.append(f'<p class="source">{_link(r["doc"].value, names, lang)}{where}{quote}</p>')
        return "".join(out)

    trail = " › ".join(_crumb(r, names, lang) for r in crumbs)
    head = [
        f'<nav class="crumbs" aria-label="plan">{trail}</nav>',
        f'<h1 class="measure-title"><span class="number">{w["measure"]} {e(notation)}</span> {e(title)}</h1>',
        f'<div class="measure-text" lang="{e(text_lang)}">{_text(text)}</div>',
    ]
    by_role: dict[str, list[str]] = defaultdict(list)
    for r in roles:
        by_role[r["role"].value.rsplit("/", 1)[-1]].append(r["who"].value)
    items = []
    for role in ("pilot", "partner", "implementer"):
        if by_role.get(role):
            orgs = sorted(by_role[role], key=lambda o: (names[o] if o in names else o).lower())
            people = "".join(f"<li>{_link(o, names, lang)}</li>" for o in orgs)
            items.append(f'<dt>{w[role]}</dt><dd class="role-{role}"><ul>{people}</ul></dd>')
    roles_html = "".join(items) or f"<dd>{w['none']}</dd>"
    head.append(f'<aside class="roles" aria-label="{w["roles"]}"><dl>{roles_html}</dl>{source(iri)}</aside>')
    body = [f'<div class="measure-head">{"".join(head)}</div>']
    kind = {r["a"].value: r["type"].value.rsplit("#", 1)[-1] for r in voices}
    assessments = [r for r in voices if kind[r["a"].value] == "Assessment"]
    recommendations = sorted(
        (r for r in voices if kind[r["a"].value] == "Recommendation"), key=lambda r: _number(r.get("n"))
    )
    if assessments or recommendations:
        body.append(f'<section class="cncdh"><h2>{w["cncdh"]}</h2>')
        for r in assessments:
            status = _link(r["status"].value, names, lang) if "status" in r else ""
            printed = f" (« {e(r['statusText'].value)} »)" if "statusText" in r else ""
            body.append(f'<p class="status"><strong>{w["status"]} :</strong> {status}{printed}</p>')
            if "state" in r:
                body.append(f"<h3>{w['state']}</h3>{_text(r['state'].value)}")
            if "comment" in r:
                body.append(f"<details><summary>{w['comment']}</summary>{_text(r['comment'].value)}</details>")
            body.append(source(r["a"].value))
        if recommendations:
            body.append(f"<h3>{w['recommendations']}</h3><ol class='statements'>")
            body += [_statement(r, source) for r in recommendations]
            body.append("</ol>")
        body.append("</section>")
    if any(kind[r["a"].value] in ("Finding", "Proposal") for r in voices):
        body.append(f"<h2>{w['coalition']}</h2>")
    for kinds, heading in (("Finding", "findings"), ("Proposal", "proposals")):
        said = sorted((r for r in voices if kind[r["a"].value] == kinds), key=lambda r: _number(r.get("n")))
        if said:
            body.append(f"<h3>{w[heading]}</h3><ol class='statements'>")
            body += [_statement(r, source) for r in said]
            body.append("</ol>")
    if links:
        body.append(f"<h2>{w['links']}</h2><ul class='links'>")
        for r in sorted(links, key=lambda r: (r["p"].value, r["other"].value)):
            direction = "out" if r["outgoing"].value == "true" else "in"
            verb = w[r["p"].value.rsplit("#", 1)[-1] + "-" + direction]
            body.append(f"<li>{verb} {_link(r['other'].value, names, lang)}</li>")
        body.append("</ul>")
    if legal:
        cited = sorted((r["text"].value for r in legal), key=lambda t: names.get(t, t))
        body.append(f"<h2>{w['legal']}</h2><ul>" + "".join(f"<li>{_link(t, names, lang)}</li>" for t in cited))
        body.append("</ul>")
    body.append(f"<h2 class='all-data'>{w['data']}</h2>")
    return "\n".join(body)


def _crumb(r: dict, names: dict[str, str], lang: str) -> str:
    """A section of the plan above a measure, as « Axe 1 » (the plan by its title)."""
    up = r["up"].value
    text = f"{names.get(r['type'].value, '').capitalize()} {r['n'].value}" if "n" in r else names.get(up, "")
    if not page_link(up):  # http(s) IRIs only become links
        return f'<span title="{e(names.get(up, ""))}">{e(text)}</span>'
    return f'<a href="{e(_href(up, lang))}" title="{e(names.get(up, ""))}">{e(text)}</a>'


def _number(notation: ox.Literal | None) -> tuple[int, str]:
    text = notation.value if notation is not None else ""
    return (int(text), "") if text.isdigit() else (10**6, text)


def _statement(r: dict, source: Callable[[str], str]) -> str:
    """One recommendation, finding or proposal: its text and where it is printed."""
    text = r["body"].value if "body" in r else ""
    anchor = r["a"].value[len(BASE) :].replace("/", "-")
    return f'<li id="{e(anchor)}">{_text(text)}{source(r["a"].value)}</li>'
