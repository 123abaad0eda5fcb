"""Pieces the purpose-built pages share: links that keep the page's language, printed text as paragraphs, the
sections of the plan above a node, and each statement's source document by title with its place and quote."""

import html
from collections import defaultdict
from collections.abc import Awaitable, Callable

import pyoxigraph as ox

from tehkg.endpoint.charts import page_link
from tehkg.vocab import BASE, SKOS, TEH

Rows = Callable[[str], Awaitable[list[dict]]]
Labels = Callable[[Rows, set[str], str], Awaitable[dict[str, str]]]
OA = "http://www.w3.org/ns/oa#"
ELI = "http://data.europa.eu/eli/ontology#"
QUOTE = {"fr": "passage cité", "en": "quoted passage"}
LEGAL = {"fr": "Textes juridiques cités", "en": "Legal texts cited"}
e = html.escape


def href(iri: str, lang: str) -> str:
    """The page of ``iri`` in ``lang``: its local path for the dataset's IRIs, the IRI itself otherwise."""
    path = "/" + iri[len(BASE) :] if iri.startswith(BASE) else iri
    return f"{path}?lang={lang}" if iri.startswith(BASE) else path


def link(iri: str, names: dict[str, str], lang: str, text: str | None = None) -> str:
    """``iri`` linked by its name (or ``text``); other schemes than http(s) stay text."""
    shown = e(text if text is not None else names.get(iri, iri.rsplit("/", 1)[-1]))
    return f'<a href="{e(href(iri, lang))}">{shown}</a>' if page_link(iri) else f"<span>{shown}</span>"


def paragraphs(value: str) -> str:
    """Printed text as paragraphs."""
    return "".join(f"<p>{e(p)}</p>" for p in value.split("\n") if p.strip())


def in_lang(values: list[ox.Literal], lang: str) -> str | None:
    """The value in ``lang``, else the French one, else any."""
    ranked = sorted(values, key=lambda v: (v.language != lang, v.language != "fr"))
    return ranked[0].value if ranked else None


def number(notation: ox.Literal | None) -> tuple[int, str]:
    """A sort key putting printed numbers in numeric order, other notations after them."""
    text = notation.value if notation is not None else ""
    return (int(text), "") if text.isdigit() else (10**6, text)


def upper_first(text: str) -> str:
    """``text`` with a capital first letter, the rest as written (« actions de l'État » → « Actions de l'État »)."""
    return text[:1].upper() + text[1:]


def numbered(kind: str, n: str, title: str) -> str:
    """A node by its kind, number and title: « Mesure 3 — Soutenir des campagnes… »."""
    return " — ".join(part for part in (f"{upper_first(kind)} {n}".strip(), title) if part)


def statement_name(kind: str, n: str, target_kind: str, target_n: str) -> str:
    """A recommendation, finding or proposal by kind, number and what it is about: « Proposition 3 (mesure 12) »."""
    about = f" ({target_kind} {target_n})" if target_n else ""
    return f"{upper_first(kind)} {n}".strip() + about


async def values_of(iri: str, rows: Rows) -> dict[str, list]:
    """The objects of ``iri`` by property."""
    values: dict[str, list] = defaultdict(list)
    for r in await rows(f"SELECT ?p ?o {{ <{iri}> ?p ?o }}"):
        values[r["p"].value].append(r["o"])
    return values


async def crumbs(iri: str, rows: Rows) -> list[dict]:
    """The plan and sections above ``iri``, the plan first."""
    return await rows(f"""PREFIX teh: <{TEH}> SELECT ?up ?type ?n (COUNT(?mid) AS ?depth) {{
        <{iri}> teh:isComponentOf+ ?up . ?up teh:isComponentOf* ?mid ; a ?type FILTER(STRSTARTS(STR(?type), "{TEH}"))
        OPTIONAL {{ ?up <{SKOS}notation> ?n }} }} GROUP BY ?up ?type ?n ORDER BY ?depth""")


def trail(found: list[dict], names: dict[str, str], lang: str) -> str:
    """The breadcrumb of ``crumbs``: each section as « Axe 1 », titled by its name."""
    out = []
    for r in found:
        up = r["up"].value
        text = f"{upper_first(names.get(r['type'].value, ''))} {r['n'].value}" if "n" in r else names.get(up, "")
        title = f' title="{e(names.get(up, ""))}"'
        out.append(
            f'<a href="{e(href(up, lang))}"{title}>{e(text)}</a>' if page_link(up) else f"<span{title}>{e(text)}</span>"
        )
    return f'<nav class="crumbs" aria-label="plan">{" › ".join(out)}</nav>'


async def passages(rows: Rows, subjects: set[str]) -> dict[str, list[dict]]:
    """The passages quoting each subject: document, locator and exact quote (where given)."""
    if not subjects:
        return {}
    found = await rows(f"""PREFIX teh: <{TEH}> PREFIX oa: <{OA}> SELECT ?s ?doc ?loc ?exact {{
        VALUES ?s {{ {" ".join(f"<{s}>" for s in subjects)} }} ?s teh:passage ?p . ?p oa:hasSource ?doc .
        OPTIONAL {{ ?p teh:locator ?loc }} OPTIONAL {{ ?p oa:hasSelector/oa:exact ?exact }} }}""")
    out: dict[str, list[dict]] = defaultdict(list)
    for r in found:
        out[r["s"].value].append(r)
    return out


def documents(found: dict[str, list[dict]]) -> set[str]:
    """The documents ``passages`` come from (to be named)."""
    return {r["doc"].value for group in found.values() for r in group}


def source(found: list[dict], names: dict[str, str], lang: str) -> str:
    """The document (by title) and place each passage comes from, its quote folded."""
    out = []
    for r in found:
        where = f" — {e(r['loc'].value)}" if "loc" in r else ""
        quote = (
            f"<details><summary>{QUOTE[lang]}</summary><blockquote>{e(r['exact'].value)}</blockquote></details>"
            if "exact" in r
            else ""
        )
        out.append(f'<p class="source">{link(r["doc"].value, names, lang)}{where}{quote}</p>')
    return "".join(out)


def legal_section(texts: set[str], names: dict[str, str], lang: str) -> str:
    """The legal texts cited, by title, under their heading; empty when none is."""
    if not texts:
        return ""
    cited = sorted(texts, key=lambda t: names.get(t, t))
    items = "".join(f"<li>{link(t, names, lang)}</li>" for t in cited)
    return f"<h2>{LEGAL[lang]}</h2><ul class='legal'>{items}</ul>"
