"""« Why this row? » answered: which documents state the triples one row of a SELECT answer rests on, with the
passages they quote.

:func:`explain` reads the row (a SPARQL 1.1 JSON binding object), vets the query as ``/sparql`` does, runs its
evidence query (endpoint/query/why.py) through the engine, within the server's deadline and at most
``MAX_WAYS`` solutions, then reads from the metadata graph the document each graph was derived from, and from each
graph the passages (``teh:passage``, their ``oa:exact`` quotes) of the triples' subjects. A graph derived from
exactly one source document and kept by no one else (a document's graph) names that document; the registries,
translations, editorial links and metadata name none (``document`` null), so no triple is ever credited to a
document that does not state it.

The answer (the JSON the editor reads)::

    {"triples": [{"s": term, "p": term, "o": term,
                  "sources": [{"document": IRI or null, "title": …, "graph": IRI,
                               "passages": [{"iri": IRI, "text": quote}]}]}]}

terms as SPARQL 1.1 JSON results write them (``{"type": "uri", "value": …}``).
"""

import asyncio
import json
from collections.abc import Iterable, Mapping

import pyoxigraph as ox
from rdflib.term import Literal, URIRef, Variable

from tehkg.endpoint.context import Context, Row
from tehkg.endpoint.engines.execution import QueryTask
from tehkg.endpoint.errors import ProtocolError
from tehkg.endpoint.query.scan import vet
from tehkg.endpoint.query.why import Evidence, Unexplainable, evidence_query
from tehkg.vocab import DCTERMS, METADATA_GRAPH, OA, PROV, SKOS, TEH, XSD

MAX_ROW_LENGTH = 16_384  # characters of the row's JSON
MAX_WAYS = 2_000  # solutions of the evidence query read at most: past it the row is not explained
Term = ox.NamedNode | ox.BlankNode | ox.Literal
Triple = tuple[Term, Term, Term]


def read_row(text: str) -> dict[str, ox.NamedNode | ox.Literal]:
    """A row as SPARQL 1.1 JSON results write one (``{"var": {"type": "uri", "value": …}, …}``), as terms;
    ProtocolError (400) for anything else, and for a blank node, which no other query can name."""
    if len(text) > MAX_ROW_LENGTH:
        raise ProtocolError(400, f"the row is longer than {MAX_ROW_LENGTH} characters", "invalid-parameters")
    try:
        found = json.loads(text)
    except json.JSONDecodeError as err:
        raise ProtocolError(400, f"the row is not JSON: {err}", "invalid-parameters") from None
    if not isinstance(found, dict):
        raise ProtocolError(400, "the row must be a JSON object: a binding per variable", "invalid-parameters")
    return {name: _term(name, value) for name, value in found.items()}


def _term(name: str, value: object) -> ox.NamedNode | ox.Literal:
    if not isinstance(value, dict) or not isinstance(value.get("value"), str):
        raise ProtocolError(
            400, f"?{name}: a binding is an object with a type and a string value", "invalid-parameters"
        )
    kind, text = value.get("type"), value["value"]
    try:
        if kind == "uri":
            return ox.NamedNode(text)
        if kind in ("literal", "typed-literal"):
            if "xml:lang" in value:
                return ox.Literal(text, language=str(value["xml:lang"]))
            if "datatype" in value:
                return ox.Literal(text, datatype=ox.NamedNode(str(value["datatype"])))
            return ox.Literal(text)
    except ValueError as err:
        raise ProtocolError(400, f"?{name}: {err}", "invalid-parameters") from None
    if kind == "bnode":
        raise Unexplainable("blank-node", name)
    raise ProtocolError(400, f"?{name}: unknown binding type {kind!r} (uri, literal, bnode)", "invalid-parameters")


def json_term(term: Term) -> dict[str, str]:
    """A term as SPARQL 1.1 JSON results write it."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD + "string":
        out["datatype"] = term.datatype.value
    return out


async def explain(
    ctx: Context, query: str, row: dict[str, ox.NamedNode | ox.Literal], lang: str, base_iri: str
) -> list[dict]:
    """The triples ``row`` of ``query``'s answer rests on, each with its sources (see the module's answer shape),
    titles in ``lang``. Raises Unexplainable (the shape, or the row, does not allow it) or ProtocolError."""
    canonical, _ = await asyncio.to_thread(vet, query, ctx.settings.service_allow)
    try:
        evidence = await asyncio.to_thread(evidence_query, canonical, row, base_iri)
    except ValueError as err:
        raise ProtocolError(400, str(err), "bad-query") from None
    graphs_of = await _ways(ctx, evidence, base_iri)
    graphs = sorted({g for found in graphs_of.values() for g in found}, key=lambda g: g.value)
    documents, titles = await _documents(ctx, graphs, lang)
    subjects = sorted(
        {(s, g) for (s, _, _), found in graphs_of.items() for g in found if isinstance(s, ox.NamedNode)},
        key=lambda pair: (pair[0].value, pair[1].value),
    )
    passages = await _passages(ctx, subjects)
    return [
        {
            "s": json_term(s),
            "p": json_term(p),
            "o": json_term(o),
            "sources": [
                {
                    "document": documents[g].value if g in documents else None,
                    "title": titles.get(documents.get(g, g), ""),
                    "graph": g.value,
                    "passages": passages.get((s, g), []),
                }
                for g in sorted(found, key=lambda g: g.value)
            ],
        }
        for (s, p, o), found in graphs_of.items()
    ]


async def _ways(ctx: Context, evidence: Evidence, base_iri: str) -> dict[Triple, set[ox.NamedNode]]:
    """Each triple the row rests on (in the order of the query's patterns) and the graphs it matched in."""
    task = QueryTask(query=evidence.query, rows_only=True, max_rows=MAX_WAYS, base_iri=base_iri)
    answer = await ctx.engine.run(task, ctx.settings.timeout)  # past the deadline: QueryTimeout, a 503
    if answer.status == 400:
        raise ProtocolError(400, answer.error or "", "bad-query")
    if answer.status != 200:
        raise ProtocolError(answer.status if answer.status >= 500 else 502, answer.error or "", "backend")
    if answer.truncated:
        raise Unexplainable("too-many", str(MAX_WAYS))
    if not answer.rows:
        raise Unexplainable("not-an-answer")
    found: dict[Triple, set[ox.NamedNode]] = {}
    for values in answer.rows:
        solution = dict(zip(answer.variables, values, strict=True))
        for pattern in evidence.patterns:
            if solution.get(str(pattern.witness)) is None:
                continue  # an OPTIONAL or a branch of a UNION this way of deriving the row did not take
            terms = [_bound(t, solution) for t in (pattern.subject, pattern.predicate, pattern.object, pattern.graph)]
            subject, predicate, obj, graph = terms
            if subject is None or predicate is None or obj is None or not isinstance(graph, ox.NamedNode):
                raise ValueError(f"a matched pattern with an unbound term: {pattern}")  # cannot happen: refuse
            found.setdefault((subject, predicate, obj), set()).add(graph)
    return found


def _bound(term: object, solution: Mapping[str, object]) -> Term | None:
    """A pattern's term in one solution: a variable's value (None when unbound), or the constant as a term."""
    if isinstance(term, Variable):
        value = solution.get(str(term))
        return value if isinstance(value, ox.NamedNode | ox.BlankNode | ox.Literal) else None
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return (
            ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype))) if term.datatype else ox.Literal(str(term))
        )
    return None


def _values(terms: Iterable[ox.NamedNode]) -> str:
    return " ".join(str(t) for t in terms)


async def _documents(
    ctx: Context, graphs: list[ox.NamedNode], lang: str
) -> tuple[dict[ox.NamedNode, ox.NamedNode], dict[ox.NamedNode, str]]:
    """The document each graph states (when it is a document's graph) and the titles of graphs and documents."""
    if not graphs:
        return {}, {}
    described = await ctx.rows(
        f"SELECT ?g ?doc ?keeper WHERE {{ VALUES ?g {{ {_values(graphs)} }} GRAPH <{METADATA_GRAPH}> {{"
        f" OPTIONAL {{ ?g <{PROV}wasDerivedFrom> ?doc }} OPTIONAL {{ ?g <{PROV}wasAttributedTo> ?keeper }} }} }}"
    )
    derived: dict[ox.NamedNode, set[ox.NamedNode]] = {}
    kept = {r["g"] for r in described if "keeper" in r}
    for r in described:
        if "doc" in r:
            derived.setdefault(r["g"], set()).add(r["doc"])
    documents = {g: next(iter(docs)) for g, docs in derived.items() if len(docs) == 1 and g not in kept}
    named = [*graphs, *sorted(set(documents.values()), key=lambda d: d.value)]
    labelled = await ctx.rows(
        f"SELECT ?x ?title WHERE {{ VALUES ?x {{ {_values(named)} }} VALUES ?p {{ <{DCTERMS}title> <{SKOS}prefLabel> }}"
        " ?x ?p ?title }"
    )
    ranked: dict[ox.NamedNode, tuple[int, str]] = {}
    for r in labelled:
        title = r["title"]
        rank = 0 if title.language == lang else 1 if title.language == "fr" else 2
        if r["x"] not in ranked or (rank, title.value) < ranked[r["x"]]:
            ranked[r["x"]] = (rank, title.value)
    return documents, {x: title for x, (_, title) in ranked.items()}


async def _passages(
    ctx: Context, subjects: list[tuple[ox.NamedNode, ox.NamedNode]]
) -> dict[tuple[Term, ox.NamedNode], list[dict[str, str]]]:
    """The quotes of the passages each subject cites in each graph, one entry per quote."""
    if not subjects:
        return {}
    pairs = " ".join(f"({s} {g})" for s, g in subjects)
    found: list[Row] = await ctx.rows(
        f"SELECT ?s ?g ?passage ?quote WHERE {{ VALUES (?s ?g) {{ {pairs} }} GRAPH ?g {{ ?s <{TEH}passage> ?passage ."
        f" ?passage <{OA}hasSelector> ?selector . ?selector <{OA}exact> ?quote }} }} ORDER BY ?passage ?quote"
    )
    out: dict[tuple[Term, ox.NamedNode], list[dict[str, str]]] = {}
    for r in found:
        out.setdefault((r["s"], r["g"]), []).append({"iri": r["passage"].value, "text": r["quote"].value})
    return out
