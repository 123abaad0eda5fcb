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


@dataclass(frozen=True)
class ExampleGroup:
    """A theme of the query editor's list: its label by language and its examples, each with its place in the
    editor's list of queries."""

    labels: dict[str, str]
    examples: list[tuple[int, Example]]


@functools.cache
def example_groups() -> list[ExampleGroup]:
    """The examples of the shipped examples file grouped by theme (themes in the order of their first example), for
    the query editor's list; each example numbered by its place in that list."""
    by_lang = {lang: shipped_examples(lang) for lang in LANGS}
    groups, place = [], 0
    for index, theme in enumerate(by_lang[LANGS[0]]):
        numbered = []
        for e in theme.examples:
            numbered.append((place, Example(example_body(e.query), {lang: e.questions[lang] for lang in LANGS})))
            place += 1
        groups.append(ExampleGroup({lang: by_lang[lang][index].label for lang in LANGS}, numbered))
    return groups


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
