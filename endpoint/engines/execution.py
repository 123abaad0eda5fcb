"""Run one query on a pyoxigraph store and serialise its answer (inside a worker process)."""

from dataclasses import dataclass, field

import pyoxigraph as ox

from tehkg import formats
from tehkg.endpoint.errors import not_acceptable_message
from tehkg.endpoint.query import conneg, serializers
from tehkg.endpoint.query.dataset import dataset_clauses, merged
from tehkg.endpoint.query.scan import scan
from tehkg.formats import Format


@dataclass
class QueryTask:
    """A query and how to answer it."""

    query: str
    accept: str | None = None
    format: str | None = None
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    base_iri: str | None = None  # relative IRIs in the query resolve against it
    max_rows: int = 10_000
    rows_only: bool = False  # return terms (for pages) instead of a serialised body
    # an older release's store directory: the worker answers from it on disk, leaving its current store as it is
    release_directory: str | None = None


@dataclass
class QueryAnswer:
    """What a worker sends back: a body and its media type, or an error with its HTTP status."""

    status: int = 200
    media_type: str = ""
    body: bytes = b""
    truncated: bool = False
    row_limit: int | None = None  # the cap that truncated it when not TEHKG_MAX_ROWS (an external engine's own)
    count: int = 0
    error: str | None = None
    variables: list[str] = field(default_factory=list)
    rows: list[serializers.Row] = field(default_factory=list)
    release: str | None = None  # the id of the release that answered (the embedded store's; see store_layout.py)


def _dataset(store: ox.Store, task: QueryTask) -> tuple[ox.Store, dict]:
    """The store to evaluate ``task`` on and the dataset arguments of its query.

    Without a dataset the default graph is the store's, the merge of its named graphs; a protocol
    dataset replaces the query's own; several default graphs are merged as a set.
    """
    protocol = task.default_graphs is not None or task.named_graphs is not None
    if protocol:
        default, named = task.default_graphs or [], task.named_graphs or []
    elif scan(task.query).has_from:
        default, named = dataset_clauses(task.query, task.base_iri)
    else:
        return store, {}
    names = [ox.NamedNode(g) for g in named]
    if len(default) > 1:
        return merged(store, default, named), {"default_graph": ox.DefaultGraph(), "named_graphs": names}
    if protocol:
        return store, {"default_graph": [ox.NamedNode(g) for g in default], "named_graphs": names}
    return store, {}


def execute(store: ox.Store, task: QueryTask) -> QueryAnswer:
    """Evaluate ``task`` on ``store``; never raises for a bad query (status 400 instead)."""
    try:
        target, dataset = _dataset(store, task)
        result = target.query(task.query, base_iri=task.base_iri, **dataset)
        if (
            isinstance(result, ox.QuerySolutions)
            and not task.rows_only
            and conneg.choose(task.accept, formats.RESULT_FORMATS, task.format) == formats.JSON_RESULTS
        ):
            answer = _native_json(result, task.max_rows)
            if answer is not None:
                return answer
            result = target.query(task.query, base_iri=task.base_iri, **dataset)  # again, to cut it at max_rows
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows: list[serializers.Row] = []
            for solution in result:
                if len(rows) == task.max_rows:
                    return _select(task, variables, rows, truncated=True)
                rows.append([solution[i] for i in range(len(variables))])
            return _select(task, variables, rows, truncated=False)
        if isinstance(result, ox.QueryBoolean):
            media = conneg.choose(task.accept, formats.RESULT_FORMATS, task.format)
            if media is None:
                return _not_acceptable(formats.RESULT_FORMATS)
            return QueryAnswer(media_type=media, body=serializers.ask(media, bool(result)), count=1)
        triples: list[ox.Triple] = []
        truncated = False
        for triple in result:
            if len(triples) == task.max_rows:
                truncated = True
                break
            triples.append(triple)
        media = conneg.choose(task.accept, formats.GRAPH_FORMATS, task.format)
        if media is None:
            return _not_acceptable(formats.GRAPH_FORMATS)
        return QueryAnswer(
            media_type=media, body=serializers.graph(media, triples), truncated=truncated, count=len(triples)
        )
    except SyntaxError as err:
        return QueryAnswer(status=400, error=f"SPARQL syntax error: {err}")
    except MemoryError:
        return QueryAnswer(status=503, error="the query needed more memory than a query worker may use")
    except Exception as err:  # noqa: BLE001 - whatever a query makes the engine raise is the query's error
        return QueryAnswer(status=400, error=f"query evaluation failed: {err}")


def is_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI the engine accepts (dataset IRIs are checked before they reach it)."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


NATIVE_BYTES = 8 << 20  # JSON answers up to this size are written by pyoxigraph itself


class _AnswerTooLarge(Exception):
    """The answer outgrew NATIVE_BYTES while pyoxigraph was writing it."""


class _BoundedBuffer:
    """A binary sink for pyoxigraph's writers that refuses to grow past ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.parts: list[bytes] = []
        self.size, self.limit = 0, limit

    def write(self, chunk: bytes) -> int:
        self.size += len(chunk)
        if self.size > self.limit:
            raise _AnswerTooLarge
        self.parts.append(bytes(chunk))
        return len(chunk)

    def flush(self) -> None:
        pass


def json_rows(body: bytes) -> int:
    """The solutions in a SPARQL JSON answer as pyoxigraph writes it (compact, keys in order).

    Two non-empty solutions always meet as ``}},{"`` and that sequence cannot occur inside a
    string, where every quote is escaped; when ``{}`` appears (an empty solution, or those bytes
    in a literal) the answer is parsed instead.
    """
    if body.endswith(b'"bindings":[]}}'):
        return 0
    if b"{}" in body:
        solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        assert isinstance(solutions, ox.QuerySolutions)  # a SELECT answer, never a boolean
        return sum(1 for _ in solutions)
    return body.count(b'}},{"') + 1


def _native_json(result: ox.QuerySolutions, max_rows: int) -> QueryAnswer | None:
    """The answer written by pyoxigraph, or None when it exceeds NATIVE_BYTES or ``max_rows``."""
    sink = _BoundedBuffer(NATIVE_BYTES)
    try:
        result.serialize(sink, format=ox.QueryResultsFormat.JSON)  # type: ignore[arg-type]  # stub says IO[bytes]; any write() will do
    except _AnswerTooLarge:
        return None
    body = b"".join(sink.parts)
    count = json_rows(body)
    if count > max_rows:
        return None
    return QueryAnswer(media_type=formats.JSON_RESULTS, body=body, count=count)


def _select(task: QueryTask, variables: list[str], rows: list, truncated: bool) -> QueryAnswer:
    if task.rows_only:
        return QueryAnswer(variables=variables, rows=rows, truncated=truncated, count=len(rows))
    media = conneg.choose(task.accept, formats.RESULT_FORMATS, task.format)
    if media is None:
        return _not_acceptable(formats.RESULT_FORMATS)
    return QueryAnswer(
        media_type=media,
        truncated=truncated,
        count=len(rows),
        body=serializers.select(media, variables, rows, truncated),
    )


def _not_acceptable(offers: tuple[Format, ...]) -> QueryAnswer:
    return QueryAnswer(status=406, error=not_acceptable_message(offers, "this query"))
