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
    series: dict[str, list[tuple[str, int, str | None]]] = {}
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


ORG = "http://www.w3.org/ns/org#"
TIME = "http://www.w3.org/2006/time#"
MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(),
    "en": "January February March April May June July August September October November December".split(),
}


def readable_date(value: str, lang: str) -> str:
    """An xsd:date, gYearMonth or gYear as a reader writes it: « 6 juillet 2017 », « mai 2014 », « 2013 »."""
    parts = value.split("-")
    if len(parts) == 1 or not all(p.isdigit() for p in parts):
        return value
    month = MONTHS[lang][int(parts[1]) - 1]
    if len(parts) == 2:
        return f"{month} {parts[0]}"
    day = int(parts[2])
    return f"{day} {month} {parts[0]}"


async def attachments(org: str, rows, lang: str) -> str:  # noqa: ANN001
    """The organisation's attachments over time (org:Membership with an org:memberDuring interval), one row per
    document that states them: a box per parent in the order of the intervals (time:intervalMeets draws an arrow:
    one attachment followed the other), the date an interval contains under its box."""
    found = await rows(f"""PREFIX org: <{ORG}> PREFIX time: <{TIME}> PREFIX teh: <{TEH}>
        PREFIX oa: <http://www.w3.org/ns/oa#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?m ?parent ?label ?interval ?next ?date ?doc ?docLabel {{
          ?m a org:Membership ; org:member <{org}> ; org:organization ?parent ; teh:passage/oa:hasSource ?doc .
          FILTER EXISTS {{ ?m org:role ?role FILTER(STRENDS(STR(?role), "/attachment")) }}
          OPTIONAL {{ ?parent skos:prefLabel ?l1 FILTER(lang(?l1) = "{lang}") }}
          OPTIONAL {{ ?parent skos:prefLabel ?l2 FILTER(lang(?l2) = "fr") }} BIND(COALESCE(?l1, ?l2) AS ?label)
          OPTIONAL {{ ?doc <http://purl.org/dc/terms/title> ?d1 FILTER(lang(?d1) = "{lang}") }}
          OPTIONAL {{ ?doc <http://purl.org/dc/terms/title> ?d2 FILTER(lang(?d2) = "fr") }}
          BIND(COALESCE(?d1, ?d2) AS ?docLabel)
          OPTIONAL {{ ?m org:memberDuring ?interval
            OPTIONAL {{ ?interval time:intervalMeets ?next }}
            OPTIONAL {{ ?interval time:inside/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear) ?date }} }} }}""")
    if not found:
        return ""
    parent: dict[str, str] = {}
    label: dict[str, str] = {}
    date: dict[str, str] = {}
    follows: dict[str, str] = {}
    interval_of: dict[str, str] = {}
    by_doc: dict[str, set[str]] = {}
    doc_label: dict[str, str] = {}
    for r in found:
        m = r["m"].value
        parent[m] = r["parent"].value
        label.setdefault(m, r["label"].value if "label" in r else r["parent"].value.rsplit("/", 1)[-1])
        if "interval" in r:
            interval_of[r["interval"].value] = m
        if "next" in r:
            follows[m] = r["next"].value
        if "date" in r:
            date[m] = r["date"].value
        by_doc.setdefault(r["doc"].value, set()).add(m)
        doc_label.setdefault(r["doc"].value, r["docLabel"].value if "docLabel" in r else r["doc"].value)
    successor = {m: interval_of[i] for m, i in follows.items() if i in interval_of}
    position: dict[str, int] = {}
    for start in set(successor) - set(successor.values()):
        step = 0
        node: str | None = start
        while node is not None and node not in position:
            position[node], step, node = step, step + 1, successor.get(node)
    box_w, box_h, gap, row_h = 190, 44, 34, 96
    rows_svg, width = [], 0
    for y_index, doc in enumerate(sorted(by_doc, key=lambda d: -len(by_doc[d]))):
        # the order of the intervals; a dated attachment outside any sequence first, undated ones last
        members = sorted(
            by_doc[doc], key=lambda m: (position.get(m, -1 if m in date else 99), date.get(m, ""), label[m])
        )
        y = 22 + y_index * row_h
        heading = html.escape(doc_label[doc])
        rows_svg.append(f'<text x="0" y="{y - 8}" font-size="12" font-weight="600">{heading}</text>')
        for i, m in enumerate(members):
            x = i * (box_w + gap)
            lines = _wrap(label[m], 32)
            shifts = ("0.35em",) if len(lines) == 1 else ("-0.25em", "1.2em")
            text = "".join(
                f'<tspan x="{x + box_w / 2:.0f}" dy="{dy}">{html.escape(line)}</tspan>'
                for dy, line in zip(shifts, lines, strict=True)
            )
            link = "/" + parent[m][len(BASE) :] if parent[m].startswith(BASE) else parent[m]
            rows_svg.append(
                f'<a href="{html.escape(link)}" class="attachment"><title>{html.escape(label[m])}</title>'
                f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="4" fill="#eef3f9" stroke="#3b6ea5"/>'
                f'<text x="{x + box_w / 2:.0f}" y="{y + box_h / 2:.0f}" font-size="11" text-anchor="middle" '
                f'fill="#123">{text}</text></a>'
            )
            if m in date:
                rows_svg.append(
                    f'<text x="{x + box_w / 2:.0f}" y="{y + box_h + 14}" font-size="11" text-anchor="middle" '
                    f'class="attachment-date">{html.escape(readable_date(date[m], lang))}</text>'
                )
            if i + 1 < len(members) and successor.get(m) == members[i + 1]:
                rows_svg.append(
                    f'<line class="follows" x1="{x + box_w + 3}" y1="{y + box_h / 2}" x2="{x + box_w + gap - 5}" '
                    f'y2="{y + box_h / 2}" stroke="#5b6472" stroke-width="2" marker-end="url(#arrow)"/>'
                )
        width = max(width, len(members) * (box_w + gap))
    height = 22 + len(by_doc) * row_h
    title = {
        "fr": "Rattachements successifs (selon les documents, dans l'ordre où ils les donnent)",
        "en": "Successive attachments (as the documents state them, in their order)",
    }[lang]
    arrow = (
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" '
        'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#5b6472"/></marker></defs>'
    )
    return (
        f'<figure class="attachments"><figcaption>{html.escape(title)}</figcaption>'
        f'<svg role="img" aria-label="{html.escape(title)}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}">{arrow}{"".join(rows_svg)}</svg></figure>'
    )
