"""Plans and their sections (priority, axis, action). A section's head: the breadcrumb up to the plan, « Axe 1 —
title », its introduction, its source and the legal texts it cites. A plan's page opens with its own texts (its
foreword, its introduction, a document's presentation of it), each with its passage. Below a plan or section:
everything under it in printed order, each measure with the organisations that pilot it (or, in the 2014-2016 plan,
implement it); on a plan's page, the CNCDH's statuses of its measures and who carries how many, as bar charts."""

from collections import defaultdict
from dataclasses import dataclass

from tehkg.endpoint.pages import charts
from tehkg.endpoint.pages.common import (
    Named,
    Source,
    Text,
    crumbs,
    in_lang,
    legal_texts,
    named,
    sources,
    texts,
    upper_first,
)
from tehkg.endpoint.pages.reader import Reader
from tehkg.vocab import DCTERMS, OA, SKOS, TEH

SECTION_KINDS = tuple(TEH + k for k in ("Priority", "Axis", "Action"))
# A plan's own texts, in reading order; a section's introduction is its dcterms:description (data/README.md).
PLAN_TEXTS = (TEH + "foreword", TEH + "introduction", DCTERMS + "description")
CARRIERS = (TEH + "pilot", TEH + "implementer")  # who carries a measure, as the tree names them


@dataclass(frozen=True)
class Node:
    """A section or measure below the page's node: « Mesure 3 » linked, its title, who carries it, what is below."""

    link: Named
    title: str
    carriers: list[tuple[str, list[Named]]]  # (the role's name, organisations)
    children: list["Node"]


@dataclass(frozen=True)
class Head:
    trail: list[Named]
    kind: str
    notation: str
    title: str
    text: str  # its introduction
    text_lang: str
    sources: list[Source]
    legal: list[Named]


@dataclass(frozen=True)
class Section:
    """A plan's or section's page: its head (a plan has none: its title is the page's), a plan's texts, the tree
    below it, and a plan's charts."""

    head: Head | None
    texts: list[Text]
    tree: list[Node]
    statuses: charts.BarChart | None = None
    carriers: charts.BarChart | None = None


async def gather_section(reader: Reader, iri: str) -> Section:
    """A priority's, axis's or action's page."""
    values = await reader.rows(f"""PREFIX teh: <{TEH}> SELECT ?type ?n ?title ?text ?intro {{ <{iri}> a ?type
        FILTER(STRSTARTS(STR(?type), "{TEH}")) OPTIONAL {{ <{iri}> <{SKOS}notation> ?n }}
        OPTIONAL {{ <{iri}> <{SKOS}prefLabel> ?title }} OPTIONAL {{ <{iri}> teh:refersTo ?text }}
        OPTIONAL {{ <{iri}> <{DCTERMS}description> ?intro }} }}""")
    kind = values[0]["type"].value if values else ""
    names = await reader.labels({kind})
    intros = list({r["intro"].language: r["intro"] for r in values if "intro" in r}.values())
    intro = in_lang(intros, reader.lang) or ""
    head = Head(
        trail=await crumbs(reader, iri),
        kind=upper_first(names.get(kind, "")),
        notation=next((r["n"].value for r in values if "n" in r), ""),
        title=in_lang([r["title"] for r in values if "title" in r], reader.lang) or "",
        text=intro,
        text_lang=next((v.language for v in intros if v.value == intro and v.language), reader.lang),
        sources=(await sources(reader, {iri})).get(iri, []),
        legal=await legal_texts(reader, {r["text"].value for r in values if "text" in r}),
    )
    return Section(head, [], await tree(reader, iri))


async def gather_plan(reader: Reader, iri: str) -> Section:
    """A plan's page: its own texts, the tree of its sections and measures, and its charts."""
    statuses = await reader.rows(f"""PREFIX teh: <{TEH}> PREFIX oa: <{OA}> PREFIX skos: <{SKOS}>
        SELECT ?status ?label (COUNT(DISTINCT ?m) AS ?n) {{ ?m teh:inPlan <{iri}> .
        ?a a teh:Assessment ; oa:hasTarget ?m ; teh:status ?status .
        OPTIONAL {{ ?status skos:prefLabel ?label FILTER(lang(?label) = "{reader.lang}") }} }}
        GROUP BY ?status ?label ORDER BY DESC(?n)""")
    carriers = await reader.rows(f"""PREFIX teh: <{TEH}> PREFIX skos: <{SKOS}>
        SELECT ?org (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?m) AS ?n) {{ ?m teh:inPlan <{iri}> .
        ?m teh:pilot|teh:implementer ?org .
        OPTIONAL {{ ?org skos:prefLabel ?l FILTER(lang(?l) = "{reader.lang}") }} }}
        GROUP BY ?org ORDER BY DESC(?n) LIMIT 15""")

    def bars(found: list[dict], key: str) -> charts.BarChart | None:
        return charts.bar_chart(
            [(r["label"].value if "label" in r else r[key].value, int(r["n"].value), r[key].value) for r in found]
        )

    return Section(
        None,
        await texts(reader, iri, PLAN_TEXTS),
        await tree(reader, iri),
        bars(statuses, "status"),
        bars(carriers, "org"),
    )


async def tree(reader: Reader, iri: str) -> list[Node]:
    """The sections and measures below a plan or section, in printed order, each measure with who carries it."""
    found = await reader.rows(f"""PREFIX teh: <{TEH}> SELECT ?child ?parent ?n ?type {{
        ?child teh:isComponentOf+ <{iri}> ; teh:isComponentOf ?parent ; <{SKOS}notation> ?n ; a ?type
        FILTER(STRSTARTS(STR(?type), "{TEH}")) }}""")
    carried = await reader.rows(f"""PREFIX teh: <{TEH}> SELECT ?m ?role ?who {{ ?m teh:isComponentOf+ <{iri}> ;
        ?role ?who VALUES ?role {{ {" ".join(f"<{c}>" for c in CARRIERS)} }} }}""")
    children: dict[str, list[dict]] = defaultdict(list)
    for r in found:
        children[r["parent"].value].append(r)
    carriers: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in carried:
        carriers[r["m"].value][r["role"].value].append(r["who"].value)
    names = await reader.labels(
        {r[k].value for r in found for k in ("child", "type")} | {r[k].value for r in carried for k in ("role", "who")}
    )

    def who(measure: str) -> list[tuple[str, list[Named]]]:
        out = []
        for role in CARRIERS:
            orgs = sorted(carriers[measure].get(role, []), key=lambda o: (names.get(o) or o).lower())
            if orgs:
                out.append((upper_first(names.get(role, "")), [Named(o, names.get(o, o)) for o in orgs]))
        return out

    def branch(node: str) -> list[Node]:
        items = sorted(children.get(node, []), key=lambda r: int(r["n"].value) if r["n"].value.isdigit() else 0)
        out = []
        for r in items:
            child = r["child"].value
            kind = upper_first(names.get(r["type"].value, r["type"].value.rsplit("#", 1)[-1]))
            out.append(
                Node(named(child, names, f"{kind} {r['n'].value}"), names.get(child, ""), who(child), branch(child))
            )
        return out

    return branch(iri)
