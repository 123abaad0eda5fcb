"""« Why this row? »: the query that finds the triples one answer row of a SELECT rests on, and the graph of each.

The store's default graph is the merge of the named graphs, so every triple a query matches outside ``GRAPH`` sits
in at least one named graph. :func:`evidence_query` reads the query with rdflib's SPARQL algebra and writes it
again with each triple pattern of its basic graph patterns inside a ``GRAPH ?g`` pattern of its own (a triple
pattern already inside ``GRAPH`` keeps that graph, and a witness variable bound where it matched), its projection
widened to every variable those patterns use, and the row's bindings required by filters (``sameTerm`` for a bound
variable, ``!BOUND`` for an unbound one; the values of the variables every solution binds also given first, as
``VALUES``, for the engine to start from). Each solution of that query is one way the row is derived: the triple
patterns it matched, each in its graph. Blank nodes of the query become variables; relative IRIs are resolved
against the endpoint's URL, as the engine resolves them. A fixed-length property path becomes its chain of triple
patterns (a sequence over fresh variables, an inverse swapped, an alternative a union), each in its own graph.

What cannot be explained that way is refused with a :class:`Unexplainable` naming why (its ``kind``): not a
SELECT, aggregates or GROUP BY, subqueries, SERVICE, ``FROM``/``FROM NAMED``, property paths of unbounded length
or with optional steps or negated property sets, ``FILTER EXISTS`` (the row would rest on triples left unlisted),
rows holding blank nodes. Patterns under ``MINUS`` and ``FILTER NOT EXISTS`` stay as written: they remove rows,
no row rests on them. Anything of the algebra this module does not know is refused too, never guessed.
"""

import itertools
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import pyoxigraph as ox
from rdflib.paths import AlternativePath, InvPath, Path, SequencePath
from rdflib.plugins.sparql.algebra import translateGroupGraphPattern
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import BNode, Literal, URIRef, Variable

from tehkg.endpoint.query.scan import PARSED_LENGTH, _parsed

# why a query or a row cannot be explained; the words, in each language, are the pages' (endpoint/pages/why.py)
KINDS = (
    "not-select",
    "aggregate",
    "subquery",
    "service",
    "dataset-clause",
    "path",
    "exists",
    "blank-node",
    "construct",
    "not-an-answer",
    "too-many",
)
# the variables the evidence query adds, after a root that the query's text does not hold (why_, _why_…):
GRAPH_VARIABLE = "graph_"  # the graph each triple pattern matched in: ?why_graph_0, ?why_graph_1…
WITNESS_VARIABLE = "matched_"  # bound when a triple pattern inside the query's own GRAPH was matched
STEP_VARIABLE = "step_"  # the nodes inside a property path and the query's blank nodes
OPERATORS = {"ConditionalOrExpression": "||", "ConditionalAndExpression": "&&"}
UNARY = {"UnaryNot": "!", "UnaryMinus": "-", "UnaryPlus": "+"}


class Unexplainable(Exception):
    """The query's shape, or the row, does not allow naming the triples the row rests on; ``kind`` is one of
    KINDS, ``construct`` what was found (for the log and tests, not for readers)."""

    def __init__(self, kind: str, construct: str = "") -> None:
        assert kind in KINDS, kind
        super().__init__(f"{kind}: {construct}" if construct else kind)
        self.kind, self.construct = kind, construct


Term = Variable | URIRef | Literal


@dataclass(frozen=True)
class TriplePattern:
    """A triple pattern the row may rest on, where its graph is read (a variable of the evidence query, or the IRI
    a ``GRAPH <iri>`` of the query names) and its witness: the variable bound in a solution exactly when this
    pattern was matched there (a pattern of a UNION branch or an OPTIONAL the solution did not take may well have
    all its variables bound by other patterns, and still not be matched)."""

    subject: Term
    predicate: Term
    object: Term
    graph: Variable | URIRef
    witness: Variable


@dataclass(frozen=True)
class Evidence:
    """The evidence query of one row and how to read its solutions."""

    query: str
    patterns: tuple[TriplePattern, ...]


def evidence_query(text: str, row: dict[str, ox.NamedNode | ox.Literal], base_iri: str) -> Evidence:
    """The evidence query of ``row`` (its bound variables; a selected variable missing from it is unbound) for the
    SELECT ``text`` (canonical, vetted), its relative IRIs resolved against ``base_iri`` as the engine resolves
    them. Raises :class:`Unexplainable`, or ValueError when ``text`` is not SPARQL 1.1 or ``row`` binds a variable
    the query does not select."""
    if len(text) > PARSED_LENGTH:
        raise ValueError(f"queries are explained up to {PARSED_LENGTH} characters; this one is longer")
    try:
        query = _parsed(text)
    except Exception as err:  # noqa: BLE001 - whatever stops the parse, the message is the parser's
        raise ValueError(f"the query could not be read as SPARQL 1.1: {err}") from None
    algebra = query.algebra
    if algebra.name != "SelectQuery":
        raise Unexplainable("not-select", algebra.name)
    if algebra.get("datasetClause"):
        raise Unexplainable("dataset-clause")
    pattern = algebra.p
    while pattern.name in ("Slice", "Distinct", "Reduced", "OrderBy"):  # they choose among rows, none adds one
        pattern = pattern.p
    if pattern.name != "Project":
        raise Unexplainable("construct", pattern.name)
    selected = tuple(str(v) for v in pattern.PV)
    unknown = sorted(set(row) - set(selected))
    if unknown:
        raise ValueError(f"the row binds variables the query does not select: {', '.join(unknown)}")
    root = "why_"
    while root in text:
        root = "_" + root
    writer = _Writer(root, base_iri)
    where = writer.pattern(pattern.p, graph=None)
    conditions = [f"sameTerm(?{name}, {row[name]})" if name in row else f"!BOUND(?{name})" for name in selected]
    used = sorted(
        {
            str(t)
            for p in writer.patterns
            for t in (p.subject, p.predicate, p.object, p.graph, p.witness)
            if isinstance(t, Variable)
        }
        | set(selected)
    )
    filters = "".join(f" FILTER({c})" for c in conditions)
    # the row's values of the variables every solution binds, given first: joining them is filtering on them, and
    # the engine starts from them instead of from every solution
    given = sorted(name for name in _certain(pattern.p) if name in row)
    start = (
        f"VALUES ({' '.join('?' + n for n in given)}) {{ ({' '.join(str(row[n]) for n in given)}) }} " if given else ""
    )
    evidence = f"SELECT DISTINCT {' '.join('?' + v for v in used)} WHERE {{ {start}{where}{filters} }}"
    return Evidence(evidence, tuple(writer.patterns))


def _certain(node: CompValue) -> set[str]:
    """The variables every solution of ``node`` binds (an empty set where unsure)."""
    name = node.name
    if name == "BGP":
        return {str(t) for triple in node.triples for t in triple if isinstance(t, Variable)}
    if name == "Join":
        return _certain(node.p1) | _certain(node.p2)
    if name in ("LeftJoin", "Minus"):
        return _certain(node.p1)
    if name == "Union":
        return _certain(node.p1) & _certain(node.p2)
    if name in ("Filter", "Extend", "OrderBy"):  # a BIND whose expression fails leaves its variable unbound
        return _certain(node.p)
    if name == "Graph":
        return _certain(node.p) | ({str(node.term)} if isinstance(node.term, Variable) else set())
    return set()


class _Writer:
    """Writes an rdflib algebra tree back as SPARQL, each triple pattern outside GRAPH in a GRAPH of its own."""

    def __init__(self, root: str, base_iri: str) -> None:
        self.root, self.base_iri = root, base_iri
        self.fresh = itertools.count()
        self.patterns: list[TriplePattern] = []
        self.blank: dict[BNode, Variable] = {}

    def _variable(self, kind: str) -> Variable:
        return Variable(f"{self.root}{kind}{next(self.fresh)}")

    def _resolved(self, term: object) -> object:
        """A relative IRI of the query resolved against the endpoint's URL (rdflib leaves it relative)."""
        if isinstance(term, URIRef) and not urlsplit(term).scheme:
            return URIRef(urljoin(self.base_iri, str(term)))
        return term

    def pattern(self, node: CompValue, graph: Variable | URIRef | None, listed: bool = True) -> str:
        """``node`` as a group ``{ … }``; ``graph`` is the graph a GRAPH around it names (None: the default
        graph); ``listed`` is False under MINUS and NOT EXISTS, whose triples no row rests on."""
        name = node.name
        if name == "BGP":
            return "{ " + " ".join(self._triple(t, graph, listed) for t in node.triples) + " }"
        if name == "OrderBy":  # an ORDER BY under the projection sorts, it does not choose
            return self.pattern(node.p, graph, listed)
        if name == "Join":
            return f"{{ {self.pattern(node.p1, graph, listed)} {self.pattern(node.p2, graph, listed)} }}"
        if name == "LeftJoin":
            plain = getattr(node.expr, "name", None) == "TrueFilter"  # OPTIONAL without a FILTER of its own
            condition = "" if plain else f" FILTER({self.expression(node.expr)})"
            optional = self.pattern(node.p2, graph, listed)
            return f"{{ {self.pattern(node.p1, graph, listed)} OPTIONAL {{ {optional}{condition} }} }}"
        if name == "Union":
            return f"{{ {self.pattern(node.p1, graph, listed)} UNION {self.pattern(node.p2, graph, listed)} }}"
        if name == "Minus":
            return f"{{ {self.pattern(node.p1, graph, listed)} MINUS {self.pattern(node.p2, graph, listed=False)} }}"
        if name == "Filter":
            return f"{{ {self.pattern(node.p, graph, listed)} FILTER({self.expression(node.expr)}) }}"
        if name == "Extend":
            return f"{{ {self.pattern(node.p, graph, listed)} BIND({self.expression(node.expr)} AS ?{node.var}) }}"
        if name == "Graph":
            term = self._term(node.term)
            inner = self._resolved(node.term)
            inner = inner if isinstance(inner, Variable | URIRef) else None
            if inner is None:
                raise Unexplainable("construct", f"GRAPH {term}")
            return f"{{ GRAPH {term} {self.pattern(node.p, inner, listed)} }}"
        if name == "ToMultiSet":
            if node.p.name != "values":
                raise Unexplainable("subquery")
            return self._values(node.p.res)
        if name in ("Group", "AggregateJoin"):
            raise Unexplainable("aggregate")
        if name in ("Project", "SubSelect"):
            raise Unexplainable("subquery")
        if name == "ServiceGraphPattern":
            raise Unexplainable("service")
        raise Unexplainable("construct", name)

    def _values(self, solutions: list[dict]) -> str:
        names = sorted({str(v) for solution in solutions for v in solution})
        rows = " ".join(
            "("
            + " ".join("UNDEF" if s.get(Variable(n), "UNDEF") == "UNDEF" else self._term(s[Variable(n)]) for n in names)
            + ")"
            for s in solutions
        )
        return f"{{ VALUES ({' '.join('?' + n for n in names)}) {{ {rows} }} }}"

    def _triple(self, triple: tuple, graph: Variable | URIRef | None, listed: bool) -> str:
        subject, predicate, obj = self._node(triple[0]), self._resolved(triple[1]), self._node(triple[2])
        if isinstance(predicate, BNode) or not isinstance(predicate, Variable | URIRef | Literal | Path):
            raise Unexplainable("construct", repr(predicate))
        if isinstance(predicate, Path):
            return self._path(subject, predicate, obj, graph, listed)
        text = f"{self._term(subject)} {self._term(predicate)} {self._term(obj)} ."
        if not listed:
            return text
        if graph is not None:  # inside the query's own GRAPH: a witness says whether this pattern was matched
            witness = self._variable(WITNESS_VARIABLE)
            self.patterns.append(TriplePattern(subject, predicate, obj, graph, witness))
            return f"{{ {text} BIND(true AS {self._term(witness)}) }}"
        where = self._variable(GRAPH_VARIABLE)
        self.patterns.append(TriplePattern(subject, predicate, obj, where, where))
        return f"GRAPH {self._term(where)} {{ {text} }}"

    def _path(self, subject: Term, path: Path, obj: Term, graph: Variable | URIRef | None, listed: bool) -> str:
        if isinstance(path, InvPath):
            return self._triple((obj, path.arg, subject), graph, listed)
        if isinstance(path, SequencePath):
            nodes = [subject, *(self._variable(STEP_VARIABLE) for _ in path.args[1:]), obj]
            steps = [
                self._triple((a, step, b), graph, listed)
                for a, step, b in zip(nodes[:-1], path.args, nodes[1:], strict=True)
            ]
            return " ".join(steps)
        if isinstance(path, AlternativePath):
            return " UNION ".join("{ " + self._triple((subject, a, obj), graph, listed) + " }" for a in path.args)
        raise Unexplainable("path", path.n3())

    def _node(self, term: object) -> Term:
        """A subject or object: a blank node of the query becomes a variable (no other group may share it)."""
        term = self._resolved(term)
        if isinstance(term, BNode):
            return self.blank.setdefault(term, self._variable(STEP_VARIABLE))
        if isinstance(term, Variable | URIRef | Literal):
            return term
        raise Unexplainable("construct", repr(term))

    def _term(self, term: object) -> str:
        term = self._resolved(term)
        if isinstance(term, Variable):
            return f"?{term}"
        if isinstance(term, URIRef | Literal):
            return term.n3()
        if isinstance(term, BNode):
            return self._term(self._node(term))
        raise Unexplainable("construct", repr(term))

    def expression(self, node: object) -> str:
        """A filter or BIND expression as SPARQL."""
        if not isinstance(node, CompValue):
            return self._term(node)
        name = node.name
        if name in OPERATORS:
            return "(" + f" {OPERATORS[name]} ".join(self.expression(e) for e in [node.expr, *node.other]) + ")"
        if name == "RelationalExpression":
            if node.op in ("IN", "NOT IN"):
                listed = ", ".join(self.expression(e) for e in node.other)
                return f"({self.expression(node.expr)} {node.op} ({listed}))"
            return f"({self.expression(node.expr)} {node.op} {self.expression(node.other)})"
        if name in ("AdditiveExpression", "MultiplicativeExpression"):
            pairs = " ".join(f"{op} {self.expression(e)}" for op, e in zip(node.op, node.other, strict=True))
            return f"({self.expression(node.expr)} {pairs})"
        if name in UNARY:
            return f"({UNARY[name]}{self.expression(node.expr)})"
        if name == "Function":
            if node.get("distinct"):
                raise Unexplainable("aggregate")
            return f"{self._term(node.iri)}({', '.join(self.expression(e) for e in node.expr or [])})"
        if name == "Builtin_NOTEXISTS":
            return f"NOT EXISTS {self.pattern(_translated(node.graph), graph=None, listed=False)}"
        if name == "Builtin_EXISTS":
            raise Unexplainable("exists")
        if name.startswith("Aggregate_"):
            raise Unexplainable("aggregate")
        if name.startswith("Builtin_"):
            arguments: list[object] = []
            for key, value in node.items():
                if not key.startswith("_"):
                    arguments.extend(value if isinstance(value, list) else [value])
            return f"{name.removeprefix('Builtin_')}({', '.join(self.expression(a) for a in arguments)})"
        raise Unexplainable("construct", name)


def _translated(graph: CompValue) -> CompValue:
    """The pattern of an EXISTS as algebra (rdflib leaves some as parsed)."""
    return translateGroupGraphPattern(graph) if graph.name == "GroupGraphPatternSub" else graph
