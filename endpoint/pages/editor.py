"""The query editor's prefixes and examples: the prefixes are declared once (the editor adds those a query uses
and does not declare before sending it), the examples shown without their test annotations."""

import re

from tehkg.vocab import EXTRA_PREFIXES, PREFIXES

EDITOR_PREFIXES = PREFIXES | EXTRA_PREFIXES
_PREFIX_LINE = re.compile(r"^\s*PREFIX\s+([\w-]*):\s*<([^>]*)>\s*$", re.IGNORECASE)
INITIAL_QUERY = """SELECT ?measure ?title WHERE {
  ?measure a teh:Measure ; skos:prefLabel ?title .
  FILTER(lang(?title) = "fr")
} LIMIT 20"""


def example_body(text: str) -> str:
    """An example's query as a reader sees it: without the PREFIX lines the editor declares anyway."""
    kept = [
        line
        for line in text.splitlines()
        if not ((m := _PREFIX_LINE.match(line)) and EDITOR_PREFIXES.get(m.group(1)) == m.group(2))
    ]
    while kept and not kept[0].strip():
        kept.pop(0)
    return "\n".join(kept).strip() + "\n"


def declared_prefixes() -> str:
    """The PREFIX lines the editor adds when a query uses them."""
    return "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in EDITOR_PREFIXES.items())
