"""A light SPARQL lexer: what a query is before it reaches the engine.

It skips comments, strings and IRIs so that keywords are seen only where they are keywords, and
reports the query form, the dataset clauses, the SERVICE targets and whether it is an update.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache

TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
               |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-.]*:?[A-Za-z0-9_\-.%:]*)
  | (?P<other>\S)
""",
    re.VERBOSE | re.DOTALL,
)

FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
UPDATES = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


@dataclass
class QueryScan:
    """What the lexer saw."""

    form: str | None = None
    update: bool = False
    has_from: bool = False
    services: list[str] = field(default_factory=list)
    depth: int = 0  # deepest nesting of (), {} and []


@lru_cache(maxsize=4096)  # repeated queries (the ones the response cache answers) are scanned once
def scan(text: str) -> QueryScan:
    """Scan a query; SERVICE targets that are not full IRIs are reported as written. Treat the
    result as read-only: it is shared between calls with the same text."""
    result = QueryScan()
    tokens = [(m.lastgroup, m.group()) for m in TOKEN.finditer(text) if m.lastgroup not in ("comment", "string")]
    level = 0
    for i, (kind, value) in enumerate(tokens):
        if kind == "other" and value in "({[":
            level += 1
            result.depth = max(result.depth, level)
        elif kind == "other" and value in ")}]":
            level -= 1
        if kind != "word":
            continue
        keyword = value.upper()
        if keyword in FORMS and result.form is None:
            result.form = keyword
        elif keyword in UPDATES and result.form is None:
            result.update = True
        elif keyword == "FROM":
            result.has_from = True
        elif keyword == "SERVICE":
            j = i + 1
            if j < len(tokens) and tokens[j][1].upper() == "SILENT":
                j += 1
            result.services.append(tokens[j][1] if j < len(tokens) else "")
    return result


def refused_services(found: QueryScan, allowed: tuple[str, ...]) -> list[str]:
    """SERVICE targets not on the allow-list (only full IRIs can be allowed)."""
    return [s for s in found.services if not (s.startswith("<") and s[1:-1] in allowed)]
