"""The measure page: number, title and text first, then who pilots, partners and implements it, what the CNCDH
and the Collectif said of it, what follows it up, the legal texts it cites, each statement with its source."""

import html
from collections import defaultdict
from collections.abc import Awaitable, Callable

from tehkg.endpoint.page_parts import (
    crumbs,
    documents,
    in_lang,
    legal_section,
    link,
    number,
    paragraphs,
    passages,
    source,
    trail,
)
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
        "sources": "Sources",
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
        "sources": "Sources",
        "none": "not stated by the plan",
        "data": "All the data",
    },
}


async def measure_page(iri: str, rows: Rows, labels: Labels, lang: str) -> str:
    """The head of a measure's page (the generic property table follows it)."""
    w = WORDS[lang]
    found = await rows(f"""SELECT ?p ?o {{ <{iri}> ?p ?o }}""")
    values: dict[str, list] = defaultdict(list)
    for r in found:
        values[r["p"].value].append(r["o"])
    notation = values[SKOS + "notation"][0].value if values[SKOS + "notation"] else ""
    title = in_lang(values[SKOS + "prefLabel"], lang) or ""
    text = in_lang(values[DCTERMS + "description"], lang) or ""
    text_lang = next((v.language for v in values[DCTERMS + "description"] if v.value == text and v.language), lang)
    above = await crumbs(iri, rows)
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
    quoted = await passages(rows, stated)
    named = {r[k].value for r in above for k in ("up", "type")} | {r[k].value for r in roles for k in ("role", "who")}
    named |= {r[k].value for r in voices for k in ("a", "type", "status", "by") if k in r}
    named |= {r["other"].value for r in links} | {r["text"].value for r in legal}
    named |= documents(quoted)
    names = await labels(rows, named, lang)

    def sourced(subject: str) -> str:
        return source(quoted.get(subject, []), names, lang)

    head = [
        trail(above, names, lang),
        f'<h1 class="measure-title"><span class="number">{w["measure"]} {e(notation)}</span> {e(title)}</h1>',
        f'<div class="measure-text" lang="{e(text_lang)}">{paragraphs(text)}</div>',
    ]
    by_role: dict[str, list[str]] = defaultdict(list)
    for r in roles:
        by_role[r["role"].value.rsplit("/", 1)[-1]].append(r["who"].value)
    items = []
    for role in ("pilot", "partner", "implementer"):
        if by_role.get(role):
            orgs = sorted(by_role[role], key=lambda o: (names[o] if o in names else o).lower())
            people = "".join(f"<li>{link(o, names, lang)}</li>" for o in orgs)
            items.append(f'<dt>{w[role]}</dt><dd class="role-{role}"><ul>{people}</ul></dd>')
    roles_html = "".join(items) or f"<dd>{w['none']}</dd>"
    head.append(f'<aside class="roles" aria-label="{w["roles"]}"><dl>{roles_html}</dl>{sourced(iri)}</aside>')
    body = [f'<div class="measure-head">{"".join(head)}</div>']
    kind = {r["a"].value: r["type"].value.rsplit("#", 1)[-1] for r in voices}
    assessments = [r for r in voices if kind[r["a"].value] == "Assessment"]
    recommendations = sorted(
        (r for r in voices if kind[r["a"].value] == "Recommendation"), key=lambda r: number(r.get("n"))
    )
    if assessments or recommendations:
        body.append(f'<section class="cncdh"><h2>{w["cncdh"]}</h2>')
        for r in assessments:
            status = link(r["status"].value, names, lang) if "status" in r else ""
            printed = f" (« {e(r['statusText'].value)} »)" if "statusText" in r else ""
            body.append(f'<p class="status"><strong>{w["status"]} :</strong> {status}{printed}</p>')
            if "state" in r:
                body.append(f"<h3>{w['state']}</h3>{paragraphs(r['state'].value)}")
            if "comment" in r:
                body.append(f"<details><summary>{w['comment']}</summary>{paragraphs(r['comment'].value)}</details>")
            body.append(sourced(r["a"].value))
        if recommendations:
            body.append(f"<h3>{w['recommendations']}</h3><ol class='statements'>")
            body += [_statement(r, sourced) for r in recommendations]
            body.append("</ol>")
        body.append("</section>")
    if any(kind[r["a"].value] in ("Finding", "Proposal") for r in voices):
        body.append(f"<h2>{w['coalition']}</h2>")
    for kinds, heading in (("Finding", "findings"), ("Proposal", "proposals")):
        said = sorted((r for r in voices if kind[r["a"].value] == kinds), key=lambda r: number(r.get("n")))
        if said:
            body.append(f"<h3>{w[heading]}</h3><ol class='statements'>")
            body += [_statement(r, sourced) for r in said]
            body.append("</ol>")
    if links:
        body.append(f"<h2>{w['links']}</h2><ul class='links'>")
        for r in sorted(links, key=lambda r: (r["p"].value, r["other"].value)):
            direction = "out" if r["outgoing"].value == "true" else "in"
            verb = w[r["p"].value.rsplit("#", 1)[-1] + "-" + direction]
            body.append(f"<li>{verb} {link(r['other'].value, names, lang)}</li>")
        body.append("</ul>")
    body.append(legal_section({r["text"].value for r in legal}, names, lang))
    body.append(f"<h2 class='all-data'>{w['data']}</h2>")
    return "\n".join(body)


def _statement(r: dict, source: Callable[[str], str]) -> str:
    """One recommendation, finding or proposal: its text and where it is printed."""
    text = r["body"].value if "body" in r else ""
    anchor = r["a"].value[len(BASE) :].replace("/", "-")
    return f'<li id="{e(anchor)}">{paragraphs(text)}{source(r["a"].value)}</li>'
