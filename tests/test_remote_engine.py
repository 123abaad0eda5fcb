"""The ``--backend`` client (endpoint/engines/remote.py RemoteEngine) and the publisher (loader/publish.py) against a
scripted SPARQL engine: no answer mixes two published versions, a failed switch releases the readers, the
published dataset goes with the queries that need it, the engine's JSON comes out as the embedded store writes
it, and oversized or header-heavy answers are handled."""

import asyncio
import json
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import httpx
import pyoxigraph as ox
import pytest

from tehkg import vocab
from tehkg.endpoint.engines import remote as engines
from tehkg.endpoint.engines.execution import QueryTask
from tehkg.endpoint.query import serializers
from tehkg.endpoint.query.graph_patterns import restrict_graphs
from tehkg.settings import Settings

RECORD = vocab.PUBLICATION_GRAPH
NOW = datetime(2026, 1, 1, tzinfo=UTC)
JSON = "application/sparql-results+json"


class Script:
    """What the scripted engine serves: its publication record, the data version its queries see, hooks."""

    def __init__(self) -> None:
        self.versions = ["v1"]
        self.graphs = ["https://w3id.org/tehkg/graph/a"]
        self.mark: str | None = None
        self.data = "v1"
        self.queries: list[dict[str, list[str]]] = []  # the forms of the queries that were not record reads
        self.marked_reads = 0
        self.on_query: Callable[[], None] = lambda: None
        self.on_marked_read: Callable[[int], None] = lambda n: None
        self.answer: tuple[str, bytes, dict[str, str]] | None = None  # media, body, headers of every query
        self.record_status = 200
        self.merge: str | None = None  # where the record says the merge is (None: a record that does not say)
        self.server = "scripted"  # its Server header

    def record_rows(self) -> list[dict]:
        rows = [{"version": {"type": "literal", "value": v}} for v in self.versions]
        rows += [{"graph": {"type": "uri", "value": g}} for g in self.graphs]
        rows += [{"merge": {"type": "uri", "value": self.merge}}] if self.merge else []
        return rows + ([{"next": {"type": "literal", "value": self.mark}}] if self.mark else [])


@pytest.fixture
def engine() -> Iterator[tuple[Script, str]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def version_string(self) -> str:
            return script.server

        def do_POST(self) -> None:  # noqa: N802 - the handler's interface
            form = parse_qs(self.rfile.read(int(self.headers["content-length"])).decode())
            query = form["query"][0]
            headers: dict[str, str] = {}
            record_read = query in (engines.STATE_QUERY, engines.PUBLICATION_QUERY)
            status = script.record_status if record_read else 200
            if record_read:
                if script.mark:
                    script.marked_reads += 1
                    script.on_marked_read(script.marked_reads)
                media, body = JSON, json.dumps({"head": {}, "results": {"bindings": script.record_rows()}}).encode()
            else:
                script.queries.append(form)
                script.on_query()
                answer = {"head": {"vars": ["v"]}, "results": {"bindings": [{"v": {"type": "literal", "value": ""}}]}}
                answer["results"]["bindings"][0]["v"]["value"] = script.data
                media, body = JSON, json.dumps(answer).encode()
                if script.answer:
                    media, body, headers = script.answer
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                for line in value.split("\n"):
                    self.send_header(name, line)
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield script, f"http://127.0.0.1:{server.server_port}/sparql"
    server.shutdown()
    server.server_close()


def ask(url: str, query: str, **task: object) -> engines.QueryAnswer:
    async def scenario() -> engines.QueryAnswer:
        remote = engines.RemoteEngine(Settings(backend=url, timeout=20))
        try:
            task.setdefault("accept", JSON)
            return await remote.run(QueryTask(query=query, **task), 20)  # type: ignore[arg-type]
        finally:
            await remote.close()

    return asyncio.run(scenario())


def value(answer: engines.QueryAnswer) -> str:
    assert answer.status == 200, answer.error
    return json.loads(answer.body)["results"]["bindings"][0]["v"]["value"]


def test_no_query_is_sent_while_a_switch_is_marked(engine):
    script, url = engine
    script.mark, script.data = "v2", "half-switched"

    def settle(reads: int) -> None:
        if reads == 3:  # the engine polled the marked record: the switch ends
            assert script.queries == []
            script.versions, script.mark, script.data = ["v2"], None, "v2"

    script.on_marked_read = settle
    assert value(ask(url, "SELECT ?v WHERE { ?s ?p ?v }")) == "v2"
    assert len(script.queries) == 1


def test_an_answer_that_overlapped_a_switch_is_asked_again(engine, monkeypatch):
    script, url = engine
    monkeypatch.setattr(vocab, "SWITCH_NOTICE", 0.0)  # every answer is checked against a read of the record

    def switch_begins() -> None:
        if len(script.queries) == 1:  # the first answer is computed while the publish moves graphs
            script.mark, script.data = "v2", "half-switched"

    def switch_ends(reads: int) -> None:
        if reads == 2:
            script.versions, script.mark, script.data = ["v2"], None, "v2"

    script.on_query, script.on_marked_read = switch_begins, switch_ends
    assert value(ask(url, "SELECT ?v WHERE { ?s ?p ?v }")) == "v2"
    assert len(script.queries) == 2  # the half-switched answer was dropped


def test_an_answer_whose_version_cannot_be_confirmed_is_a_502(engine, monkeypatch):
    script, url = engine
    monkeypatch.setattr(vocab, "SWITCH_NOTICE", 0.0)

    def record_fails() -> None:
        script.record_status = 500

    script.on_query = record_fails
    answer = ask(url, "SELECT ?v WHERE { ?s ?p ?v }")
    assert answer.status == 502 and "could not be read to confirm" in (answer.error or "")


def test_an_answer_within_the_notice_needs_no_second_read(engine):
    script, url = engine
    reads = []
    script.on_marked_read = reads.append
    assert value(ask(url, "SELECT ?v WHERE { ?s ?p ?v }")) == "v1"
    assert len(script.queries) == 1 and reads == []


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("SELECT ?v WHERE { ?s ?p ?v }", False),
        ("SELECT ?v WHERE { GRAPH ?g { ?s ?p ?v } }", True),
        ("SELECT ?v WHERE { ?s ?p ?v FILTER EXISTS { graph ?g { ?s ?p ?v } } }", True),
        ("DESCRIBE <https://w3id.org/tehkg/id/org/miprof>", True),
        ("SELECT ?v WHERE { ?s <http://example.org/graph> ?v } # GRAPH in a comment", False),
    ],
)
def test_the_published_graphs_go_with_the_queries_that_read_named_graphs(engine, query, named):
    script, url = engine
    answer = ask(url, query)
    assert answer.status == 200, answer.error
    sent = script.queries[0]
    assert sent["default-graph-uri"] == [vocab.PUBLISHED_DEFAULT_GRAPH]
    assert sent.get("named-graph-uri") == (script.graphs if named else None)


def test_a_query_naming_its_own_dataset_gets_no_other(engine):
    """The query's FROM goes as the protocol's dataset (which an engine takes over the query's), so that the merge
    it names is read where the engine holds it."""
    script, url = engine
    script.graphs.append("https://w3id.org/tehkg/graph/b")
    ask(url, "SELECT ?v FROM <https://w3id.org/tehkg/graph/a> WHERE { ?s ?p ?v }")
    ask(url, "SELECT ?v WHERE { ?s ?p ?v }", default_graphs=["https://w3id.org/tehkg/graph/b"])
    assert script.queries[0]["default-graph-uri"] == ["https://w3id.org/tehkg/graph/a"]
    assert "named-graph-uri" not in script.queries[0]
    assert script.queries[1]["default-graph-uri"] == ["https://w3id.org/tehkg/graph/b"]


def test_the_merge_is_read_where_the_record_says_the_engine_holds_it(engine):
    script, url = engine
    script.merge = f"{RECORD}/v1/default"
    ask(url, "SELECT ?v WHERE { ?s ?p ?v }")
    ask(url, f"SELECT ?v FROM <{vocab.PUBLISHED_DEFAULT_GRAPH}> WHERE {{ ?s ?p ?v }}")
    ask(url, "SELECT ?v WHERE { ?s ?p ?v }", default_graphs=[vocab.PUBLISHED_DEFAULT_GRAPH])
    assert [sent["default-graph-uri"] for sent in script.queries] == [[script.merge]] * 3
    as_named = ask(url, f"SELECT ?v FROM NAMED <{vocab.PUBLISHED_DEFAULT_GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?v }} }}")
    assert as_named.status == 400 and "not a published graph" in (as_named.error or "")  # the merge is no named graph


def test_virtuoso_gets_the_graphs_a_query_names_or_its_graph_patterns_restricted(engine):
    """Virtuoso compiles a dataset of at most about 2 000 named graphs (and refuses more as if the query were
    wrong): over a publication, whatever its number of graphs, it gets those a query's GRAPH patterns name, or, for a
    GRAPH ?var or a graph not published, none and the patterns restricted to the graphs the record lists; a
    DESCRIBE reads the merge; other engines get the named graphs."""
    script, url = engine
    script.graphs = [f"{vocab.GRAPH_BASE}g{i}" for i in range(3000)]
    assert value(ask(url, "SELECT ?v WHERE { GRAPH ?g { ?s ?p ?v } }")) == "v1"  # an engine of another make first
    assert len(script.queries[-1]["named-graph-uri"]) == 3000
    script.server = "Virtuoso/07.20.3240 (Linux) x86_64-pc-linux-gnu"
    query = "SELECT ?v WHERE { GRAPH ?g { ?s ?p ?v } }"
    assert value(ask(url, query)) == "v1"
    sent = script.queries[-1]
    assert "named-graph-uri" not in sent and sent["default-graph-uri"] == [vocab.PUBLISHED_DEFAULT_GRAPH]
    assert sent["query"] == [restrict_graphs(query, RECORD)] != [query]
    named_one = f"PREFIX g: <{vocab.GRAPH_BASE}> SELECT ?v WHERE {{ GRAPH g:g7 {{ ?s ?p ?v }} }}"
    assert value(ask(url, named_one)) == "v1"
    sent = script.queries[-1]
    assert sent["query"] == [named_one] and sent["named-graph-uri"] == [f"{vocab.GRAPH_BASE}g7"]
    unpublished = f"SELECT ?v WHERE {{ GRAPH <{vocab.GRAPH_BASE}stage> {{ ?s ?p ?v }} }}"
    ask(url, unpublished)
    assert script.queries[-1]["query"] == [restrict_graphs(unpublished, RECORD)] != [unpublished]
    assert "named-graph-uri" not in script.queries[-1]
    ask(url, "DESCRIBE <https://w3id.org/tehkg/id/x>")
    ask(url, "SELECT ?v WHERE { ?s ?p ?v }")
    assert [sent.get("named-graph-uri") for sent in script.queries[-2:]] == [None, None]
    named = f"SELECT ?v FROM NAMED <{vocab.GRAPH_BASE}g1> WHERE {{ GRAPH ?g {{ ?s ?p ?v }} }}"
    ask(url, named)  # a dataset of the query's own: as written
    assert script.queries[-1]["query"] == [named] and script.queries[-1]["named-graph-uri"] == [f"{vocab.GRAPH_BASE}g1"]


UNPUBLISHED = "https://w3id.org/tehkg/graph/stage-v2"


@pytest.mark.parametrize(
    ("query", "dataset"),
    [
        (f"SELECT ?v FROM <{UNPUBLISHED}> WHERE {{ ?s ?p ?v }}", {}),
        (f"SELECT ?v FROM NAMED <{UNPUBLISHED}> WHERE {{ GRAPH ?g {{ ?s ?p ?v }} }}", {}),
        ("SELECT ?v WHERE { ?s ?p ?v }", {"default_graphs": [UNPUBLISHED]}),
        ("SELECT ?v WHERE { GRAPH ?g { ?s ?p ?v } }", {"named_graphs": [UNPUBLISHED]}),
    ],
)
def test_graphs_that_are_not_published_cannot_be_read(engine, query, dataset):
    """Finding: over --backend, co-hosted graphs and a stage not yet switched were readable through the dataset."""
    script, url = engine
    answer = ask(url, query, **dataset)
    assert answer.status == 400 and answer.error.startswith(f"not a published graph: {UNPUBLISHED}")
    assert script.queries == []


@pytest.mark.parametrize(
    "query",
    [
        'SELECT (bif:http_get("http://127.0.0.1:1/x") AS ?x) WHERE {}',
        'PREFIX bif: <bif:> SELECT (bif:http_get("http://127.0.0.1:1/x") AS ?x) WHERE {}',
        'SELECT (STRLEN(<bif:repeat>("x", 4000000)) AS ?n) WHERE {}',
        "PREFIX sql: <sql:> SELECT (sql:f() AS ?x) WHERE {}",
        'SELECT (<http://example.org/any-extension>("x") AS ?x) WHERE {}',
        "SELECT * WHERE { ?s <bif:contains> 'x' }",
        'DEFINE input:inference "x" SELECT * WHERE { ?s ?p ?o }',
        "SELECT * WHERE { ?s ?p ?o } OPTION (QUIETCAST)",
        "INSERT DATA { <http://a> <http://b> <http://c> }",
    ],
)
def test_only_sparql_11_reaches_the_engine(engine, query):
    """Findings (critical, high): engine functions (bif:http_get, bif:repeat) and pragmas passed through --backend."""
    script, url = engine
    answer = ask(url, query)
    assert answer.status == 400 and answer.error, answer
    assert script.queries == []


def test_casts_and_builtins_reach_the_engine(engine):
    script, url = engine
    query = 'SELECT (xsd:integer("1") AS ?v) (STRLEN("ab") AS ?n) WHERE {}'
    answer = ask(url, "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> " + query)
    assert answer.status == 200, answer.error
    assert len(script.queries) == 1


VIRTUOSO_JSON = {
    "head": {"link": [], "vars": ["s", "label", "n", "missing"]},
    "results": {
        "distinct": False,
        "ordered": True,
        "bindings": [
            {
                "n": {"type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#integer", "value": "01"},
                "s": {"type": "bnode", "value": "nodeID://b10007"},
                "label": {"type": "literal", "xml:lang": "FR", "value": "Mesure « 1 »"},
            },
            {
                "s": {"type": "uri", "value": "https://w3id.org/tehkg/id/org/miprof"},
                "label": {"type": "typed-literal", "datatype": serializers.XSD_STRING, "value": "plain"},
            },
            {"s": {"type": "uri", "value": "https://w3id.org/tehkg/id/org/dgcs"}},
        ],
    },
}


def test_the_engines_json_comes_out_as_the_embedded_store_writes_it(engine):
    script, url = engine
    content = json.dumps(VIRTUOSO_JSON).encode()
    script.answer = (JSON, content, {})
    answer = ask(url, "SELECT * WHERE { ?s ?p ?o }", max_rows=2)
    parsed = ox.parse_query_results(content.replace(b'"nodeID://', b'"'), format=ox.QueryResultsFormat.JSON)
    variables = [v.value for v in parsed.variables]
    rows = [[solution[v] for v in variables] for solution in parsed]
    assert answer.body == serializers.select(JSON, variables, rows[:2], truncated=True)
    assert (answer.count, answer.truncated) == (2, True)


def test_hundreds_of_response_headers_are_read(engine):
    script, url = engine
    body = json.dumps({"head": {"vars": ["v"]}, "results": {"bindings": []}}).encode()
    graphs = "\n".join(f"https://w3id.org/tehkg/graph/plan-{i}" for i in range(600))
    script.answer = (JSON, body, {"X-SPARQL-named-graph": graphs})  # Virtuoso echoes every named graph
    assert ask(url, "SELECT ?v WHERE { GRAPH ?g { ?s ?p ?v } }").status == 200


@pytest.mark.parametrize("cap", ["9" * 5000, "\u00b2", "-1", ""])
def test_a_cap_of_rows_that_is_no_plain_number_is_ignored(engine, cap):
    """Whatever an engine writes in the header that says it cut an answer, the answer is read: a cap is a plain
    number of ASCII digits (Python reads "\u00b2" as a digit, and refuses to read 5 000 digits as an int)."""
    script, url = engine
    body = json.dumps({"head": {"vars": ["v"]}, "results": {"bindings": [{"v": {"type": "literal", "value": "x"}}]}})
    script.answer = (JSON, body.encode(), {vocab.ENGINE_CUT_HEADER: cap})
    answer = ask(url, "SELECT ?v WHERE { ?s ?p ?v }")
    assert (answer.status, answer.count, answer.truncated, answer.row_limit) == (200, 1, False, None)


def test_an_answer_the_engine_cut_is_truncated_at_its_cap(engine):
    script, url = engine
    rows = [{"v": {"type": "literal", "value": str(i)}} for i in range(2)]
    script.answer = (JSON, json.dumps({"head": {"vars": ["v"]}, "results": {"bindings": rows}}).encode(), {})
    assert ask(url, "SELECT ?v WHERE { ?s ?p ?v }").truncated is False
    script.answer = (JSON, script.answer[1], {vocab.ENGINE_CUT_HEADER: "2"})
    answer = ask(url, "SELECT ?v WHERE { ?s ?p ?v }")
    assert (answer.count, answer.truncated, answer.row_limit) == (2, True, 2)


def test_an_answer_larger_than_the_bound_is_a_502(engine, monkeypatch):
    script, url = engine
    monkeypatch.setattr(engines, "ANSWER_BYTES", 1000)
    rows = [{"v": {"type": "literal", "value": "x" * 100}}] * 20
    script.answer = (JSON, json.dumps({"head": {"vars": ["v"]}, "results": {"bindings": rows}}).encode(), {})
    answer = ask(url, "SELECT ?v WHERE { ?s ?p ?v }")
    assert answer.status == 502 and "exceeds" in (answer.error or "")


def test_close_closes_the_http_client(engine):
    _, url = engine

    async def scenario() -> bool:
        remote = engines.RemoteEngine(Settings(backend=url))
        await remote.run(QueryTask(query="ASK {}", accept=JSON), 5)
        session = remote._client()
        await remote.close()
        return session.closed

    assert asyncio.run(scenario())


def test_a_failed_switch_takes_its_mark_back(tmp_path, monkeypatch):
    """The publisher's side: the graphs streamed, then the mark, then the switch; when the switch fails, one last
    update deletes the mark, the pending entries and the graphs of the failed version, so readers are held no
    longer and nothing of it stays."""
    from tehkg.loader import publish
    from tests.conftest import FIXTURES

    updates: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _answer(self, status: int, body: bytes = b"", media: str = "text/plain") -> None:
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802 - the handler's interface
            body = self.rfile.read(int(self.headers["content-length"]))
            if self.path.startswith("/store"):  # a chunk of triples
                self._answer(201)
                return
            form = parse_qs(body.decode())
            if "query" in form:  # the record (empty) and the statistics (counts of nothing)
                counted = "(COUNT(" in form["query"][0] and "GROUP BY" not in form["query"][0]
                rows = [{"n": {"type": "literal", "value": "0"}}] if counted else []
                self._answer(200, json.dumps({"head": {"vars": ["n"]}, "results": {"bindings": rows}}).encode(), JSON)
                return
            updates.append(form["update"][0])
            self._answer(500 if "versionInfo" in updates[-1] else 200, b"the switch failed")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    monkeypatch.setenv("TEHKG_TARGET_UPDATE", base + "/update")
    monkeypatch.setattr(vocab, "SWITCH_NOTICE", 0.0)
    try:
        with pytest.raises(publish.PublishFailed, match="the switch to the new version answered 500"):
            publish.publish([FIXTURES / "valid"], base + "/store", validate=False)
    finally:
        server.shutdown()
        server.server_close()
    *_, mark, switch, cleanup = updates
    assert mark.startswith("INSERT DATA") and f"<{vocab.DCTERMS}isReplacedBy>" in mark
    assert switch.index("INSERT DATA") < switch.index("DELETE {")  # the record is never empty
    assert cleanup.startswith("DELETE DATA") and mark[len("INSERT DATA") :] in cleanup
    listed_as_pending = re.compile(f"<{re.escape(vocab.DCTERMS)}hasPart> <([^>]+)>")
    pending = [g for u in updates[: updates.index(mark)] for g in listed_as_pending.findall(u)]
    assert pending and all(f"DROP SILENT GRAPH <{graph}>" in cleanup for graph in pending)


def many_rows(count: int) -> bytes:
    rows = [{"v": {"type": "literal", "value": f"row {i}"}} for i in range(count)]
    return json.dumps({"head": {"link": [], "vars": ["v"]}, "results": {"bindings": rows}}).encode()


def test_a_long_answer_is_read_only_up_to_the_row_past_the_cap(engine, monkeypatch):
    """An answer of 100 000 rows, over the bound of bytes read from the engine, is answered cut at the cap: its
    rows are counted as they arrive and the rest is left unread."""
    script, url = engine
    content = many_rows(100_000)
    monkeypatch.setattr(engines, "ANSWER_BYTES", len(content) // 4)
    script.answer = (JSON, content, {})
    answer = ask(url, "SELECT ?v WHERE { ?s ?p ?v }", max_rows=10)
    assert (answer.status, answer.count, answer.truncated) == (200, 10, True)
    rows = [[ox.Literal(f"row {i}")] for i in range(10)]
    assert answer.body == serializers.select(JSON, ["v"], rows, truncated=True)


def test_a_long_graph_is_read_only_up_to_the_triple_past_the_cap(engine, monkeypatch):
    script, url = engine
    lines = "".join(f'<http://example.org/s{i}> <http://example.org/p> "{i}" .\n' for i in range(100_000))
    monkeypatch.setattr(engines, "ANSWER_BYTES", len(lines) // 4)
    script.answer = ("application/n-triples", lines.encode(), {})
    answer = ask(url, "CONSTRUCT WHERE { ?s ?p ?o }", max_rows=5, accept="application/n-triples")
    assert (answer.status, answer.count, answer.truncated) == (200, 5, True)
    assert answer.body.decode().splitlines() == lines.splitlines()[:5]


@pytest.mark.parametrize("count", [0, 3, 4])
def test_an_answer_within_the_cap_is_whole(engine, count):
    script, url = engine
    script.answer = (JSON, many_rows(count), {})
    answer = ask(url, "SELECT ?v WHERE { ?s ?p ?v }", max_rows=4)
    assert (answer.status, answer.count, answer.truncated) == (200, count, False)
    assert [b["v"]["value"] for b in json.loads(answer.body)["results"]["bindings"]] == [
        f"row {i}" for i in range(count)
    ]


def test_a_head_after_the_bindings_is_read_whole(engine):
    script, url = engine
    rows = [{"v": {"type": "literal", "value": f"row {i}"}} for i in range(30)]
    script.answer = (JSON, json.dumps({"results": {"bindings": rows}, "head": {"vars": ["v"]}}).encode(), {})
    answer = ask(url, "SELECT ?v WHERE { ?s ?p ?v }", max_rows=10)
    assert (answer.status, answer.count, answer.truncated) == (200, 10, True)


def test_answers_are_rewritten_off_the_event_loop(engine, monkeypatch):
    """Finding (low): a 500 000-row answer was parsed on the event loop, stalling every other request 2.35 s."""
    threads = []
    rewrite = engines._reserialise

    def recorded(task, reply):
        threads.append(threading.current_thread() is threading.main_thread())
        return rewrite(task, reply)

    monkeypatch.setattr(engines, "_reserialise", recorded)
    _, url = engine
    assert value(ask(url, "SELECT ?v WHERE { ?s ?p ?v }")) == "v1"
    assert threads == [False]


def capped_engine(rows: int, cap: int, honours_offset: bool) -> httpx.MockTransport:
    """An engine holding ``rows`` rows of ``GROUP BY ?g``, cutting each answer at ``cap`` rows and saying so in its
    header, as Virtuoso does; OFFSET honoured or not."""
    import httpx

    def handle(request: httpx.Request) -> httpx.Response:
        query = parse_qs(request.content.decode())["query"][0]
        paged = re.search(r"LIMIT (\d+) OFFSET (\d+)", query)
        start = int(paged.group(2)) if paged and honours_offset else 0
        values = [f"https://example.org/g{i:04d}" for i in range(rows)][start : start + cap]
        bindings = [{"g": {"type": "uri", "value": v}, "n": {"type": "literal", "value": "1"}} for v in values]
        body = {"head": {"vars": ["g", "n"]}, "results": {"bindings": bindings}}
        return httpx.Response(200, json=body, headers={vocab.ENGINE_CUT_HEADER: str(cap)})

    return httpx.MockTransport(handle)


@pytest.mark.parametrize("rows", [25, 30])
def test_the_publishers_statistics_page_past_the_engines_cap(rows):
    from tehkg.loader import publish

    client = httpx.Client(transport=capped_engine(rows, cap=10, honours_offset=True))
    publication = publish.Publication(client, "http://engine/store", "http://engine/update", "http://engine/q", NOW)
    got = publication._select_all("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", "?g")
    assert [g for g, _ in got] == [f"https://example.org/g{i:04d}" for i in range(rows)]


def test_an_engine_that_ignores_offset_fails_the_publish_instead_of_paging_forever():
    from tehkg.loader import publish

    client = httpx.Client(transport=capped_engine(25, cap=10, honours_offset=False))
    publication = publish.Publication(client, "http://engine/store", "http://engine/update", "http://engine/q", NOW)
    with pytest.raises(publish.PublishFailed, match="does not honour OFFSET"):
        publication._select_all("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", "?g")
