"""Server-rendered SVG charts (no JavaScript library, no CDN)."""

import html

from tehkg.vocab import BASE

TEH = "https://w3id.org/tehkg/ontology#"


def page_link(iri: str) -> str | None:
    """Where a chart links an IRI: its local page, the http(s) IRI itself, or None (other schemes stay text)."""
    if iri.startswith(BASE):
        return "/" + iri[len(BASE) :]
    return iri if iri.lower().startswith(("http://", "https://")) else None


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
        items.append(
            f'<text x="0" y="{y + 14}" font-size="12">{text}</text>'
            f'<rect x="330" y="{y}" width="{width:.1f}" height="16" fill="#3b6ea5"/>'
            f'<text x="{336 + width:.1f}" y="{y + 13}" font-size="12">{value}</text>'
        )
    return (
        f"<figure><figcaption>{html.escape(title)}</figcaption>"
        f'<svg role="img" aria-label="{html.escape(title)}" viewBox="0 0 640 {height}" '
        f'width="100%">{"".join(items)}</svg></figure>'
    )


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

    out = []
    if statuses:
        out.append(
            bar_chart(
                "Statut (CNCDH, 2017)" if lang == "fr" else "Status (CNCDH, 2017)",
                [
                    (
                        r["label"].value if "label" in r else r["status"].value,
                        int(r["n"].value),
                        page_link(r["status"].value),
                    )
                    for r in statuses
                ],
            )
        )
    if roles:
        title = (
            "Mesures pilotées ou mises en œuvre, par organisation"
            if lang == "fr"
            else "Measures piloted or implemented, by organisation"
        )
        out.append(
            bar_chart(
                title,
                [
                    (r["label"].value if "label" in r else r["org"].value, int(r["n"].value), page_link(r["org"].value))
                    for r in roles
                ],
            )
        )
    return "\n".join(out)


async def dataset_charts(dataset: str, rows) -> str:  # noqa: ANN001
    """One bar chart per indicator of a Data Cube dataset, by reference year."""
    found = await rows(f"""PREFIX teh: <{TEH}> PREFIX qb: <http://purl.org/linked-data/cube#>
        SELECT ?indicator ?year ?value {{ ?o qb:dataSet <{dataset}> ; teh:indicator ?indicator ;
          teh:refYear ?year ; <http://purl.org/linked-data/sdmx/2009/measure#obsValue> ?value }}
        ORDER BY ?indicator ?year""")
    series: dict[str, list[tuple[str, int, None]]] = {}
    for r in found:
        series.setdefault(r["indicator"].value, []).append((r["year"].value, int(float(r["value"].value)), None))
    return "\n".join(bar_chart(name, bars) for name, bars in series.items())


def _wrap(label: str, width: int) -> list[str]:
    """At most two lines of ``width`` characters, cut at spaces, an ellipsis when cut short."""
    lines, words = [""], label.split()
    for word in words:
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width:
            lines.append("")
        lines[-1] = f"{lines[-1]} {word}".strip()
    if len(lines) > 2:
        lines = [lines[0], lines[1][: width - 1] + "…"]
    return [line if len(line) <= width else line[: width - 1] + "…" for line in lines]


async def hierarchy(org: str, rows, lang: str) -> str:  # noqa: ANN001
    """The organisation among its parents (above, as far up as the sources go) and its units
    (below, two levels): boxes linked to their pages, a line from each unit to its parent."""
    found = await rows(f"""PREFIX org: <http://www.w3.org/ns/org#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?child ?parent ?cl ?pl {{ ?child org:subOrganizationOf ?parent .
        OPTIONAL {{ ?child skos:prefLabel ?cl FILTER(lang(?cl) = "{lang}") }}
        OPTIONAL {{ ?parent skos:prefLabel ?pl FILTER(lang(?pl) = "{lang}") }} }}""")
    parents: dict[str, set[str]] = {}
    children: dict[str, set[str]] = {}
    names: dict[str, str] = {}
    for r in found:
        child, parent = r["child"].value, r["parent"].value
        parents.setdefault(child, set()).add(parent)
        children.setdefault(parent, set()).add(child)
        names.setdefault(child, r["cl"].value if "cl" in r else child.rsplit("/", 1)[-1])
        names.setdefault(parent, r["pl"].value if "pl" in r else parent.rsplit("/", 1)[-1])
    if org not in parents and org not in children:
        return ""
    depth = {org: 0}
    for step, links, limit in ((-1, parents, 10), (1, children, 2)):
        frontier = [org]
        for level in range(1, limit + 1):
            frontier = sorted({n for f in frontier for n in links.get(f, ()) if n not in depth})
            depth.update((node, step * level) for node in frontier)
    edges = sorted((c, p) for c in depth for p in parents.get(c, ()) if p in depth and depth[c] == depth[p] + 1)
    layers: dict[int, list[str]] = {}
    for node, d in sorted(depth.items(), key=lambda kv: names[kv[0]]):
        layers.setdefault(d, []).append(node)
    box_w, box_h, gap_x, gap_y = 200, 40, 16, 36
    width = max(len(nodes) for nodes in layers.values()) * (box_w + gap_x)
    top = min(layers)
    where: dict[str, tuple[float, float]] = {}
    for d, nodes in layers.items():
        offset = (width - len(nodes) * (box_w + gap_x)) / 2 + gap_x / 2
        for i, node in enumerate(nodes):
            where[node] = (offset + i * (box_w + gap_x), (d - top) * (box_h + gap_y) + 4)
    connectors = [
        f'<line x1="{where[c][0] + box_w / 2:.0f}" y1="{where[c][1]:.0f}" '
        f'x2="{where[p][0] + box_w / 2:.0f}" y2="{where[p][1] + box_h:.0f}" '
        'stroke="#5b6472" stroke-width="2"/>'
        for c, p in edges
    ]
    boxes = []
    for node, (x, y) in where.items():
        label = names[node]
        lines = _wrap(label, 34)
        shifts = ("0.35em",) if len(lines) == 1 else ("-0.25em", "1.2em")
        text = "".join(
            f'<tspan x="{x + box_w / 2:.0f}" dy="{dy}">{html.escape(line)}</tspan>'
            for dy, line in zip(shifts, lines, strict=True)
        )
        fill = "#3b6ea5" if node == org else "#eef3f9"
        colour = "#fff" if node == org else "#123"
        link = page_link(node)
        opening, closing = (f'<a href="{html.escape(link)}">', "</a>") if link else ("<g>", "</g>")
        boxes.append(
            f"{opening}<title>{html.escape(label)}</title>"
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{box_w}" height="{box_h}" rx="4" '
            f'fill="{fill}" stroke="#3b6ea5"/><text x="{x + box_w / 2:.0f}" '
            f'y="{y + box_h / 2:.0f}" font-size="11" text-anchor="middle" fill="{colour}">'
            f"{text}</text>{closing}"
        )
    height = (max(layers) - top + 1) * (box_h + gap_y)
    title = "Organigramme (selon les sources)" if lang == "fr" else "Hierarchy (as the sources state it)"
    return (
        f'<figure class="hierarchy"><figcaption>{html.escape(title)}</figcaption>'
        f'<svg role="img" aria-label="{html.escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="{width}">{"".join(connectors)}{"".join(boxes)}</svg></figure>'
    )
