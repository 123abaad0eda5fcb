"""The SPARQL examples, read from their graph (``/.well-known/sparql-examples``, ``data/ttl/sparql-examples.trig``).

Every competency question is published there as an ``sh:SPARQLExecutable`` (and ``sh:SPARQLSelectExecutable``):
its query (``sh:select``, with its PREFIX lines), its question in French and English (``rdfs:comment``), the
endpoint (``schema:target``), keywords (``schema:keywords``), a theme (``dcterms:subject``, a ``skos:Concept``
labelled in both languages), where its answer was checked (``dcterms:bibliographicCitation``) and its exact
expected answer (``mf:result``: one row per line, values separated by `` | ``; IRIs under the dataset's ``id/``
base written ``id:…``, other IRIs in full, literals by their lexical form, an unbound value empty; the rows compare
in order when the query has ORDER BY). The guide (``ex:guide``, a ``schema:ItemList``) orders ten of them
(``schema:position``), each with a sentence or two saying what it shows (``schema:description``).

API, for pages and tests alike:

- ``await examples(rows, lang)`` → ``list[Theme]``: the themes in the order of their first example, each with its
  ``label`` in ``lang`` and its ``examples`` (:class:`Example`, by name: ``01-measures-per-plan``…), read from the
  served graph (``rows`` is ``Context.rows``);
- ``await guide(rows, lang)`` → ``list[GuideStep]``: the guide's steps by position, each with its example and its
  explanation in ``lang``;
- ``shipped_examples(lang)``: the same themes read from the package's own file, without a built store (the query
  editor's list, and the competency tests, which collect the questions before any store exists).
"""

import functools
import re
from dataclasses import dataclass

import pyoxigraph as ox

from tehkg.endpoint.context import Row, Rows
from tehkg.resources import data_dir
from tehkg.vocab import (
    DCTERMS,
    RDFS,
    SCHEMA,
    SH,
    SKOS,
    SPARQL_EXAMPLES,
    SPARQL_EXAMPLES_GRAPH,
    TEST_MANIFEST,
)

EXAMPLES_FILE = "sparql-examples.trig"  # in the package's data (data/ttl/ of a checkout)
ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)
KEYWORD_SEPARATOR = "\x1f"  # joins the keywords of one example in one solution; no keyword holds it

EXAMPLES_QUERY = f"""
SELECT ?example ?query ?fr ?en ?theme ?theme_fr ?theme_en ?expected
       (GROUP_CONCAT(DISTINCT ?keyword; separator="{KEYWORD_SEPARATOR}") AS ?keywords)
WHERE {{ GRAPH <{SPARQL_EXAMPLES_GRAPH}> {{
  ?example a <{SH}SPARQLExecutable> ; <{SH}select> ?query ; <{TEST_MANIFEST}result> ?expected ;
    <{RDFS}comment> ?fr, ?en ; <{DCTERMS}subject> ?theme .
  FILTER(lang(?fr) = "fr" && lang(?en) = "en")
  ?theme <{SKOS}prefLabel> ?theme_fr, ?theme_en FILTER(lang(?theme_fr) = "fr" && lang(?theme_en) = "en")
  OPTIONAL {{ ?example <{SCHEMA}keywords> ?keyword }}
}} }} GROUP BY ?example ?query ?fr ?en ?theme ?theme_fr ?theme_en ?expected ORDER BY ?example
"""

GUIDE_QUERY = f"""
SELECT ?position ?example ?fr ?en WHERE {{ GRAPH <{SPARQL_EXAMPLES_GRAPH}> {{
  <{SPARQL_EXAMPLES}guide> a <{SCHEMA}ItemList> ; <{SCHEMA}itemListElement> ?item .
  ?item a <{SCHEMA}ListItem> ; <{SCHEMA}position> ?position ; <{SCHEMA}item> ?example ;
    <{SCHEMA}description> ?fr, ?en FILTER(lang(?fr) = "fr" && lang(?en) = "en")
}} }} ORDER BY ?position
"""


@dataclass(frozen=True)
class Example:
    """One SPARQL example: a competency question with its exact expected answer."""

    iri: str
    name: str  # the IRI's fragment: 05-miprof-pilots
    query: str  # as published, with its PREFIX lines: runnable by any client
    questions: dict[str, str]  # the question by language (fr, en)
    theme: str  # the theme's IRI
    keywords: tuple[str, ...]
    expected: tuple[str, ...]  # the expected rows, written as the module says

    @property
    def ordered(self) -> bool:
        """Whether the expected rows compare in order (the query sorts them)."""
        return bool(ORDER_BY.search(self.query))


@dataclass(frozen=True)
class Theme:
    """A theme of the examples, with its label in one language and its examples."""

    iri: str
    label: str
    examples: tuple[Example, ...]


@dataclass(frozen=True)
class GuideStep:
    """One step of the guide: its position (1…), its example and what it shows, in one language."""

    position: int
    example: Example
    explanation: str


def _example(row: Row) -> Example:
    iri = row["example"].value
    keywords = row["keywords"].value.split(KEYWORD_SEPARATOR) if "keywords" in row and row["keywords"].value else []
    expected = row["expected"].value
    return Example(
        iri=iri,
        name=iri.removeprefix(SPARQL_EXAMPLES),
        query=row["query"].value,
        questions={"fr": row["fr"].value, "en": row["en"].value},
        theme=row["theme"].value,
        keywords=tuple(sorted(keywords)),
        expected=tuple(expected.split("\n")) if expected else (),
    )


def _read_examples(solutions: list[Row], lang: str) -> list[Theme]:
    """The solutions of EXAMPLES_QUERY as themes (in the order of their first example) holding their examples."""
    grouped: dict[str, list[Example]] = {}
    labels: dict[str, str] = {}
    for row in solutions:
        example = _example(row)
        grouped.setdefault(example.theme, []).append(example)
        labels[example.theme] = row["theme_en" if lang == "en" else "theme_fr"].value
    return [Theme(iri, labels[iri], tuple(found)) for iri, found in grouped.items()]


def _read_guide(solutions: list[Row], themes: list[Theme], lang: str) -> list[GuideStep]:
    """The solutions of GUIDE_QUERY as the guide's steps, their examples taken from ``themes``."""
    by_iri = {e.iri: e for theme in themes for e in theme.examples}
    return [
        GuideStep(int(row["position"].value), by_iri[row["example"].value], row["en" if lang == "en" else "fr"].value)
        for row in solutions
    ]


async def examples(rows: Rows, lang: str) -> list[Theme]:
    """Every example of the graph, grouped by theme, the themes labelled in ``lang`` (fr or en)."""
    return _read_examples(await rows(EXAMPLES_QUERY), lang)


async def guide(rows: Rows, lang: str) -> list[GuideStep]:
    """The guide's ten steps, in order, explained in ``lang`` (fr or en)."""
    return _read_guide(await rows(GUIDE_QUERY), await examples(rows, lang), lang)


@functools.cache
def shipped_examples(lang: str) -> list[Theme]:
    """Every example of the package's examples file, grouped by theme, the themes labelled in ``lang``."""
    store = ox.Store()
    store.load(path=str(data_dir() / EXAMPLES_FILE), format=ox.RdfFormat.TRIG)
    result = store.query(EXAMPLES_QUERY)
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError("the examples query is a SELECT")
    return _read_examples([{v.value: s[v] for v in result.variables if s[v] is not None} for s in result], lang)
