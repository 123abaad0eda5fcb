"""A query's GRAPH patterns restricted, in its own text, to the graphs a record lists.

An engine that cannot take a long list of named graphs with a query (Virtuoso 7.2 compiles at most about 2 000)
is sent the published graphs a query's ``GRAPH <iri>`` patterns name; a query with a ``GRAPH ?var`` pattern (or
one naming a graph not published) is sent the published merge as the default graph and no named graphs. Virtuoso
then lets ``GRAPH ?g`` range over every graph it holds (stages of a publish, earlier merges, its own system graphs)
and finds nothing in ``GRAPH <iri>`` (the IRI is not in the query's named graphs). :func:`restrict_graphs`
rewrites each GRAPH pattern so that it reads exactly the graphs the record lists as its parts, joined with the
record in a subquery:

- ``GRAPH ?g { P }`` becomes ``{ SELECT ?g ?v… WHERE { GRAPH ?r { <record> dcterms:hasPart ?g }
  FILTER(?r = <record>) GRAPH ?g { P } } }``;
- ``GRAPH <iri> { P }`` becomes the same over a variable ``?f`` with ``FILTER(?f = <iri>)``, ``?f`` not projected;

where ``?v…`` are the variables written in P (or, when it has none, one that nothing binds: the subquery then
yields one row per match of P, as the pattern does), ``?r`` and ``?f`` variables the query does not use. The
subquery keeps the variables of the record and of the graph out of the answer (a ``FILTER EXISTS`` would too, but
Virtuoso 7.2 drops one inside a nested subquery: measured). Nested GRAPH patterns are rewritten too. The rewrite
changes no answer but one: a ``SELECT *`` over a GRAPH pattern also lists the variables written in it that it
leaves unbound (those that only a FILTER inside it mentions, for instance), unbound in every row.
"""

import re
from dataclasses import dataclass

from tehkg.endpoint.query.scan import PARSED_LENGTH, TOKEN, QueryRejected
from tehkg.vocab import PUBLISHED_PART_PROPERTY

PART = f"<{PUBLISHED_PART_PROPERTY}>"
# the longest rewritten text sent: each GRAPH pattern grows by its subquery and the variables it projects, nested
# patterns project their variables again (a 15 KB query nested 30 deep, rdflib's limit, grows to 406 KB; 2 900
# patterns in 32 KB to 433 KB): a query of a few GRAPH patterns grows by hundreds of characters each
RESTRICTED_LENGTH = 4 * PARSED_LENGTH


@dataclass(frozen=True)
class _Token:
    kind: str
    value: str
    start: int
    end: int


def restrict_graphs(text: str, record: str) -> str:
    """``text`` (a canonical query) with each GRAPH pattern restricted to the graphs ``<record> dcterms:hasPart``
    names in the graph ``<record>`` (see the module's docstring); QueryRejected past RESTRICTED_LENGTH."""
    tokens = [_Token(m.lastgroup or "", m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]
    rewriter = _Rewriter(text, tokens, _matching_braces(tokens), f"<{record}>", _Names(text))
    restricted = rewriter.region(0, len(tokens), 0, len(text))
    if len(restricted) > RESTRICTED_LENGTH:
        raise QueryRejected(
            f"restricted to the published graphs, this query's GRAPH patterns would make a text of {len(restricted)} "
            f"characters, more than the engine is sent ({RESTRICTED_LENGTH}): use fewer GRAPH patterns, or fewer "
            "variables inside nested ones"
        )
    return restricted


def _matching_braces(tokens: list[_Token]) -> dict[int, int]:
    """The index of each ``{`` token's matching ``}`` (an unbalanced text has no entry for its open braces)."""
    opened: list[int] = []
    closing: dict[int, int] = {}
    for i, token in enumerate(tokens):
        if token.kind == "other" and token.value == "{":
            opened.append(i)
        elif token.kind == "other" and token.value == "}" and opened:
            closing[opened.pop()] = i
    return closing


class _Names:
    """Variables that a query does not use: a stem no variable of it starts with, and a count."""

    def __init__(self, text: str) -> None:
        self.stem = "tehkg_graph"
        used = {m.group()[1:] for m in re.finditer(r"[?$]\w+", text)}
        while any(name.startswith(self.stem) for name in used):
            self.stem += "_"
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return f"?{self.stem}{self.count}"


class _Rewriter:
    def __init__(self, text: str, tokens: list[_Token], closing: dict[int, int], record: str, names: _Names) -> None:
        self.text, self.tokens, self.closing, self.record, self.names = text, tokens, closing, record, names

    def region(self, first: int, last: int, start: int, end: int) -> str:
        """The text from ``start`` to ``end`` (tokens ``first`` to ``last``, exclusive) with its GRAPH patterns
        rewritten."""
        parts: list[str] = []
        kept = start
        i = first
        while i < last:
            token = self.tokens[i]
            if token.kind == "word" and token.value.upper() == "GRAPH" and i + 2 < last:
                term, brace = self.tokens[i + 1], self.tokens[i + 2]
                if brace.value == "{" and i + 2 in self.closing and term.kind in ("var", "iri", "word"):
                    close = self.closing[i + 2]
                    body = self.region(i + 3, close, brace.end, self.tokens[close].start)
                    parts += [self.text[kept : token.start], self._pattern(term, body, i + 3, close)]
                    kept = self.tokens[close].end
                    i = close + 1
                    continue
            i += 1
        return "".join(parts) + self.text[kept:end]

    def _pattern(self, term: _Token, body: str, first: int, last: int) -> str:
        written = [t.value for t in self.tokens[first:last] if t.kind == "var"]
        if term.kind == "var":
            graph, compared = term.value, ""
            written.insert(0, graph)
        else:
            graph = self.names.next()
            compared = f" FILTER({graph} = {term.value})"
        projected = list(dict.fromkeys("?" + name[1:] for name in written)) or [self.names.next()]
        record = self.names.next()
        listed = f"GRAPH {record} {{ {self.record} {PART} {graph} }} FILTER({record} = {self.record})"
        return f"{{ SELECT {' '.join(projected)} WHERE {{ {listed} GRAPH {graph} {{{body}}}{compared} }} }}"
