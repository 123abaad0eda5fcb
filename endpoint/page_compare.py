"""The two plans side by side: which 2014-2016 measures the 2019-2021 plan follows up (teh:followsUp) and how the
CNCDH rated them, as a table and a picture; and a timeline of the source documents."""

import html
from collections import defaultdict
from collections.abc import Awaitable, Callable

from tehkg.endpoint.charts import readable_date
from tehkg.vocab import BASE, DCTERMS, ID_BASE, SKOS, TEH

Rows = Callable[[str], Awaitable[list[dict]]]
OA = "http://www.w3.org/ns/oa#"
OLD, NEW = ID_BASE + "plan/2014-2016", ID_BASE + "plan/2019-2021"
STATUS_COLOURS = {"implemented": "#2e7d32", "partially-implemented": "#e0a100", "not-implemented": "#c0392b"}
e = html.escape

WORDS = {
    "fr": {
        "title": "Les deux plans comparés",
        "intro": "Pour chaque mesure du plan 2014-2016 : le statut que lui donne la CNCDH (2017) et les mesures du "
        "plan 2019-2021 qui y font suite (liens éditoriaux justifiés).",
        "old": "Mesure 2014-2016",
        "status": "Statut (CNCDH, 2017)",
        "new": "Suite dans le plan 2019-2021",
        "none": "aucune suite identifiée",
        "unrated": "non évaluée",
        "picture": "Mesures 2014-2016 (à gauche, couleur du statut CNCDH) et leurs suites 2019-2021 (à droite)",
        "summary": "{followed} mesures sur {total} du plan 2014-2016 ont une suite dans le plan 2019-2021.",
        "timeline": "Chronologie des documents sources",
        "measure": "Mesure",
    },
    "en": {
        "title": "The two plans compared",
        "intro": "For each measure of the 2014-2016 plan: the status the CNCDH (2017) gives it and the measures of the "
        "2019-2021 plan that follow it up (justified editorial links).",
        "old": "2014-2016 measure",
        "status": "Status (CNCDH, 2017)",
        "new": "Follow-up in the 2019-2021 plan",
        "none": "no follow-up identified",
        "unrated": "not assessed",
        "picture": "2014-2016 measures (left, coloured by CNCDH status) and their 2019-2021 follow-ups (right)",
        "summary": "{followed} of the {total} measures of the 2014-2016 plan are followed up in the 2019-2021 plan.",
        "timeline": "Timeline of the source documents",
        "measure": "Measure",
    },
}


def _href(iri: str, lang: str) -> str:
    return ("/" + iri[len(BASE) :] if iri.startswith(BASE) else iri) + f"?lang={lang}"


def _n(value: str) -> int:
    return int(value) if value.isdigit() else 10**6


async def compare_body(rows: Rows, lang: str) -> tuple[str, str]:
    """The page's title and body."""
    w = WORDS[lang]
    measures = await rows(f"""PREFIX teh: <{TEH}> PREFIX skos: <{SKOS}>
        SELECT ?m ?plan ?n ?title {{ VALUES ?plan {{ <{OLD}> <{NEW}> }} ?m a teh:Measure ; teh:inPlan ?plan ;
          skos:notation ?n OPTIONAL {{ ?m skos:prefLabel ?t1 FILTER(lang(?t1) = "{lang}") }}
          OPTIONAL {{ ?m skos:prefLabel ?t2 FILTER(lang(?t2) = "fr") }} BIND(COALESCE(?t1, ?t2, "") AS ?title) }}""")
    status = await rows(f"""PREFIX teh: <{TEH}> PREFIX oa: <{OA}> PREFIX skos: <{SKOS}>
        SELECT ?m ?status ?label {{ ?a a teh:Assessment ; oa:hasTarget ?m ; teh:status ?status .
          ?m teh:inPlan <{OLD}> OPTIONAL {{ ?status skos:prefLabel ?label FILTER(lang(?label) = "{lang}") }} }}""")
    follows = await rows(f"""PREFIX teh: <{TEH}> SELECT ?old ?new {{ ?new teh:followsUp ?old .
        ?old teh:inPlan <{OLD}> . ?new teh:inPlan <{NEW}> }}""")
    documents = await rows(f"""PREFIX teh: <{TEH}> PREFIX dcterms: <{DCTERMS}>
        SELECT ?doc ?date ?title {{ ?doc a teh:SourceDocument ; dcterms:issued ?date
          OPTIONAL {{ ?doc dcterms:title ?t1 FILTER(lang(?t1) = "{lang}") }}
          OPTIONAL {{ ?doc dcterms:title ?t2 FILTER(lang(?t2) = "fr") }} BIND(COALESCE(?t1, ?t2) AS ?title) }}
        ORDER BY ?date""")
    info = {r["m"].value: (r["plan"].value, r["n"].value, r["title"].value) for r in measures}
    rated = {r["m"].value: (r["status"].value, r["label"].value if "label" in r else "") for r in status}
    later: dict[str, list[str]] = defaultdict(list)
    for r in follows:
        later[r["old"].value].append(r["new"].value)
    old = sorted((m for m, (plan, _, _) in info.items() if plan == OLD), key=lambda m: _n(info[m][1]))
    new = sorted((m for m, (plan, _, _) in info.items() if plan == NEW), key=lambda m: _n(info[m][1]))

    def link(m: str) -> str:
        return f'<a href="{e(_href(m, lang))}">{w["measure"]} {e(info[m][1])}</a> {e(info[m][2])}'

    table = [f"<table class='compare'><thead><tr><th>{w['old']}</th><th>{w['status']}</th><th>{w['new']}</th></tr>"]
    table.append("</thead><tbody>")
    for m in old:
        status_iri, label = rated.get(m, ("", w["unrated"]))
        status_html = f'<a href="{e(_href(status_iri, lang))}">{e(label)}</a>' if status_iri else e(label)
        suites = sorted(later.get(m, []), key=lambda n: _n(info.get(n, ("", "", ""))[1]))
        followed = "<ul>" + "".join(f"<li>{link(n)}</li>" for n in suites if n in info) + "</ul>" if suites else ""
        table.append(
            f'<tr id="m{e(info[m][1])}"><td>{link(m)}</td><td class="status-cell">{status_html}</td>'
            f"<td>{followed or '<em>' + w['none'] + '</em>'}</td></tr>"
        )
    table.append("</tbody></table>")
    summary = w["summary"].format(followed=sum(1 for m in old if later.get(m)), total=len(old))
    body = [
        f"<h1>{w['title']}</h1><p>{w['intro']}</p><p class='summary'>{summary}</p>",
        _picture(old, new, info, rated, later, lang),
        "".join(table),
        _timeline(documents, lang),
    ]
    return w["title"], "\n".join(body)


def _picture(old: list[str], new: list[str], info: dict, rated: dict, later: dict, lang: str) -> str:
    """Two columns of dots, one per measure, a line from each 2014-2016 measure to each of its follow-ups."""
    w, step, left, right = WORDS[lang], 16, 170, 400
    longest = max(len(old), len(new), 2)
    height = longest * step + 20

    def spread(column: list[str]) -> dict[str, float]:
        """Positions spreading a column over the height of the longest one."""
        gap = step * (longest - 1) / max(len(column) - 1, 1)
        return {m: 14 + i * gap for i, m in enumerate(column)}

    y_old, y_new = spread(old), spread(new)
    lines = [
        f'<line class="follow-up" x1="{left}" y1="{y_old[m]:.0f}" x2="{right}" y2="{y_new[n]:.0f}" '
        'stroke="#8896a8" stroke-width="1.5"/>'
        for m in old
        for n in later.get(m, [])
        if n in y_new
    ]
    dots = []
    for m in old:
        colour = STATUS_COLOURS.get(rated.get(m, ("",))[0].rsplit("/", 1)[-1], "#9aa3ad")
        label = e(f"{w['measure']} {info[m][1]} — {info[m][2]}")
        dots.append(
            f'<a href="{e(_href(m, lang))}" class="old-measure"><title>{label}</title>'
            f'<circle cx="{left}" cy="{y_old[m]:.0f}" r="6" fill="{colour}"/>'
            f'<text x="{left - 12}" y="{y_old[m] + 4:.0f}" font-size="11" text-anchor="end">'
            f"{e(info[m][1])} {e(info[m][2][:18].lower())}…</text></a>"
        )
    for n in new:
        label = e(f"{w['measure']} {info[n][1]} — {info[n][2]}")
        dots.append(
            f'<a href="{e(_href(n, lang))}" class="new-measure"><title>{label}</title>'
            f'<circle cx="{right}" cy="{y_new[n]:.0f}" r="4" fill="#3b6ea5"/>'
            f'<text x="{right + 10}" y="{y_new[n] + 4:.0f}" font-size="10">'
            f"{e(info[n][1])} {e(info[n][2][:30].lower())}…</text></a>"
        )
    legend = "".join(
        f'<span class="legend"><svg class="swatch" width="12" height="12" aria-hidden="true">'
        f'<circle cx="6" cy="6" r="6" fill="{colour}"/></svg>{e(label)}</span>'
        for colour, label in sorted(
            {(STATUS_COLOURS.get(s.rsplit("/", 1)[-1], "#9aa3ad"), label) for s, label in rated.values()}
        )
    )
    return (
        f'<figure class="plans-picture"><figcaption>{w["picture"]}</figcaption>'
        f'<svg role="img" aria-label="{w["picture"]}" viewBox="0 0 640 {height:.0f}" width="640" '
        f'height="{height:.0f}">{"".join(lines)}{"".join(dots)}</svg><p>{legend}</p></figure>'
    )


def _timeline(documents: list[dict], lang: str) -> str:
    """The source documents on a line of years, each a labelled tick linked to its page."""
    if not documents:
        return ""
    w = WORDS[lang]
    years = [int(r["date"].value[:4]) for r in documents]
    first, last = min(years), max(years) + 1
    width, x0, span = 640, 20, 600

    def x(value: str) -> float:
        year, month = int(value[:4]), int(value[5:7]) if len(value) >= 7 else 1
        return x0 + span * (year + (month - 1) / 12 - first) / (last - first)

    ticks = "".join(
        f'<line x1="{x(str(y)):.0f}" y1="36" x2="{x(str(y)):.0f}" y2="44" stroke="#5b6472"/>'
        f'<text x="{x(str(y)):.0f}" y="58" font-size="11" text-anchor="middle">{y}</text>'
        for y in range(first, last + 1)
    )
    marks = []
    for i, r in enumerate(documents):
        at, title = x(r["date"].value), r["title"].value if "title" in r else r["doc"].value
        y = 80 + i * 30
        marks.append(
            f'<a href="{e(_href(r["doc"].value, lang))}" class="document"><title>{e(title)}</title>'
            f'<line x1="{at:.0f}" y1="40" x2="{at:.0f}" y2="{y - 10}" stroke="#c9d3df"/>'
            f'<circle cx="{at:.0f}" cy="40" r="5" fill="#3b6ea5"/>'
            f'<text x="{min(at, width - 260):.0f}" y="{y}" font-size="11">'
            f"{e(readable_date(r['date'].value, lang))} — {e(title[:44])}{'…' if len(title) > 44 else ''}</text></a>"
        )
    height = 90 + len(documents) * 30
    return (
        f'<figure class="timeline"><figcaption>{w["timeline"]}</figcaption>'
        f'<svg role="img" aria-label="{w["timeline"]}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}"><line x1="{x0}" y1="40" x2="{x0 + span}" y2="40" stroke="#5b6472" '
        f'stroke-width="2"/>{ticks}{"".join(marks)}</svg></figure>'
    )
