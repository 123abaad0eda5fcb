"""What a query is before it reaches the engine: one canonical text, its form, dataset, nesting, SERVICE targets.

The engines (pyoxigraph, Virtuoso) read codepoint escapes (``\\u0022``) inside strings and IRIs only,
while SPARQL 1.1 §19.2 applies them to the whole text first: the two readings of ``"\\u0022"`` differ
on where a string ends. So no decision is made on the text a client sent. :func:`canonical` lexes it
by SPARQL's terminals as the engines do and returns the text that every check reads *and* the engine
evaluates: escapes decoded inside strings and IRIs (and re-written without any), comments blanked,
everything else byte for byte; a codepoint escape anywhere else is refused, so no reading can
disagree. SERVICE targets come from a parse of that text by rdflib's complete SPARQL 1.1 grammar;
over ``--backend`` the same parse decides which functions and graphs a query may use
(:func:`portable`): nothing outside SPARQL 1.1 and its casts reaches the engine.
"""

import logging
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache

from rdflib.plugins.sparql.algebra import translateQuery, traverse
from rdflib.plugins.sparql.parser import Query
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query as AlgebraQuery
from rdflib.term import URIRef, Variable

from tehkg.endpoint.errors import READ_ONLY, ProtocolError
from tehkg.vocab import OPENLINK_SCHEMAS, XSD

CODEPOINT = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
PN_LOCAL_ESC = r"\\[_~.\-!$&'()*+,;=/?\#@%]"
TOKEN = re.compile(
    rf"""
    (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
               |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|{CODEPOINT})*>)
  | (?P<var>[?$][^\W]+)
  | (?P<word>(?:[^\W\d][\w\-.]*)?:(?:[\w\-.:%]|{PN_LOCAL_ESC})*|[^\W\d][\w\-]*)
  | (?P<codepoint>{CODEPOINT})
  | (?P<number>\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<other>&&|\|\||!=|<=|>=|\^\^|\S)
""",
    re.VERBOSE | re.DOTALL,
)
OPEN, CLOSE = "({[", ")}]"
PREFIX_OPERATORS = {"!", "+", "-", "^", "^^"}  # each one nests its operand one level deeper in the parser
FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
VOLATILE = {"NOW", "RAND", "UUID", "STRUUID", "BNODE"}  # functions whose value changes with every evaluation
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
    volatile: bool = False  # calls a function whose value changes with every evaluation: its answer is not cached
    depth: int = 0  # deepest nesting of (), {}, [] and runs of prefix operators
    unreadable: str | None = None  # why SERVICE could not be ruled out: the query must be refused


class QueryRejected(ValueError):
    """A query refused before any engine sees it (400), with the reason in words."""


ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
IRI_FORBIDDEN = re.compile(r'[<>"{}|^`\\\x00-\x20]')


def _codepoint(escape: str) -> str:
    code = int(escape[2:], 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise QueryRejected(f"{escape} names no Unicode character")
    return chr(code)


def _string_value(token: str) -> str:
    """The characters a string token stands for, its escapes decoded as the engines decode them."""
    quote = 3 if token[:3] in ('"""', "'''") else 1
    body, value, i = token[quote:-quote], [], 0
    while i < len(body):
        if body[i] != "\\":
            value.append(body[i])
            i += 1
        elif body[i + 1] in "uU":
            width = 6 if body[i + 1] == "u" else 10
            value.append(_codepoint(body[i : i + width]))
            i += width
        elif body[i + 1] in ECHAR:
            value.append(ECHAR[body[i + 1]])
            i += 2
        else:
            raise QueryRejected(f"{body[i : i + 2]} is not an escape SPARQL knows (in a string)")
    return "".join(value)


def _string_token(value: str) -> str:
    """``value`` written as a SPARQL string with no codepoint escape."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def _iri_token(token: str) -> str:
    """An IRI token with its codepoint escapes decoded; refused when they name a character no IRI may hold."""
    value = re.sub(CODEPOINT, lambda m: _codepoint(m.group()), token[1:-1])
    if IRI_FORBIDDEN.search(value):
        raise QueryRejected(f"the IRI {token[:80]} holds an escaped character that IRIs may not hold")
    return f"<{value}>"


def canonical(text: str) -> str:
    """The one text every check reads and the engine evaluates (see the module's docstring).

    Comments become spaces and the strings and IRIs holding codepoint escapes are re-written without them;
    every other character is kept where it was, so the engine's error positions still point into the query.
    Raises QueryRejected for a codepoint escape outside a string or an IRI, or one that names no character.
    """
    if "\\" not in text and "#" not in text:
        return text  # nothing to decode or blank: the common case costs one scan of the text
    parts: list[str] = []
    kept = 0
    for match in TOKEN.finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind == "codepoint":
            raise QueryRejected(
                f"{token} outside a string or an IRI: codepoint escapes are accepted only inside strings and IRIs, "
                "where every engine reads them alike"
            )
        if kind == "comment":
            replacement = " " * len(token)
        elif kind == "string" and "\\" in token:
            replacement = _string_token(_string_value(token))
        elif kind == "iri" and "\\" in token:
            replacement = _iri_token(token)
        else:
            continue
        parts += [text[kept : match.start()], replacement]
        kept = match.end()
    return "".join(parts) + text[kept:]


def needs_full_parse(text: str) -> bool:
    """Whether scanning or vetting ``text`` runs the complete SPARQL parse (slow: run it off the event loop).
    The raw text will do: the keyword SERVICE cannot be escaped (an escape outside strings is refused)."""
    return _mentions_service(text)


def _mentions_service(unescaped: str) -> bool:
    return "service" in unescaped.lower()


def scan(text: str) -> QueryScan:
    """Scan a canonical query text. Treat the result as read-only: it is shared between calls with the same text."""
    return _scan_cached(text) if len(text) <= CACHED_LENGTH else _scan(text)


@lru_cache(maxsize=4096)  # repeated queries (the ones the response cache answers) are scanned once
def _scan_cached(text: str) -> QueryScan:
    return _scan(text)


def _scan(text: str) -> QueryScan:
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
        elif keyword in VOLATILE:
            result.volatile = True
        elif keyword == "SERVICE":
            keyword_services += 1
    if _mentions_service(text) and result.depth <= MAX_DEPTH:
        _read_services(text, result, keyword_services)
    return result


_PARSING = threading.Lock()  # rdflib's grammar (pyparsing) keeps state while it parses: one parse at a time


def _parsed(text: str) -> AlgebraQuery:
    """``text`` read by rdflib's complete SPARQL 1.1 grammar and translated to its algebra (any exception: the
    text is not SPARQL 1.1). Parses run one at a time: run concurrently from threads, the grammar's parse
    actions mix their states up and fail on valid queries."""
    with _PARSING:
        return translateQuery(Query.parse_string(text, parse_all=True))


def _read_services(text: str, result: QueryScan, keyword_services: int) -> None:
    """Fill ``result.services`` from a complete parse of ``text`` (canonical), or set ``unreadable``."""
    if result.update:
        return  # refused as an update before anything else
    if len(text) > PARSED_LENGTH:
        result.unreadable = (
            f"a query that mentions SERVICE is checked by a complete parse up to {PARSED_LENGTH} characters; "
            "this one is longer and is refused"
        )
        return
    try:
        algebra = _parsed(text).algebra
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


def vet(text: str, service_allow: tuple[str, ...]) -> tuple[str, QueryScan]:
    """A query's canonical text and its scan, or ProtocolError saying why no engine may see it: an escape
    outside strings and IRIs, nesting past MAX_DEPTH, an update, a SERVICE that cannot be ruled out or that
    is not on ``service_allow``. Slow when the text mentions SERVICE (a complete parse): run it off the event
    loop then (:func:`needs_full_parse`)."""
    try:
        query = canonical(text)
    except QueryRejected as err:
        raise ProtocolError(400, str(err), "bad-query") from None
    found = scan(query)
    if found.depth > MAX_DEPTH:
        raise ProtocolError(400, f"the query nests deeper than {MAX_DEPTH} levels", "bad-query")
    if found.update:
        raise ProtocolError(403, READ_ONLY, "read-only")
    if found.unreadable:
        raise ProtocolError(400, found.unreadable, "bad-query")
    refused = refused_services(found, service_allow)
    if refused:
        raise ProtocolError(
            403,
            f"SERVICE is not allowed for {', '.join(refused)}: federated queries may only reach the endpoints on "
            "this server's allow-list (TEHKG_SERVICE_ALLOW)",
            "service-refused",
            refused=refused,
        )
    return query, found


def refused_services(found: QueryScan, allowed: tuple[str, ...]) -> list[str]:
    """SERVICE targets not on the allow-list (only full IRIs can be allowed)."""
    return [s for s in found.services if not (s.startswith("<") and s[1:-1] in allowed)]


SPARQL_CASTS = frozenset(
    XSD + name for name in ("boolean", "double", "float", "decimal", "integer", "dateTime", "string")
)
# IRIs that name an engine's own functions, procedures or pragmas (Virtuoso: bif:, sql:, its schemas)
ENGINE_NAMESPACES = ("bif:", "sql:", OPENLINK_SCHEMAS)


@dataclass(frozen=True)
class PortableQuery:
    """A query read as SPARQL 1.1 alone: the graphs its dataset clauses name, and those its GRAPH patterns read."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    graph_names: tuple[str, ...] = ()  # the IRIs of its ``GRAPH <iri>`` patterns
    graph_variables: bool = False  # whether it has a ``GRAPH ?var`` pattern


def portable(text: str) -> PortableQuery:
    """Read a canonical query as SPARQL 1.1 and nothing more, for an external engine: QueryRejected for
    anything else (engine pragmas and extensions, updates), for a function that is not a SPARQL 1.1
    cast, and for an IRI in an engine's namespace. Slow (a complete parse): call it off the event loop."""
    if len(text) > PARSED_LENGTH:
        raise QueryRejected(f"queries to the external engine are read in full up to {PARSED_LENGTH} characters")
    return _portable(text)


@lru_cache(maxsize=1024)
def _portable(text: str) -> PortableQuery:
    try:
        query = _parsed(text)
    except Exception as err:  # noqa: BLE001 - whatever stops the parse, the query is not plain SPARQL 1.1
        raise QueryRejected(
            f"only SPARQL 1.1 queries reach the engine, and this one could not be read as one: {err}"
        ) from None
    graph_names: dict[str, None] = {}
    graph_variables = False
    for node in _nodes(query.algebra):
        # a GRAPH pattern: "Graph" once translated, "GraphGraphPattern" inside an EXISTS (rdflib leaves it as parsed)
        if isinstance(node, CompValue) and node.name in ("Graph", "GraphGraphPattern"):
            if isinstance(node["term"], Variable):
                graph_variables = True
            else:
                graph_names[str(node["term"])] = None
        if isinstance(node, CompValue) and node.name == "Function" and str(node["iri"]) not in SPARQL_CASTS:
            raise QueryRejected(
                f"the function <{node['iri']}> is not part of SPARQL 1.1 (its built-in functions and casts to "
                "xsd:boolean, double, float, decimal, integer, dateTime and string are)"
            )
        if isinstance(node, URIRef) and str(node).startswith(ENGINE_NAMESPACES):
            raise QueryRejected(f"<{node}> names one of the engine's own functions or pragmas: refused")
    clauses = query.algebra.get("datasetClause") or []
    return PortableQuery(
        default_graphs=tuple(str(c["default"]) for c in clauses if "default" in c),
        named_graphs=tuple(str(c["named"]) for c in clauses if "named" in c),
        graph_names=tuple(graph_names),
        graph_variables=graph_variables,
    )


def _nodes(root: object) -> list[object]:
    """Every node and term of an rdflib algebra tree, iteratively (a deep query must not exhaust the stack)."""
    seen: list[object] = []
    pending = [root]
    while pending:
        node = pending.pop()
        seen.append(node)
        if isinstance(node, dict):
            pending.extend(node.values())
        elif isinstance(node, list | tuple | set | frozenset):
            pending.extend(node)
    return seen
