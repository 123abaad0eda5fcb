"""``tehkg serve --backend`` when the external engine misbehaves: each failure of the backend becomes
one JSON error with a status that says whose fault it is (the query's: 400; the backend's: 502; too
slow: 503 timeout), and the endpoint keeps answering. The endpoint in process, the backend over HTTP."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import in_process

VIRTUOSO_COMPILE = "Virtuoso 37000 Error SP030: SPARQL compiler, line 3: Undefined namespace prefix"
RELEASE = threading.Event()  # lets the slow answers go at teardown


class Backend(BaseHTTPRequestHandler):
    """A SPARQL endpoint that fails on demand: the query's string literal says how."""

    def log_message(self, *args: object) -> None:
        pass

    def _query(self) -> str:
        params = parse_qs(urlsplit(self.path).query)
        if self.command == "POST":
            body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
            if self.headers.get("content-type", "").startswith("application/sparql-query"):
                return body
            params.update(parse_qs(body))
        return params.get("query", [""])[0]

    def _answer(self, status: int, media: str, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - the handler's interface
        self._respond()

    def do_POST(self) -> None:  # noqa: N802
        self._respond()

    def _respond(self) -> None:
        query = self._query()
        if "status-500" in query:
            self._answer(500, "text/plain", "internal failure of the engine")
        elif "virtuoso-compile" in query:
            self._answer(500, "text/plain", VIRTUOSO_COMPILE + "\n\nSPARQL query:\n" + query)
        elif "virtuoso-timeout" in query:
            self._answer(500, "text/plain", "Virtuoso S1TAT Error SR171: Transaction timed out")
        elif "status-400" in query:
            self._answer(400, "text/plain", "Parse error: the engine cannot read this")
        elif "slow-backend" in query:
            RELEASE.wait(30)
            self._answer(200, "application/sparql-results+json", '{"head": {"vars": []}, "results": {"bindings": []}}')
        elif "not-json" in query:
            self._answer(200, "application/sparql-results+json", "{this is not json")
        elif query.lstrip().upper().startswith("ASK"):
            self._answer(200, "application/sparql-results+json", json.dumps({"head": {}, "boolean": True}))
        else:
            self._answer(200, "application/sparql-results+json", '{"head": {"vars": []}, "results": {"bindings": []}}')


@pytest.fixture(scope="module")
def served() -> Iterator[TestClient]:
    """The endpoint in process over ``--backend`` (a 1 s timeout), the backend a real HTTP server in a thread."""
    backend = ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    try:
        with in_process(TEHKG_BACKEND=f"http://127.0.0.1:{backend.server_port}/sparql", TEHKG_TIMEOUT="1") as client:
            try:
                yield client
            finally:
                RELEASE.set()
    finally:
        backend.shutdown()


def ask(client: TestClient, marker: str) -> httpx.Response:
    query = f'SELECT ?s WHERE {{ ?s ?p "{marker}" }}'
    return client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})


def test_a_working_backend_answers(served):
    r = ask(served, "fine")
    assert r.status_code == 200 and r.json()["results"]["bindings"] == []


@pytest.mark.parametrize(
    "marker, status, kind",
    [
        ("status-400", 400, "bad-query"),  # the backend could not read the query: the client's to fix
        ("status-500", 502, "backend"),  # the backend failed
        ("virtuoso-compile", 400, "bad-query"),  # Virtuoso refuses the query with a 500: still the query's fault
        ("virtuoso-timeout", 503, "timeout"),  # Virtuoso's timeout in a 500 body
        ("not-json", 502, "backend"),  # the backend's answer cannot be read
        ("slow-backend", 503, "timeout"),  # past the endpoint's time limit (1 s here)
    ],
)
def test_backend_failures_are_json_errors(served, marker, status, kind):
    r = ask(served, marker)
    assert r.status_code == status, r.text
    body = r.json()
    assert body["message"] and body["error"] == kind, body
    if marker in ("status-400", "status-500"):
        assert "backend" in body["message"]  # the engine's own words are passed on, marked as its
    assert ask(served, "fine").status_code == 200  # and the endpoint goes on answering


def test_the_engine_error_does_not_echo_the_query_it_ran(served):
    """Finding (low): errors echoed the rewritten query (with the dataset clauses tehkg added)."""
    body = ask(served, "virtuoso-compile").json()
    assert body["message"] == "backend: " + VIRTUOSO_COMPILE
