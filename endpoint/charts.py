"""Server-rendered SVG charts (no JavaScript library, no CDN)."""

import html

from loader.paths import BASE

TEH = "https://w3id.org/tehkg/ontology#"


def bar_chart(title: str, bars: list[tuple[str, int, str | None]]) -> str:
    """A horizontal bar chart; each bar is (label, value, link or None)."""
    if not bars:
        return ""
    top = max(v for _, v, _ in bars) or 1
    height = 22 * len(bars) + 10
    items = []
    for i, (label, value, link) in enumerate(bars):
        y = 5 + 22 * i
        width = 260 * value / top
        text = html.escape(label[:48])
        if link:
            text = f'<a href="{html.escape(link)}">{text}</a>'
        items.append(f'<text x="0" y="{y + 14}" font-size="12">{text}</text>'
                     f'<rect x="330" y="{y}" width="{width:.1f}" height="16" fill="#3b6ea5"/>'
                     f'<text x="{336 + width:.1f}" y="{y + 13}" font-size="12">{value}</text>')
    return (f'<figure><figcaption>{html.escape(title)}</figcaption>'
            f'<svg role="img" aria-label="{html.escape(title)}" viewBox="0 0 640 {height}" '
            f'width="100%">{"".join(items)}</svg></figure>')


async def plan_charts(plan: str, rows, lang: str) -> str:  # noqa: ANN001
    """CNCDH status breakdown and who pilots (or implements) how many measures of a plan."""
    statuses = await rows(f"""PREFIX teh: <{TEH}> PREFIX oa: <http://www.w3.org/ns/oa#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?status ?label (COUNT(DISTINCT ?m) AS ?n) {{ ?m teh:inPlan <{plan}> .
        ?a a teh:Assessment ; oa:hasTarget ?m ; teh:status ?status .
        OPTIONAL {{ ?status skos:prefLabel ?label FILTER(lang(?label) = "{lang}") }} }}
        GROUP BY ?status ?label ORDER BY DESC(?n)""")
    roles = await rows(f"""PREFIX teh: <{TEH}> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?org (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?m) AS ?n) {{ ?m teh:inPlan <{plan}> .
        ?m teh:pilot|teh:implementer ?org .
        OPTIONAL {{ ?org skos:prefLabel ?l FILTER(lang(?l) = "{lang}") }} }}
        GROUP BY ?org ORDER BY DESC(?n) LIMIT 15""")

    def link(iri: str) -> str:
        return "/" + iri[len(BASE):] if iri.startswith(BASE) else iri

    out = []
    if statuses:
        out.append(bar_chart("Statut (CNCDH, 2017)" if lang == "fr" else "Status (CNCDH, 2017)",
                             [(r["label"].value if "label" in r else r["status"].value,
                               int(r["n"].value), link(r["status"].value)) for r in statuses]))
    if roles:
        title = ("Mesures pilotées ou mises en œuvre, par organisation" if lang == "fr"
                 else "Measures piloted or implemented, by organisation")
        out.append(bar_chart(title, [(r["label"].value if "label" in r else r["org"].value,
                                      int(r["n"].value), link(r["org"].value)) for r in roles]))
    return "\n".join(out)


async def dataset_charts(dataset: str, rows) -> str:  # noqa: ANN001
    """One bar chart per indicator of a Data Cube dataset, by reference year."""
    found = await rows(f"""PREFIX teh: <{TEH}> PREFIX qb: <http://purl.org/linked-data/cube#>
        SELECT ?indicator ?year ?value {{ ?o qb:dataSet <{dataset}> ; teh:indicator ?indicator ;
          teh:refYear ?year ; <http://purl.org/linked-data/sdmx/2009/measure#obsValue> ?value }}
        ORDER BY ?indicator ?year""")
    series: dict[str, list[tuple[str, int, None]]] = {}
    for r in found:
        series.setdefault(r["indicator"].value, []).append(
            (r["year"].value, int(float(r["value"].value)), None))
    return "\n".join(bar_chart(name, bars) for name, bars in series.items())
