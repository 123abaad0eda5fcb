"""What a query is before it reaches the engine: its form, dataset clauses, nesting and SERVICE targets.

SPARQL applies codepoint escapes (``\\u0053``) to the whole text before parsing (SPARQL 1.1 §19.2), so
everything here reads the unescaped text. A lexer that follows SPARQL's terminals (strings with their
escapes, IRIs, prefixed names with ``PN_LOCAL_ESC``, comments) finds the query form and the nesting;
SERVICE targets come from a parse by rdflib's complete SPARQL 1.1 grammar, run only when the text
contains ``service`` in any case, and a query that grammar cannot read is refused (fail closed).
"""

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache

from rdflib.plugins.sparql.algebra import translateQuery, traverse
from rdflib.plugins.sparql.parser import Query
from rdflib.term import URIRef, Variable

CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
PN_LOCAL_ESC = r"\\[_~.\-!$&'()*+,;=/?\#@%]"
TOKEN = re.compile(
    rf"""
    (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
               |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][^\W]+)
  | (?P<word>(?:[^\W\d][\w\-.]*)?:(?:[\w\-.:%]|{PN_LOCAL_ESC})*|[^\W\d][\w\-]*)
  | (?P<number>\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<other>&&|\|\||!=|<=|>=|\^\^|\S)
""",
    re.VERBOSE | re.DOTALL,
)
OPEN, CLOSE = "({[", ")}]"
PREFIX_OPERATORS = {"!", "+", "-", "^", "^^"}  # each one nests its operand one level deeper in the parser
FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
UPDATES = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
MAX_DEPTH = 200  # deeper nesting can exhaust the engine's parser stack
CACHED_LENGTH = 4096  # longer texts are scanned every time rather than kept in the cache
PARSED_LENGTH = 32_768  # longer texts that mention SERVICE are refused unparsed (597 KB took 8.8 s to parse)

logging.getLogger("rdflib.term").setLevel(logging.ERROR)  # it warns about every IRI it finds odd


@dataclass
class QueryScan:
    """What the scan saw."""

    form: str | None = None
    update: bool = False
    has_from: bool = False
    has_graph: bool = False  # a GRAPH pattern: the only way a query reads the dataset's named graphs
    services: list[str] = field(default_factory=list)  # as ``<iri>`` (resolved) or ``?var``
    depth: int = 0  # deepest nesting of (), {}, [] and runs of prefix operators
    unreadable: str | None = None  # why SERVICE could not be ruled out: the query must be refused


def unescape_codepoints(text: str) -> str:
    """``text`` with its ``\\uXXXX`` and ``\\UXXXXXXXX`` escapes replaced by the characters they name."""

    def character(match: re.Match) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group()

    return CODEPOINT.sub(character, text)


def needs_full_parse(text: str) -> bool:
    """Whether scanning ``text`` runs the complete SPARQL parse (slow: run it off the event loop)."""
    return _mentions_service(unescape_codepoints(text))


def _mentions_service(unescaped: str) -> bool:
    return "service" in unescaped.lower()


def scan(text: str) -> QueryScan:
    """Scan a query. Treat the result as read-only: it is shared between calls with the same text."""
    return _scan_cached(text) if len(text) <= CACHED_LENGTH else _scan(text)


@lru_cache(maxsize=4096)  # repeated queries (the ones the response cache answers) are scanned once
def _scan_cached(text: str) -> QueryScan:
    return _scan(text)


def _scan(text: str) -> QueryScan:
    text = unescape_codepoints(text)
    result = QueryScan()
    level = run = keyword_services = 0
    for match in TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind in ("comment", "string"):
            continue
        run = run + 1 if kind == "other" and value in PREFIX_OPERATORS else 0
        if kind == "other" and value in OPEN:
            level += 1
        elif kind == "other" and value in CLOSE:
            level -= 1
        inner = sum(value.count(c) for c in "([!") if kind == "iri" else 0  # an IRI may be read as `<` and more
        result.depth = max(result.depth, level + run + inner)
        if kind != "word":
            continue
        keyword = value.upper()
        if keyword in FORMS and result.form is None:
            result.form = keyword
        elif keyword in UPDATES and result.form is None:
            result.update = True
        elif keyword == "FROM":
            result.has_from = True
        elif keyword == "GRAPH":
            result.has_graph = True
        elif keyword == "SERVICE":
            keyword_services += 1
    if _mentions_service(text) and result.depth <= MAX_DEPTH:
        _read_services(text, result, keyword_services)
    return result


def _read_services(text: str, result: QueryScan, keyword_services: int) -> None:
    """Fill ``result.services`` from a complete parse of ``text`` (already unescaped), or set ``unreadable``."""
    if result.update:
        return  # refused as an update before anything else
    if len(text) > PARSED_LENGTH:
        result.unreadable = (
            f"a query that mentions SERVICE is checked by a complete parse up to {PARSED_LENGTH} characters; "
            "this one is longer and is refused"
        )
        return
    try:
        algebra = translateQuery(Query.parse_string(text, parse_all=True)).algebra
    except Exception as err:  # noqa: BLE001 - whatever stops the parse, SERVICE cannot be ruled out
        result.unreadable = f"the query mentions SERVICE and could not be checked by a SPARQL 1.1 parser: {err}"
        return
    targets: list[str] = []

    def visit(node: object) -> None:
        if getattr(node, "name", None) == "ServiceGraphPattern":
            term = getattr(node, "term", None)
            written = f"<{term}>" if isinstance(term, URIRef) else f"?{term}" if isinstance(term, Variable) else ""
            targets.append(written)

    traverse(algebra, visitPost=visit)
    result.services = targets
    if keyword_services > len(targets):
        result.unreadable = "the query's SERVICE clauses could not be told apart from the rest; it is refused"


def refused_services(found: QueryScan, allowed: tuple[str, ...]) -> list[str]:
    """SERVICE targets not on the allow-list (only full IRIs can be allowed)."""
    return [s for s in found.services if not (s.startswith("<") and s[1:-1] in allowed)]
