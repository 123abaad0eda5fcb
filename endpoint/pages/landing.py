"""The front page (what the dataset holds, by class) and the competency questions it and the query editor offer
as examples."""

import functools
from dataclasses import dataclass

from tehkg.endpoint.pages.common import Named
from tehkg.endpoint.pages.editor import example_body
from tehkg.endpoint.pages.i18n import LANGS
from tehkg.endpoint.pages.reader import Reader
from tehkg.endpoint.pages.terms import short
from tehkg.resources import queries_dir
from tehkg.vocab import DATASET_IRI, ELI, ORG, TEH, VOID

COUNTED = (TEH, ORG, ELI.removesuffix("ontology#"))  # the classes the front page counts: the dataset's own


@dataclass(frozen=True)
class Example:
    """A competency question: the query as a reader sees it, and its title by language."""

    body: str
    titles: dict[str, str]


@functools.cache
def example_queries() -> list[Example]:
    """The competency questions (package resource tehkg.queries), titled by their ``# fr:`` and ``# en:`` lines."""
    out = []
    for path in sorted(queries_dir().glob("*.rq")):
        text = path.read_text()
        head = dict(
            (key.strip(), value.strip())
            for key, value in (
                line[1:].split(":", 1) for line in text.splitlines() if line.startswith("#") and ":" in line
            )
        )
        out.append(Example(example_body(text), {lang: head.get(lang, path.stem) for lang in LANGS}))
    return out


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
