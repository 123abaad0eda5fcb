"""The label search index: built with the store, read by the endpoint, ranked in memory.

An entry is (IRI, property, text) for every label, acronym, notation, name, title and description
that an IRI carries, in any language. Matching is accent- and case-insensitive: every query word
must occur in the text; exact labels rank before label prefixes, word prefixes and substrings, and
descriptions after labels.
"""

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from tehkg.loader.select import select
from tehkg.vocab import sparql_prefixes

FILE = "SEARCH.json"
MAX_QUERY_CHARS = 200  # longer search queries are refused: the cost grows with words × entries
MAX_QUERY_WORDS = 16

ENTRIES_QUERY = (
    sparql_prefixes("skos", "rdfs", "dcterms", "foaf")
    + """
SELECT DISTINCT ?s ?p ?t { VALUES ?p { skos:prefLabel skos:altLabel skos:notation
  rdfs:label dcterms:title dcterms:description foaf:name }
  ?s ?p ?t FILTER(isIRI(?s) && isLiteral(?t)) }"""
)


def fold(text: str) -> str:
    """Lower case without accents: « Élargir » and « elargir » fold alike."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


@dataclass(frozen=True)
class Hit:
    """One ranked match: the IRI and the text that matched best."""

    iri: str
    text: str
    score: float


class QueryTooLong(ValueError):
    """A search query over MAX_QUERY_CHARS characters or MAX_QUERY_WORDS words."""


def query_words(query: str) -> list[str]:
    """The folded words of a search query; raises QueryTooLong past the limits."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryTooLong(f"a search query may hold at most {MAX_QUERY_CHARS} characters")
    words = fold(query).split()
    if len(words) > MAX_QUERY_WORDS:
        raise QueryTooLong(f"a search query may hold at most {MAX_QUERY_WORDS} words")
    return words


class SearchIndex:
    """Entries with their folded text, searchable in memory."""

    def __init__(self, entries: list[tuple[str, str, str]]) -> None:
        self.entries = [(iri, prop, text, fold(text)) for iri, prop, text in entries]

    @classmethod
    def from_store(cls, store: ox.Store) -> "SearchIndex":
        """Index a built store (its default graph is the union of its named graphs)."""
        return cls([(row[0].value, row[1].value, row[2].value) for row in select(store, ENTRIES_QUERY)])

    @classmethod
    def read(cls, directory: Path) -> "SearchIndex":
        """The index written next to a built store."""
        return cls([tuple(entry) for entry in json.loads((directory / FILE).read_text())])

    def write(self, directory: Path) -> None:
        """Save the entries next to the store they index."""
        entries = [[iri, prop, text] for iri, prop, text, _ in self.entries]
        (directory / FILE).write_text(json.dumps(entries, ensure_ascii=False))

    def search(self, query: str, limit: int) -> list[Hit]:
        """The best match per IRI, best first (then shorter text first); raises QueryTooLong."""
        words = query_words(query)
        if not words:
            return []
        phrase = " ".join(words)
        best: dict[str, Hit] = {}
        for iri, prop, text, folded in self.entries:
            if not all(word in folded for word in words):
                continue
            tokens = re.findall(r"\w+", folded)
            score = (
                1.0
                if folded == phrase
                else 0.8
                if folded.startswith(phrase)
                else 0.6
                if all(any(t.startswith(w) for t in tokens) for w in words)
                else 0.4
            )
            if prop.endswith("description"):
                score -= 0.3
            if iri not in best or score > best[iri].score:
                best[iri] = Hit(iri, text, round(score, 2))
        return sorted(best.values(), key=lambda h: (-h.score, len(h.text)))[:limit]
