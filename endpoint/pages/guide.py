"""The guide (``/guide``): ten SPARQL examples of the examples graph, in the order of their ``schema:position`` in
the guide list, each with what it shows and its query as the editor opens it."""

from dataclasses import dataclass

from tehkg.endpoint.context import Rows
from tehkg.endpoint.pages.editor import example_body
from tehkg.endpoint.pages.examples import guide


@dataclass(frozen=True)
class Step:
    """One question of the guide, in the page's language."""

    position: int
    question: str
    explanation: str
    body: str  # the query as the editor shows it (the PREFIX lines it declares left out)


async def gather(rows: Rows, lang: str) -> list[Step]:
    """The guide's steps, in order."""
    return [
        Step(step.position, step.example.questions[lang], step.explanation, example_body(step.example.query))
        for step in await guide(rows, lang)
    ]
