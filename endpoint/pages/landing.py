"""The front page (what the dataset holds, by class, and the SPARQL examples by theme) and the examples the query
editor offers."""

import functools
from dataclasses import dataclass

from tehkg.endpoint.context import Rows
from tehkg.endpoint.pages.common import Named
from tehkg.endpoint.pages.editor import example_body
from tehkg.endpoint.pages.examples import Theme, examples, shipped_examples
from tehkg.endpoint.pages.i18n import LANGS
from tehkg.endpoint.pages.reader import Reader
from tehkg.endpoint.pages.terms import short
from tehkg.vocab import DATASET_IRI, ELI, ORG, TEH, VOID

COUNTED = (TEH, ORG, ELI.removesuffix("ontology#"))  # the classes the front page counts: the dataset's own


@dataclass(frozen=True)
class Example:
    """A SPARQL example as the editor offers it: the query as a reader sees it, and its question by language."""

    body: str
    titles: dict[str, str]


@dataclass(frozen=True)
class ThemeLinks:
    """A theme of the front page: its label and its examples, each as (question, the query the editor opens)."""

    label: str
    examples: list[tuple[str, str]]


async def example_themes(rows: Rows, lang: str) -> list[ThemeLinks]:
    """The examples of the served examples graph, by theme, each with its question in ``lang`` and its query as
    the editor shows it."""
    themes: list[Theme] = await examples(rows, lang)
    return [
        ThemeLinks(theme.label, [(e.questions[lang], example_body(e.query)) for e in theme.examples])
        for theme in themes
    ]


@functools.cache
def example_queries() -> list[Example]:
    """The examples of the shipped examples file, in order, titled by their question, for the query editor's
    list."""
    return [
        Example(example_body(e.query), {lang: e.questions[lang] for lang in LANGS})
        for theme in shipped_examples(LANGS[0])
        for e in theme.examples
    ]


async def counts(reader: Reader) -> list[tuple[Named, str]]:
    """The dataset's classes with how many entities each has, largest first."""
    found = await reader.rows(f"""SELECT ?class ?n {{ <{DATASET_IRI}> <{VOID}classPartition> ?p .
        ?p <{VOID}class> ?class ; <{VOID}entities> ?n }} ORDER BY DESC(?n)""")
    names = await reader.labels({r["class"].value for r in found})
    return [
        (
            Named(r["class"].value, names.get(r["class"].value) or short(r["class"].value), r["class"].value),
            r["n"].value,
        )
        for r in found
        if r["class"].value.startswith(COUNTED)
    ]
