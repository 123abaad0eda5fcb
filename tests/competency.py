"""Competency questions: the SPARQL examples of ``data/ttl/sparql-examples.trig`` (the graph served at
``/.well-known/sparql-examples``), each with its exact expected answer.

Each expected line (``mf:result``, one per line) is one result row, its values separated by `` | ``; IRIs under
``https://w3id.org/tehkg/id/`` are written ``id:…``, other IRIs in full, literals by their lexical form; an unbound
value is empty. A query with ORDER BY compares in order. The examples are read by the endpoint's own reader
(``tehkg.endpoint.pages.examples``), from the file itself, so that a question is collected without a store.
"""

from dataclasses import dataclass

import pyoxigraph as ox

from tehkg.endpoint.pages.examples import EXAMPLES_FILE as EXAMPLES_NAME
from tehkg.endpoint.pages.examples import shipped_examples
from tehkg.resources import data_dir
from tehkg.vocab import ID_BASE

EXAMPLES_FILE = data_dir() / EXAMPLES_NAME


@dataclass(frozen=True)
class Question:
    """One competency question and what it must answer."""

    name: str
    fr: str
    en: str
    ordered: bool
    expected: list[str]
    query: str


def render(term: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return "id:" + term.value[len(ID_BASE) :] if term.value.startswith(ID_BASE) else term.value
    return term.value


def answer(store: ox.Store, question: Question) -> list[str]:
    """The rows the store gives, rendered like the expected lines."""
    result = store.query(question.query)  # the default graph is the merge of the named graphs
    if isinstance(result, ox.QueryBoolean):
        return [str(bool(result)).lower()]
    variables = result.variables
    return [" | ".join(render(row[v]) for v in variables) for row in result]


def all_questions() -> list[Question]:
    """Every example of the file, by theme."""
    return [
        Question(e.name, e.questions["fr"], e.questions["en"], e.ordered, list(e.expected), e.query)
        for theme in shipped_examples("en")
        for e in theme.examples
    ]
