"""Competency questions: ``tests/queries/*.rq`` files with their exact expected answers.

A question file starts with comment lines::

    # fr: Quelles mesures du plan 2019-2021 la Miprof pilote-t-elle ?
    # en: Which measures of the 2019-2021 plan does the Miprof pilot?
    # source: plan 2019-2021, p. 12-30 (pilot lines)
    # expect (unordered):
    #   id:plan/2019-2021/measure/1
    #   id:plan/2019-2021/measure/16

then the query. Each expected line is one result row, its values separated by `` | ``; IRIs under
``https://w3id.org/tehkg/id/`` are written ``id:…``, other IRIs in full, literals by their lexical
form; an unbound value is empty. ``(ordered)`` compares in order. An ASK query expects ``true`` or
``false``.
"""

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

QUERIES_DIR = Path(__file__).parent / "queries"
ID = "https://w3id.org/tehkg/id/"


@dataclass
class Question:
    """One competency question and what it must answer."""

    path: Path
    fr: str
    en: str
    ordered: bool
    expected: list[str]
    query: str


def load(path: Path) -> Question:
    """Parse a question file's header."""
    meta: dict[str, str] = {}
    expected: list[str] = []
    ordered, in_expect = False, False
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        body = line[1:].strip()
        if in_expect and line.startswith("#  "):
            expected.append(body)
        elif body.startswith("expect"):
            in_expect, ordered = True, "(ordered)" in body
        elif ":" in body:
            key, value = body.split(":", 1)
            meta[key.strip()] = value.strip()
            in_expect = False
    return Question(path, meta.get("fr", ""), meta.get("en", ""), ordered, expected, path.read_text())


def render(term: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return "id:" + term.value[len(ID) :] if term.value.startswith(ID) else term.value
    return term.value


def answer(store: ox.Store, question: Question) -> list[str]:
    """The rows the store gives, rendered like the expected lines."""
    result = store.query(question.query)  # the default graph is the merge of the named graphs
    if isinstance(result, ox.QueryBoolean):
        return [str(bool(result)).lower()]
    variables = result.variables
    return [" | ".join(render(row[v]) for v in variables) for row in result]


def all_questions() -> list[Question]:
    return [load(p) for p in sorted(QUERIES_DIR.glob("*.rq"))]
