"""The source document page's lead: what the document states, by kind (assessments, recommendations, figures,
legal texts…), each statement linked, with the graph that holds its facts."""

import html
from collections import defaultdict
from collections.abc import Awaitable, Callable

from tehkg.vocab import BASE, GRAPH_BASE, TEH

Rows = Callable[[str], Awaitable[list[dict]]]
Labels = Callable[[Rows, set[str], str], Awaitable[dict[str, str]]]
OA = "http://www.w3.org/ns/oa#"
WORDS = {
    "fr": {"heading": "Ce que dit ce document", "graph": "Les graphes nommés qui en tiennent les faits"},
    "en": {"heading": "What this document states", "graph": "The named graphs that hold its facts"},
}
e = html.escape


def _href(iri: str, lang: str) -> str:
    return ("/" + iri[len(BASE) :] if iri.startswith(BASE) else iri) + f"?lang={lang}"


async def statements_section(doc: str, rows: Rows, labels: Labels, lang: str) -> str:
    """The things whose passages quote ``doc``, grouped by class (largest group first, each folded)."""
    found = await rows(f"""PREFIX teh: <{TEH}> PREFIX oa: <{OA}>
        SELECT DISTINCT ?s ?type {{ ?s teh:passage/oa:hasSource <{doc}> ; a ?type }}""")
    graphs = await rows(f"""SELECT ?g {{ ?g <http://www.w3.org/ns/prov#wasDerivedFrom> <{doc}>
        FILTER(STRSTARTS(STR(?g), "{GRAPH_BASE}")) }}""")
    if not found:
        return ""
    by_type: dict[str, list[str]] = defaultdict(list)
    for r in found:
        by_type[r["type"].value].append(r["s"].value)
    names = await labels(rows, set(by_type) | {r[k].value for r in found + graphs for k in ("s", "g") if k in r}, lang)
    w = WORDS[lang]
    out = [f"<section class='doc-statements'><h2>{w['heading']}</h2>"]
    for kind in sorted(by_type, key=lambda k: (-len(by_type[k]), names.get(k, k))):
        items = sorted(by_type[kind], key=lambda s: names.get(s, s))
        links = "".join(f'<li><a href="{e(_href(s, lang))}">{e(names.get(s, s))}</a></li>' for s in items)
        out.append(
            f"<details><summary>{e(names.get(kind, kind).capitalize())} ({len(items)})</summary><ul>{links}</ul>"
            "</details>"
        )
    graph_links = "".join(
        f'<li><a href="{e(_href(r["g"].value, lang))}">{e(names.get(r["g"].value, r["g"].value))}</a></li>'
        for r in sorted(graphs, key=lambda r: r["g"].value)
    )
    out.append(f"<h3>{w['graph']}</h3><ul class='graphs'>{graph_links}</ul>" if graphs else "")
    out.append("</section>")
    return "".join(out)
