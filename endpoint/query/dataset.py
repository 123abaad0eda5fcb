"""The dataset a query is evaluated on, with a default graph that is always a set.

A built store's default graph already is the RDF merge of its named graphs. When a query names
several default graphs (``FROM <a> FROM <b>`` or several ``default-graph-uri``), pyoxigraph
evaluates their bag union; their merge is then copied into the default graph of a temporary
in-memory store, beside the named graphs the query may read.
"""

import re
from urllib.parse import urljoin

import pyoxigraph as ox

from tehkg.endpoint.query.scan import TOKEN


def dataset_clauses(query: str, base_iri: str | None = None) -> tuple[list[str], list[str]]:
    """The IRIs of a query's ``FROM`` and ``FROM NAMED`` clauses, prefixes and base resolved."""
    tokens = [m.group() for m in TOKEN.finditer(query) if m.lastgroup not in ("comment", "string")]
    prefixes: dict[str, str] = {}
    base = base_iri or ""
    default: list[str] = []
    named: list[str] = []
    for i, token in enumerate(tokens):
        keyword = token.upper()
        following = tokens[i + 1 : i + 4]
        if keyword == "BASE" and following and following[0].startswith("<"):
            base = urljoin(base, following[0][1:-1])
        elif keyword == "PREFIX" and len(following) >= 2 and following[1].startswith("<"):
            prefixes[following[0].rstrip(":")] = urljoin(base, following[1][1:-1])
        elif keyword == "FROM" and following:
            target, into = (following[1:2], named) if following[0].upper() == "NAMED" else (following[:1], default)
            if target:
                into.append(_iri(target[0], prefixes, base))
    return default, named


def _iri(token: str, prefixes: dict[str, str], base: str) -> str:
    if token.startswith("<"):
        return urljoin(base, token[1:-1])
    prefix, _, local = token.partition(":")
    return prefixes.get(prefix, prefix + ":") + re.sub(r"\\(.)", r"\1", local)


def merged(store: ox.Store, default_graphs: list[str], named_graphs: list[str]) -> ox.Store:
    """An in-memory store whose default graph is the merge of ``default_graphs``, with ``named_graphs``."""
    copy = ox.Store()
    default = ox.DefaultGraph()
    for iri in default_graphs:
        quads = store.quads_for_pattern(None, None, None, ox.NamedNode(iri))
        copy.extend(ox.Quad(q.subject, q.predicate, q.object, default) for q in quads)
    for iri in named_graphs:
        copy.extend(store.quads_for_pattern(None, None, None, ox.NamedNode(iri)))
    return copy
