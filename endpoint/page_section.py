"""Plans and their sections (priority, axis, action): the breadcrumb up to the plan, « Axe 1 — title » as the
heading, the legal texts the section cites with its source, then everything below it in printed order, each
measure with the organisations that pilot it (or, in the 2014-2016 plan, implement it)."""

import html
from collections import defaultdict

from tehkg.endpoint.charts import page_link
from tehkg.endpoint.page_parts import (
    Labels,
    Rows,
    crumbs,
    documents,
    in_lang,
    legal_section,
    passages,
    source,
    trail,
    upper_first,
)
from tehkg.vocab import SKOS, TEH

WORDS = {
    "fr": {"structure": "Structure", "colon": " : "},
    "en": {"structure": "Structure", "colon": ": "},
}
CARRIERS = (TEH + "pilot", TEH + "implementer")  # who carries a measure, as the tree names them
e = html.escape


async def section_page(iri: str, rows: Rows, labels: Labels, lang: str) -> str:
    """The head of a section's page: breadcrumb, number and title, cited legal texts, source."""
    values = await rows(f"""PREFIX teh: <{TEH}> SELECT ?type ?n ?title ?text {{ <{iri}> a ?type
        FILTER(STRSTARTS(STR(?type), "{TEH}")) OPTIONAL {{ <{iri}> <{SKOS}notation> ?n }}
        OPTIONAL {{ <{iri}> <{SKOS}prefLabel> ?title }} OPTIONAL {{ <{iri}> teh:refersTo ?text }} }}""")
    above = await crumbs(iri, rows)
    quoted = await passages(rows, {iri})
    cited = {r["text"].value for r in values if "text" in r}
    kind = values[0]["type"].value if values else ""
    names = await labels(
        rows, {kind} | cited | documents(quoted) | {r[k].value for r in above for k in ("up", "type")}, lang
    )
    notation = next((r["n"].value for r in values if "n" in r), "")
    title = in_lang([r["title"] for r in values if "title" in r], lang) or ""
    head = [
        trail(above, names, lang),
        f'<h1 class="section-title"><span class="number">{e(upper_first(names.get(kind, "")))} {e(notation)}</span>'
        f" — {e(title)}</h1>",
        source(quoted.get(iri, []), names, lang),
    ]
    head.append(legal_section(cited, names, lang))
    return "\n".join(head)


async def tree(iri: str, rows: Rows, labels: Labels, lang: str) -> str:
    """The sections and measures below a plan or section, in printed order, each measure with who carries it."""
    found = await rows(f"""PREFIX teh: <{TEH}> SELECT ?child ?parent ?n ?type {{ ?child teh:isComponentOf+ <{iri}> ;
          teh:isComponentOf ?parent ; <{SKOS}notation> ?n ; a ?type FILTER(STRSTARTS(STR(?type), "{TEH}")) }}""")
    carried = await rows(f"""PREFIX teh: <{TEH}> SELECT ?m ?role ?who {{ ?m teh:isComponentOf+ <{iri}> ; ?role ?who
        VALUES ?role {{ {" ".join(f"<{c}>" for c in CARRIERS)} }} }}""")
    children: dict[str, list[dict]] = defaultdict(list)
    for r in found:
        children[r["parent"].value].append(r)
    carriers: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in carried:
        carriers[r["m"].value][r["role"].value].append(r["who"].value)
    named = {r[k].value for r in found for k in ("child", "type")} | {
        r[k].value for r in carried for k in ("role", "who")
    }
    names = await labels(rows, named, lang)

    def named_link(node: str, text: str) -> str:
        target = page_link(node)
        return (
            f'<a href="{e(target)}{"?lang=en" if lang == "en" else ""}">{text}</a>'
            if target
            else f"<span>{text}</span>"
        )

    def who(measure: str) -> str:
        lines = []
        for role in CARRIERS:
            orgs = sorted(carriers[measure].get(role, []), key=lambda o: (names[o] if o in names else o).lower())
            if orgs:
                listed = ", ".join(named_link(o, e(names.get(o, o))) for o in orgs)
                lines.append(
                    f'<span class="carrier">{e(upper_first(names.get(role, "")))}{WORDS[lang]["colon"]}{listed}</span>'
                )
        return "".join(lines)

    def branch(node: str) -> str:
        items = sorted(children.get(node, []), key=lambda r: int(r["n"].value) if r["n"].value.isdigit() else 0)
        if not items:
            return ""
        html_items = []
        for r in items:
            child = r["child"].value
            kind = upper_first(names.get(r["type"].value, r["type"].value.rsplit("#", 1)[-1]))
            label = names.get(child, "")
            number = named_link(child, f"{e(kind)} {e(r['n'].value)}")
            html_items.append(f"<li>{number} {e(label)}{who(child)}{branch(child)}</li>")
        return "<ul>" + "".join(html_items) + "</ul>"

    below = branch(iri)
    return f"<h2>{WORDS[lang]['structure']}</h2><div class='tree'>{below}</div>" if below else ""
