"""tehkg over Virtuoso 7: ``build --target`` publishes to it, ``serve --backend`` answers from it.

One private Virtuoso for the module (its own ini and database, loopback ports, ``make virtuoso-deps``
installs it); the shipped data is published through its authenticated Graph Store and every competency
question is asked through ``tehkg serve --backend`` with the answers the embedded store gives.
"""

import os
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from tehkg import vocab
from tehkg.loader import publish as publish_module
from tehkg.loader.store_layout import current_store
from tests import virtuoso
from tests.competency import all_questions, answer, render
from tests.conftest import FIXTURES, PROJECT_ROOT, free_port, start_serve, stop
from tests.virtuoso import STAGES, VIRTUOSO_DIVERGES

pytestmark = pytest.mark.skipif(
    not virtuoso.available(),
    reason="virtuoso-t/isql-vt not on PATH and not installable here (`make virtuoso-deps` installs them with apt)",
)

QUESTIONS = all_questions()
VALID = FIXTURES / "valid"
MEASURES = "SELECT (COUNT(*) AS ?n) WHERE { ?m a <https://w3id.org/tehkg/ontology#Measure> }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ENGINE_LIMIT = 20  # seconds: Virtuoso's own MaxQueryExecutionTime, the ceiling behind every deadline
CREDENTIALS = {"TEHKG_TARGET_USER": virtuoso.DBA[0], "TEHKG_TARGET_PASSWORD": virtuoso.DBA[1]}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[virtuoso.Virtuoso]:
    server = virtuoso.Virtuoso(tmp_path_factory.mktemp("virtuoso"), sparql={"MaxQueryExecutionTime": ENGINE_LIMIT})
    server.start(seconds=120)
    yield server
    server.stop()


def publish(engine: virtuoso.Virtuoso, *args: str | Path, **env: str) -> subprocess.CompletedProcess:
    """``tehkg build --target`` the engine's authenticated Graph Store."""
    target = engine.base + "/sparql-graph-crud-auth"
    return subprocess.run(
        [sys.executable, "-m", "tehkg.cli", "build", *map(str, args), "--target", target],
        cwd=PROJECT_ROOT,
        env={**os.environ, **CREDENTIALS, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def serve(backend: str, log_dir: Path, ready: str = "/health") -> tuple[subprocess.Popen, str]:
    """``tehkg serve --backend`` on a free loopback port."""
    return start_serve(["--backend", backend], log_dir, ready)


@pytest.fixture(scope="module")
def embedded(shipped_store: Path) -> ox.Store:
    """The embedded store built from the same sources: the answers to match."""
    return ox.Store.read_only(str(current_store(shipped_store)))


def measures(store: ox.Store) -> list[str]:
    return [next(iter(store.query(MEASURES)))["n"].value]


@pytest.fixture(scope="module")
def published(engine: virtuoso.Virtuoso) -> subprocess.CompletedProcess:
    done = publish(engine)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def tehkg_over(engine: virtuoso.Virtuoso, published, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    process, base = serve(engine.base + "/sparql", tmp_path_factory.mktemp("serve"))
    yield base
    stop(process)


def rows(response: httpx.Response) -> list[str]:
    """A JSON results answer rendered as the competency questions write their expected lines."""
    parsed = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
    if isinstance(parsed, ox.QueryBoolean):
        return [str(bool(parsed)).lower()]
    return [" | ".join(render(row[v]) for v in parsed.variables) for row in parsed]


def ask(base: str, query: str, **params: str) -> httpx.Response:
    return httpx.post(
        base + "/sparql",
        data={"query": query, **params},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )


def test_publish_names_no_credentials(published):
    assert "published version" in published.stdout
    for secret in CREDENTIALS.values():
        assert secret not in published.stdout + published.stderr


def divergence(question) -> pytest.MarkDecorator | tuple:
    reason = VIRTUOSO_DIVERGES.get(question.name)
    return pytest.mark.xfail(reason=reason, strict=True) if reason else ()


@pytest.mark.parametrize(
    "question", [pytest.param(q, marks=divergence(q)) for q in QUESTIONS], ids=[q.name for q in QUESTIONS]
)
def test_question(tehkg_over, embedded, question):
    response = ask(tehkg_over, question.query)
    assert response.status_code == 200, response.text
    got, expected = rows(response), answer(embedded, question)
    assert (got if question.ordered else sorted(got)) == (expected if question.ordered else sorted(expected))


# two joined subqueries, the second filtered by an EXISTS that nothing matches: Virtuoso 7.2 drops that filter
# (measured: 68 | 68; asked alone, the second subquery counts 0)
NESTED_EXISTS = (
    f"SELECT ?all ?kept WHERE {{ {{ SELECT (COUNT(*) AS ?all) WHERE {{ ?x a <{vocab.TEH}Measure> }} }} "
    f"{{ SELECT (COUNT(*) AS ?kept) WHERE {{ ?y a <{vocab.TEH}Measure> "
    f"FILTER EXISTS {{ ?y a <{vocab.TEH}NoSuchClass> }} }} }} }}"
)


@pytest.mark.xfail(reason="Virtuoso 7.2 drops a FILTER EXISTS inside one of two joined subqueries", strict=True)
def test_an_exists_filter_in_a_joined_subquery(tehkg_over, embedded):
    """A divergence of the engine that tehkg does not work around, recorded: the day Virtuoso answers it right, this
    test fails (strict) and the README's list of divergences must lose it."""
    expected = [" | ".join(render(row[v]) for v in ("all", "kept")) for row in embedded.query(NESTED_EXISTS)]
    assert expected[0].endswith(" | 0")
    assert rows(ask(tehkg_over, NESTED_EXISTS)) == expected


def test_default_graph_is_a_set(engine, tehkg_over, embedded):
    assert rows(ask(tehkg_over, MEASURES)) == measures(embedded)
    # the engine's own default graph is the bag of all its graphs: the check above can fail
    assert int(rows(ask(engine.base, MEASURES))[0]) > int(measures(embedded)[0])


def test_graphs_are_those_published(tehkg_over, embedded):
    """The engine holds more graphs (the merge, the record, its own): a GRAPH ?g query, its patterns restricted in
    its text to the published graphs, reads those alone — through a third-party client with its defaults too."""
    expected = [render(ox.NamedNode(g)) for g in sorted(g.value for g in embedded.named_graphs())]
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    assert rows(ask(tehkg_over, query)) == expected
    client = SPARQLWrapper(tehkg_over + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(JSON)
    bindings = client.query().convert()["results"]["bindings"]
    assert [render(ox.NamedNode(b["g"]["value"])) for b in bindings] == expected


def test_pages_search_dump_and_dataset(tehkg_over, embedded):
    page = httpx.get(tehkg_over + "/id/plan/2019-2021/measure/1", headers={"Accept": "text/turtle"}, timeout=60)
    assert page.status_code == 200 and "plan/2019-2021/measure/1" in page.text
    hits = httpx.get(tehkg_over + "/search", params={"q": "Miprof"}, timeout=60).json()["results"]
    assert any(hit["path"].startswith("/id/") for hit in hits)
    dump = httpx.get(tehkg_over + "/dump.nq", timeout=120)
    assert dump.status_code == 200
    named = {q for q in embedded.quads_for_pattern(None, None, None) if not isinstance(q.graph_name, ox.DefaultGraph)}
    served = set(ox.parse(dump.content, format=ox.RdfFormat.N_QUADS))
    assert len(served) == len(named)
    metadata = ox.NamedNode(vocab.METADATA_GRAPH)  # statistics carry the time of their build

    def ground(quads: set[ox.Quad]) -> set[ox.Quad]:  # blank node labels are the engine's
        return {q for q in quads if q.graph_name != metadata and not {type(q.subject), type(q.object)} & {ox.BlankNode}}

    assert ground(served) == ground(named)
    record = httpx.get(tehkg_over + "/dataset", headers={"Accept": "text/turtle"}, timeout=60)
    assert record.status_code == 200 and vocab.DATASET_IRI in record.text


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", "application/sparql-results+json"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples"),
    ],
)
def test_an_answer_past_the_cap_is_cut_there(tehkg_over, embedded, query, accept):
    """Virtuoso's answer (every triple of the merge, more than the cap) is read up to the row past the cap."""
    cap = 10_000  # TEHKG_MAX_ROWS's default
    assert len(embedded) > cap
    response = httpx.post(tehkg_over + "/sparql", data={"query": query}, headers={"Accept": accept}, timeout=60)
    assert response.status_code == 200, response.text
    assert response.headers["tehkg-truncated"] == "true" and response.headers["tehkg-result-count"] == str(cap)
    if accept == "application/n-triples":
        assert len(list(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))) == cap
    else:
        assert len(response.json()["results"]["bindings"]) == cap and response.json()["truncated"] is True


def test_service_is_refused_before_the_engine(tehkg_over):
    response = ask(tehkg_over, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert response.status_code == 403 and response.json()["error"] == "service-refused"


def test_bad_query_is_the_clients_fault(tehkg_over):
    response = ask(tehkg_over, "SELECT ?x WHERE { BIND(1 AS ?x) BIND(2 AS ?x) }")
    assert response.status_code == 400 and response.json()["error"] == "bad-query"


def test_deadline_stops_the_engine_too(engine, tehkg_over):
    response = ask(tehkg_over, RUNAWAY, timeout="2")
    assert response.status_code == 503 and response.json()["error"] == "timeout"
    assert engine_goes_idle(engine, within=ENGINE_LIMIT / 2)  # well before Virtuoso's own ceiling


def engine_goes_idle(engine: virtuoso.Virtuoso, within: float) -> bool:
    """Whether the engine spends under 5% of a core over some half second before ``within`` s pass."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        before = engine.cpu_seconds()
        time.sleep(0.5)
        if engine.cpu_seconds() - before < 0.025:
            return True
    return False


def test_new_version_changes_the_etag_and_a_failed_publish_changes_nothing(engine, tehkg_over, embedded):
    first = ask(tehkg_over, MEASURES)
    version = httpx.get(tehkg_over + "/health", timeout=30).json()["store"]
    assert version and first.headers["etag"] == ask(tehkg_over, MEASURES).headers["etag"]
    # the first update of the publish is refused (the anonymous /sparql may not update): nothing changes
    refused = publish(engine, "--no-validate", VALID, TEHKG_TARGET_UPDATE=engine.base + "/sparql")
    assert refused.returncode == 3 and "as pending answered 500" in refused.stderr, refused.stderr
    mark = f"ASK {{ GRAPH <{vocab.PUBLICATION_GRAPH}> {{ ?record <{vocab.DCTERMS}isReplacedBy> ?next }} }}"
    assert rows(ask(engine.base, mark)) == ["false"]  # readers are not held
    assert rows(ask(tehkg_over, MEASURES)) == measures(embedded)
    wrong = publish(engine, "--no-validate", VALID, TEHKG_TARGET_PASSWORD="not-the-password")
    assert wrong.returncode == 3 and "not-the-password" not in wrong.stderr + wrong.stdout
    assert rows(ask(tehkg_over, MEASURES)) == measures(embedded)
    assert publish(engine, "--no-validate", VALID).returncode == 0  # a smaller dataset: one measure
    assert poll(lambda: rows(ask(tehkg_over, MEASURES)) == ["1"])
    assert httpx.get(tehkg_over + "/health", timeout=30).json()["store"] != version
    assert ask(tehkg_over, MEASURES).headers["etag"] != first.headers["etag"]
    assert rows(ask(engine.base, STAGES)) == []  # the refused publish's stages went with the next switch
    assert publish(engine).returncode == 0
    assert poll(lambda: rows(ask(tehkg_over, MEASURES)) == measures(embedded))


def poll(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_engine_down_is_a_503(tmp_path):
    process, base = serve(f"http://127.0.0.1:{free_port()}/sparql", tmp_path, ready="/context.jsonld")
    try:
        response = ask(base, "ASK {}")
        assert response.status_code in (502, 503) and "unreachable" in response.text
    finally:
        stop(process)


# the merge (default graph) and the named graphs in one answer: equal counts unless versions mix
CONSISTENT = (
    "SELECT ?merged ?named WHERE { { SELECT (COUNT(*) AS ?merged) WHERE { ?x a <%s> } } "
    "{ SELECT (COUNT(DISTINCT ?y) AS ?named) WHERE { GRAPH ?g { ?y a <%s> } } } }"
) % ((vocab.TEH + "Measure",) * 2)


def test_two_replicas_serve_through_a_publish(engine, published, embedded, tmp_path):
    replicas = [serve(engine.base + "/sparql", tmp_path) for _ in range(2)]
    answers: list[tuple[int, str]] = []
    stop_event = threading.Event()

    def client(index: int) -> None:
        with httpx.Client(timeout=60) as session:
            n = 0
            while not stop_event.is_set() and n < 2000:
                n += 1
                base = replicas[(index + n) % 2][1]
                body = {"query": f"# {index}-{n}\n{CONSISTENT}"}  # unique: no cache answers
                r = session.post(base + "/sparql", data=body, headers={"Accept": "application/sparql-results+json"})
                answers.append((r.status_code, " | ".join(rows(r)) if r.status_code == 200 else r.text[:200]))

    clients = [threading.Thread(target=client, args=(i,)) for i in range(4)]
    try:
        for thread in clients:
            thread.start()
        assert publish(engine, "--no-validate", VALID).returncode == 0
        assert poll(lambda: answers and answers[-1][1] == "1 | 1")
        assert publish(engine).returncode == 0
        full = measures(embedded)[0]
        assert poll(lambda: answers[-1][1] == f"{full} | {full}")
    finally:
        stop_event.set()
        for thread in clients:
            thread.join(60)
        for process, _ in replicas:
            stop(process)
    assert {status for status, _ in answers} == {200}, {text for status, text in answers if status != 200}
    assert {value for _, value in answers} == {"1 | 1", f"{full} | {full}"}


def test_a_publish_failing_midway_leaves_the_served_version_answering(engine, tehkg_over, embedded, monkeypatch):
    """The engine refuses the third chunk of a publish: the version served before answers, and nothing of the
    failed one is left (its stages, its new graphs, its entries in the record)."""
    before = record_of(engine)
    monkeypatch.setattr(publish_module, "CHUNK_TRIPLES", 20)
    sent = Chunks(refuse_from=3)
    monkeypatch.setattr(publish_module, "_send", sent)
    with pytest.raises(publish_module.PublishFailed, match="answered 404"):
        publish_in_process(engine, monkeypatch, VALID)
    # it stopped at the refused request (those already in flight end first)
    assert 3 <= len(sent.sizes) <= 3 + publish_module.REQUESTS_IN_FLIGHT
    assert record_of(engine) == before
    assert rows(ask(engine.base, STAGES)) == []
    new_graph = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/tehkg/graph/test-registry> { ?s ?p ?o } }"
    assert rows(ask(engine.base, new_graph)) == ["0"]
    assert rows(ask(tehkg_over, MEASURES)) == measures(embedded)


def test_publish_streams_in_bounded_chunks(engine, tehkg_over, embedded, monkeypatch):
    """Each request of the stream carries at most CHUNK_TRIPLES triples (the publisher holds no more than
    BUFFERED_TRIPLES and the requests in flight), and together they carry every triple of the sources. The lines
    of graphs that fill no request when the buffer is full are set aside, so each graph still gets full requests
    but its last (sent as the buffer filled, a dump of interleaved graphs made thousands of small requests)."""
    monkeypatch.setattr(publish_module, "CHUNK_TRIPLES", 20)
    monkeypatch.setattr(publish_module, "BUFFERED_TRIPLES", 30)
    sent = Chunks()
    monkeypatch.setattr(publish_module, "_send", sent)
    before_switch, streamed_requests = [], []
    switch, merge = publish_module.Publication._switch, publish_module.Publication._merge

    def served_merge_then_switch(self, differences):  # what the served merge says once all is staged
        before_switch.append(rows(ask(engine.base, MEASURES, **{"default-graph-uri": engine.served_merge()})))
        return switch(self, differences)

    def count_streamed_then_merge(self):  # the requests of the stream, before the statistics'
        streamed_requests.append(len(sent.sizes))
        return merge(self)

    monkeypatch.setattr(publish_module.Publication, "_switch", served_merge_then_switch)
    monkeypatch.setattr(publish_module.Publication, "_merge", count_streamed_then_merge)
    source = ox.Dataset(ox.parse(path=str(VALID / "mini.trig")))
    published = publish_in_process(engine, monkeypatch, VALID)
    assert before_switch == [measures(embedded)]  # the served version untouched until the switch
    streamed = [n for n, blank in zip(sent.sizes, sent.blank, strict=True) if not blank]
    ground = sum(1 for q in source if not {type(q.subject), type(q.object)} & {ox.BlankNode})
    assert max(streamed) <= 20 and len(streamed) >= ground / 20
    requests = defaultdict(list)  # each place's requests of the stream, in triples
    for place, n, blank in list(zip(sent.places, sent.sizes, sent.blank, strict=True))[: streamed_requests[0]]:
        if not blank:
            requests[place].append(n)
    assert all(sum(n < 20 for n in sizes) <= 1 for sizes in requests.values()), requests
    data = [q for q in source if q.graph_name.value != vocab.METADATA_GRAPH]  # which gets the statistics too
    assert sum(published[g] for g in {q.graph_name.value for q in data}) == len(data)
    assert poll(lambda: rows(ask(tehkg_over, MEASURES)) == ["1"])
    monkeypatch.undo()
    assert publish(engine).returncode == 0
    assert poll(lambda: rows(ask(tehkg_over, MEASURES)) == measures(embedded))


def test_a_publish_of_many_graphs_names_them_in_batches(engine, tehkg_over, embedded, monkeypatch, tmp_path):
    """Virtuoso refuses a VALUES or IN of some thousands of graphs and a request that makes too much SQL (a 10M
    publish has 4 279 graphs): the publisher names graphs in batches (``GRAPHS_AT_ONCE``, made small here), in
    the statistics, the grants, the differences applied by the switch and the record it writes."""
    monkeypatch.setattr(publish_module, "GRAPHS_AT_ONCE", 7)
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"

    def version(path: Path, graphs: range, text: str) -> Path:
        lines = [f'<{vocab.ID_BASE}x/{i}> {label} "{text} {i}" <{vocab.GRAPH_BASE}many-{i}> .\n' for i in graphs]
        path.write_text("".join(lines))
        return path

    first = publish_in_process(engine, monkeypatch, version(tmp_path / "first.nq", range(20), "first"))
    assert len(first) == 22  # the graphs, the metadata and the merge
    first_merge = engine.served_merge()
    second = publish_in_process(engine, monkeypatch, version(tmp_path / "second.nq", range(5, 30), "second"))
    # each version loads its own merge, which the switch names instead of copying it; the previous one is dropped
    assert engine.served_merge() != first_merge
    assert rows(ask(engine.base, f"ASK {{ GRAPH <{first_merge}> {{ ?s ?p ?o }} }}")) == ["false"]
    listed = rows(
        ask(
            engine.base, f"SELECT ?g WHERE {{ GRAPH <{vocab.PUBLICATION_GRAPH}> {{ ?r <{vocab.DCTERMS}hasPart> ?g }} }}"
        )
    )
    assert sorted(listed) == sorted(g for g in second if g != vocab.PUBLISHED_DEFAULT_GRAPH)
    labels = f"SELECT ?l WHERE {{ ?x {label} ?l }}"
    assert poll(lambda: sorted(rows(ask(tehkg_over, labels))) == sorted(f"second {i}" for i in range(5, 30)))
    monkeypatch.undo()
    assert publish(engine).returncode == 0
    assert poll(lambda: rows(ask(tehkg_over, MEASURES)) == measures(embedded))


def test_an_engine_that_caps_its_answers_is_read_whole_or_said_to_cut(monkeypatch, tmp_path):
    """Virtuoso cuts an answer at ResultSetMaxRows (10 000 as Debian ships it) and says so in a header only: the
    publisher reads the statistics (a row per graph and property) in pages, so that they count every triple, and
    ``--backend`` marks an answer the engine cut as truncated, as it does one past its own cap."""
    capped = virtuoso.Virtuoso(tmp_path / "capped", sparql={"ResultSetMaxRows": 10})
    capped.start(seconds=120)
    try:
        publish_in_process(capped, monkeypatch, VALID)
        source = ox.Dataset(ox.parse(path=str(VALID / "mini.trig")))
        void = "http://rdfs.org/ns/void#"
        total = f"SELECT ?n WHERE {{ GRAPH <{vocab.METADATA_GRAPH}> {{ <{vocab.DATASET_IRI}> <{void}triples> ?n }} }}"
        assert rows(ask(capped.base, total)) == [str(len(source))]
        per_graph = f"SELECT (SUM(?n) AS ?sum) WHERE {{ GRAPH <{vocab.METADATA_GRAPH}> {{ ?g <{void}triples> ?n }} }}"
        assert rows(ask(capped.base, per_graph)) == [str(3 * len(source))]  # the dataset, each graph, each property
        process, base = serve(capped.base + "/sparql", tmp_path)
        try:
            everything = ask(base, "SELECT * WHERE { ?s ?p ?o }")
            few = ask(base, "SELECT * WHERE { ?s ?p ?o } LIMIT 9")
            client = SPARQLWrapper(base + "/sparql")  # a third-party client, its defaults but JSON
            client.setQuery("SELECT * WHERE { ?s ?p ?o }")
            client.setReturnFormat(JSON)
            wrapped = client.query()
            wrapped_rows, wrapped_headers = wrapped.convert()["results"]["bindings"], wrapped.info()
        finally:
            stop(process)
        cut = (len(rows(everything)), everything.headers.get("tehkg-truncated"), everything.headers["tehkg-row-limit"])
        assert cut == (10, "true", "10")  # the engine's cap, not tehkg's
        assert (len(rows(few)), few.headers.get("tehkg-truncated")) == (9, None)
        assert (len(wrapped_rows), wrapped_headers["tehkg-truncated"], wrapped_headers["tehkg-row-limit"]) == cut
    finally:
        capped.stop()


# what a server thread's mode was (1: transactions, 3: row by row); the thread is set to 1 by the asking
THREAD_MODE = "SELECT (bif:log_enable(1, 1) AS ?mode) WHERE {}"


def test_a_row_by_row_update_leaves_its_server_thread_transactional(engine):
    """Virtuoso keeps ``DEFINE sql:log-enable 3`` on the server thread that ran it, and every load the thread serves
    later commits row by row, five to nine times slower (a 1M publish took 148 s instead of 37): the publisher's
    row-by-row updates set their thread back within the same request. The bare update shows the probe sees it."""
    update = engine.base + "/sparql-auth"
    with httpx.Client(auth=httpx.DigestAuth(*virtuoso.DBA), timeout=60) as client:

        def run(request: str) -> str:
            assert client.post(update, data={"update": request}).status_code == 200
            probe = client.post(
                update, data={"query": THREAD_MODE}, headers={"Accept": "application/sparql-results+json"}
            )
            return probe.json()["results"]["bindings"][0]["mode"]["value"]

        publication = publish_module.Publication(client, engine.base, update, update, datetime.now(UTC))
        publication.pool.shutdown()
        publication.virtuoso = True
        drop = "DROP SILENT GRAPH <https://w3id.org/tehkg/graph/publication/test/0>"
        assert run(publish_module.VIRTUOSO_ROW_BY_ROW + drop) == "3"
        assert run(publication._row_by_row(drop)) == "1"


def record_of(engine: virtuoso.Virtuoso) -> list[str]:
    return sorted(
        rows(ask(engine.base, f"SELECT ?s ?p ?o WHERE {{ GRAPH <{vocab.PUBLICATION_GRAPH}> {{ ?s ?p ?o }} }}"))
    )


class Chunks:
    """publish._send, recording the place and size of each request; from the ``refuse_from``-th on, sent where the engine
    has no Graph Store (it answers 404)."""

    def __init__(self, refuse_from: int = 0) -> None:
        self.places: list[str] = []
        self.sizes: list[int] = []
        self.blank: list[bool] = []
        self.refuse_from = refuse_from
        self.lock = threading.Lock()
        self.send = publish_module._send

    def __call__(self, client: httpx.Client, target: str, graph: str, lines: list[str], **kw) -> None:
        triples = list(ox.parse("".join(lines), format=ox.RdfFormat.N_TRIPLES))
        with self.lock:
            self.places.append(graph)
            self.sizes.append(len(triples))
            self.blank.append(any(publish_module._has_blank_node(t) for t in triples))
            refused = 0 < self.refuse_from <= len(self.sizes)
        self.send(client, target + "-missing" if refused else target, graph, lines, **kw)


def publish_in_process(engine: virtuoso.Virtuoso, monkeypatch: pytest.MonkeyPatch, *sources: Path) -> dict[str, int]:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    return publish_module.publish(list(sources), engine.base + "/sparql-graph-crud-auth", validate=False)


# the findings of the hostile probe that reached Virtuoso through --backend; the canary is a loopback listener
THROUGH_THE_BACKEND = [
    'SELECT (bif:http_get("{canary}") AS ?x) WHERE {{}}',
    'PREFIX bif: <bif:> SELECT (bif:http_get("{canary}") AS ?x) WHERE {{}}',
    'SELECT (<bif:http_client>("{canary}", NULL, "POST") AS ?x) WHERE {{}}',
    'SELECT (STRLEN(bif:repeat("x", 4000000)) AS ?n) WHERE {{}}',
    r'SELECT * {{ BIND("\u0022" AS ?a) SERVICE <{canary}> {{ ?s ?p ?o }} BIND("\u0022" AS ?b) }}',
    r'SELECT * {{ BIND("\u0022" AS ?a) }} INSERT DATA {{ <http://a> <http://b> <http://c> }} # "\u0022',
    'DEFINE input:storage "" SELECT * {{ ?s ?p ?o }}',
]


@pytest.mark.parametrize("template", THROUGH_THE_BACKEND)
def test_hostile_queries_never_reach_virtuoso(tehkg_over, engine, canary, template):
    """Findings (critical, high): bif: functions, a SERVICE hidden by an escaped quote and a hidden update went
    through --backend; bif:repeat killed the engine. Refused by tehkg, no connection, the engine still answers."""
    r = ask(tehkg_over, template.format(canary=f"http://127.0.0.1:{canary.port}/x"))
    assert r.status_code in (400, 403), r.text
    assert canary.connections_from_others() == 0
    assert engine.quads() > 0 and ask(tehkg_over, "ASK { ?s ?p ?o }").status_code == 200
