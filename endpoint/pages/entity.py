"""The page of an IRI: what the store says of it (properties, each value with the graph stating it; incoming
links; where it is quoted), under a head and sections chosen by its class (PAGE_CLASSES, the one dispatch)."""

import re
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pyoxigraph as ox

from tehkg.endpoint.pages import document, legal, measure, organisation, person, section, statement, statistics
from tehkg.endpoint.pages.common import Named, Source, sources
from tehkg.endpoint.pages.reader import Reader
from tehkg.endpoint.pages.terms import short
from tehkg.endpoint.pages.text import clip
from tehkg.vocab import FOAF, ORG, QB, RDF, SKOS, TEH


@dataclass(frozen=True)
class PageClass:
    """A class with a page of its own: its template, the gathering of what that template adds, and whether it has a
    head of its own (replacing the bare title, showing its statements' sources: no separate provenance list)."""

    template: str
    gather: Callable[[Reader, str], Awaitable[object]]
    head: bool


async def _nothing(reader: Reader, iri: str) -> None:
    return None


GENERIC = PageClass("entity.html", _nothing, head=False)
# The first class of an IRI found here chooses its page; the order settles an IRI of several of them.
PAGE_CLASSES: list[tuple[tuple[str, ...], PageClass]] = [
    ((TEH + "Measure",), PageClass("measure.html", measure.gather, head=True)),
    ((QB + "DataSet",), PageClass("statistics.html", statistics.gather, head=True)),
    (legal.KINDS, PageClass("legal.html", legal.gather, head=True)),
    (statement.KINDS, PageClass("statement.html", statement.gather, head=True)),
    (section.SECTION_KINDS, PageClass("section.html", section.gather_section, head=True)),
    ((TEH + "ActionPlan",), PageClass("section.html", section.gather_plan, head=False)),
    ((TEH + "SourceDocument",), PageClass("document.html", document.gather, head=False)),
    ((ORG + "Organization",), PageClass("organisation.html", organisation.gather, head=False)),
    ((FOAF + "Person",), PageClass("person.html", person.gather, head=True)),
]


def page_class(types: set[str]) -> PageClass:
    """The page of an IRI of these classes."""
    return next((page for kinds, page in PAGE_CLASSES if types & set(kinds)), GENERIC)


@dataclass(frozen=True)
class Value:
    """An object of the property table, or a label: an IRI by its name (linked by the link rule), a literal with
    its language, or a blank node."""

    text: str
    iri: str = ""
    title: str = ""
    lang: str = ""
    blank: bool = False


@dataclass(frozen=True)
class Stated:
    value: Value
    graph: Named  # the graph stating it, its name cut short (in full as the title)


@dataclass(frozen=True)
class Entity:
    iri: str
    title: str
    types: list[Value]
    other_labels: list[Value]  # the labels in the other language, on a page without a head of its own
    provenance: list[Source]  # where it is quoted, on a page without a head of its own
    properties: list[tuple[Value, list[Stated]]]
    incoming: list[tuple[Value, list[Value]]]


async def gather(reader: Reader, iri: str, found: list[dict], incoming: list[dict]) -> tuple[PageClass, Entity]:
    """The page class of ``iri`` and its generic part, from its triples (``found``: ?p ?o ?g) and the triples
    pointing to it (``incoming``: ?s ?p ?g)."""
    terms = [r[k] for r in found for k in ("p", "g", "o")] + [r[k] for r in incoming for k in ("s", "p")]
    names = await reader.labels({iri} | {t.value for t in terms if isinstance(t, ox.NamedNode)})

    def value(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> Value:
        if isinstance(term, ox.NamedNode):
            return Value(names.get(term.value) or short(term.value), term.value, term.value)
        if isinstance(term, ox.BlankNode):
            return Value("", blank=True)
        return Value(term.value, lang=term.language or "")

    types = [r["o"] for r in found if r["p"].value == RDF + "type"]
    kind = page_class({t.value for t in types})
    by_prop: dict[str, list[dict]] = defaultdict(list)
    for r in found:
        if r["p"].value != RDF + "type":
            by_prop[r["p"].value].append(r)
    properties = []
    for prop in sorted(by_prop, key=lambda p: names.get(p, short(p))):
        said = [r["o"] for r in by_prop[prop]]
        in_page_lang = any(isinstance(o, ox.Literal) and o.language == reader.lang for o in said)
        stated = []
        for r in by_prop[prop]:
            o = r["o"]
            if in_page_lang and isinstance(o, ox.Literal) and o.language and o.language != reader.lang:
                continue
            graph = names.get(r["g"].value, short(r["g"].value))
            stated.append(Stated(value(o), Named(r["g"].value, clip(graph, 32), graph)))
        properties.append((value(ox.NamedNode(prop)), stated))
    grouped: dict[str, set[str]] = defaultdict(set)
    for r in incoming:
        if isinstance(r["s"], ox.NamedNode):
            grouped[r["p"].value].add(r["s"].value)
    links = [
        (
            value(ox.NamedNode(p)),
            [value(ox.NamedNode(s)) for s in sorted(grouped[p], key=lambda s: _natural(names.get(s) or s))],
        )
        for p in sorted(grouped)
    ]
    other_labels = [
        value(r["o"])
        for r in found
        if r["p"].value == SKOS + "prefLabel" and isinstance(r["o"], ox.Literal) and r["o"].language != reader.lang
    ]
    page = Entity(
        iri=iri,
        title=names.get(iri, short(iri)),
        types=list({names.get(t.value, t.value): value(t) for t in reversed(types)}.values()),
        other_labels=[] if kind.head else other_labels,
        provenance=[] if kind.head else (await sources(reader, {iri})).get(iri, []),
        properties=properties,
        incoming=links,
    )
    return kind, page


def _natural(text: str) -> list:
    """A sort key putting « Mesure 2 » before « Mesure 10 »."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", text)]
