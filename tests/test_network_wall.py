"""The network wall: query workers have no route out, and an allow-listed SERVICE goes through the forwarder.

The pool is called directly, or the forwarder spoken to as a compromised worker would: the query check is
bypassed and the wall stands alone. ``tehkg query`` is run whole, in process.
"""

import asyncio
import dataclasses
import logging
import socket
import threading
from pathlib import Path

import pytest

from tehkg.endpoint.engines.execution import QueryTask
from tehkg.endpoint.engines.forwarder import Forwarder, allowed_endpoints
from tehkg.endpoint.engines.workers import WorkerPool
from tehkg.loader.store_layout import current_store
from tehkg.settings import SettingsError
from tests.conftest import skip_where_refused, tehkg_cli
from tests.test_safety import RUNAWAY

WORKER_MEMORY = 1 << 30
WAIT = 10.0  # seconds any wait on a socket or an event may take
ANSWER = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"from the canary"}}]}}'


class Canary:
    """A tiny SPARQL endpoint on ``address``: it counts connections and answers every request with ANSWER."""

    def __init__(self, address: str = "127.0.0.1") -> None:
        self.sock = socket.create_server((address, 0))
        self.address, self.port = address, self.sock.getsockname()[1]
        self.requests: list[bytes] = []
        self.connections = 0
        self.probes = 0
        self.accepted = threading.Condition()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return  # closed
            with self.accepted:
                self.connections += 1
                self.accepted.notify_all()
            with conn:
                conn.settimeout(WAIT)
                self._answer(conn)

    def _answer(self, conn: socket.socket) -> None:
        """Read a request, its body too (closing on unread bytes would reset the connection), and answer."""
        request = b""
        try:
            while b"\r\n\r\n" not in request or len(request) < _request_length(request):
                chunk = conn.recv(1 << 16)
                if not chunk:
                    return  # a probe
                request += chunk
            self.requests.append(request)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\nConnection: close\r\n"
                + f"Content-Length: {len(ANSWER)}\r\n\r\n".encode()
                + ANSWER
            )
        except OSError:
            return

    def iri(self, host: str | None = None, path: str = "/sparql") -> str:
        return f"http://{host or self.address}:{self.port}{path}"

    def connections_from_others(self) -> int:
        """Connections but our probes, once a new probe is accepted: any made before it is queued before it."""
        with self.accepted:
            expected = self.connections + 1
            self.probes += 1
        socket.create_connection((self.address, self.port), timeout=WAIT).close()
        with self.accepted:
            assert self.accepted.wait_for(lambda: self.connections >= expected, WAIT), "the probe was never accepted"
            return self.connections - self.probes

    def close(self) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        self.sock.close()
        self.thread.join(WAIT)


def _request_length(request: bytes) -> int:
    """The length of a request whose head ``request`` holds, its body included."""
    head, _, _ = request.partition(b"\r\n\r\n")
    lengths = [line.split(b":")[1] for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")]
    return len(head) + 4 + int(lengths[0] if lengths else 0)


def _outward_address() -> str | None:
    """This machine's address on its default route (no packet is sent), None without one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            return None
        return probe.getsockname()[0]


@pytest.fixture
def canaries():
    made: list[Canary] = []

    def make(address: str = "127.0.0.1") -> Canary:
        made.append(Canary(address))
        return made[-1]

    yield make
    for canary in made:
        canary.close()


@pytest.fixture
def store_directory(fixture_store: Path) -> str:
    return str(current_store(fixture_store))


def _service(iri: str) -> str:
    return f"SELECT ?x {{ SERVICE <{iri}> {{ ?x ?y ?z }} }}"


def _ask_pool(directory: str, allow: tuple[str, ...], queries: list[str]) -> tuple[list, bool | None]:
    """The answers of ``queries`` on a pool of one worker allowing SERVICE to ``allow``, and whether it was cut off."""

    async def scenario():
        pool = WorkerPool(1, 0, WORKER_MEMORY, service_allow=allow)
        pool.start(directory)
        try:
            answers = [await pool.run(directory, QueryTask(query=q, format="json"), 20) for q in queries]
            return answers, pool.network_isolated()
        finally:
            pool.close()
            if pool.forwarder is not None:
                pool.forwarder.close()

    answers, isolated = asyncio.run(scenario())
    if not isolated:
        skip_where_refused("network namespaces (the wall around query workers)")
    return answers, isolated


@pytest.mark.parametrize("kind", ["loopback literal", "host name", "other IPv4 literal"])
def test_allowed_service_goes_through_the_forwarder(store_directory, canaries, kind):
    """A's IRI allowed: a SERVICE to A is answered by A (one connection); one to B, another port, reaches nothing."""
    address = _outward_address() if kind == "other IPv4 literal" else "127.0.0.1"
    if address is None:
        pytest.skip("no address but loopback on this machine")
    a, b = canaries(address), canaries()
    iri = a.iri("localhost") if kind == "host name" else a.iri()
    answers, _ = _ask_pool(store_directory, (iri,), [_service(iri), _service(b.iri())])
    assert answers[0].status == 200, answers[0].error
    assert b"from the canary" in answers[0].body
    assert a.connections_from_others() == 1 and a.requests[0].startswith(b"POST /sparql HTTP/1.1\r\n")
    assert answers[1].status == 400
    assert b.connections_from_others() == 0


def test_no_allow_list_no_connection_at_all(store_directory, canaries):
    a = canaries()
    answers, _ = _ask_pool(store_directory, (), [_service(a.iri()), _service(a.iri("localhost"))])
    assert [answer.status for answer in answers] == [400, 400]
    assert a.connections_from_others() == 0


def test_allowed_host_other_path_is_refused_by_the_forwarder(store_directory, canaries):
    """Plain http: the forwarder reads the request line, and refuses a path the allow-list does not name."""
    a = canaries()
    answers, _ = _ask_pool(store_directory, (a.iri(),), [_service(a.iri(path="/admin"))])
    assert answers[0].status == 400 and "403" in (answers[0].error or "")
    assert a.connections_from_others() == 0


def test_gates_that_cannot_open_leave_the_worker_cut_off(store_directory, canaries, caplog):
    """A hosts file that cannot be mounted: the worker stays without network, and the pool says so once."""
    a = canaries()

    async def scenario():
        pool = WorkerPool(1, 0, WORKER_MEMORY, service_allow=(a.iri(),))
        pool.isolate_network = dataclasses.replace(pool.isolate_network, hosts="/nonexistent/hosts")
        pool.start(store_directory)
        try:
            answers = [await pool.run(store_directory, QueryTask(query=_service(a.iri())), 20) for _ in range(2)]
            return answers, pool.network_isolated()
        finally:
            pool.close()

    with caplog.at_level(logging.WARNING, logger="tehkg.workers"):
        answers, isolated = asyncio.run(scenario())
    if isolated is False:
        skip_where_refused("network namespaces (the wall around query workers)")
    assert isolated is True and [answer.status for answer in answers] == [400, 400]
    assert a.connections_from_others() == 0
    assert [r.message for r in caplog.records].count(
        "query workers are cut off the network but could not open the way to the allow-listed SERVICE endpoints "
        "(bringing up their loopback or mounting /etc/hosts was refused); SERVICE fails"
    ) == 1


def _speak_to_forwarder(forwarder: Forwarder, data: bytes) -> bytes:
    """What the forwarder answers to ``data``, sent as a compromised worker's relay would, once it closes."""
    with socket.socket(socket.AF_UNIX) as conn:
        conn.settimeout(WAIT)
        conn.connect(forwarder.wall.forwarder)
        conn.sendall(data)
        conn.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := conn.recv(1 << 16):
            answer += chunk
        return answer


def test_forwarder_lets_through_only_what_the_allow_list_names(canaries):
    a, b = canaries(), canaries()
    forwarder = Forwarder((a.iri(),))
    post = b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nASK "
    try:
        refused = [
            f"127.0.0.1 {b.port}\n".encode() + post,  # a gate the allow-list does not name
            f"127.0.0.1 {a.port}\n".encode() + post.replace(b"/sparql", b"/admin"),
            f"127.0.0.1 {a.port}\n".encode() + post + post,  # a second request on the connection
            f"127.0.0.1 {a.port}\n".encode() + post.replace(b"Content-Length: 4", b"Transfer-Encoding: chunked"),
            f"127.0.0.1 {a.port}\n".encode() + post.replace(b"\r\n\r\n", b"\r\nContent-Length: 0\r\n\r\n"),
        ]
        for data in refused:
            assert b"200 OK" not in _speak_to_forwarder(forwarder, data)
        assert a.connections_from_others() == 0 and b.connections_from_others() == 0
        assert b"from the canary" in _speak_to_forwarder(forwarder, f"127.0.0.1 {a.port}\n".encode() + post)
        assert a.connections_from_others() == 1
    finally:
        forwarder.close()


def test_allow_list_endpoints():
    endpoints = allowed_endpoints(("http://h/a", "http://h/b?x=1", "https://s:8443/q", "urn:x:y", "HTTP://H:80/c"))
    assert endpoints == {("h", 80): frozenset({"/a", "/b?x=1", "/c"}), ("s", 8443): None}
    with pytest.raises(SettingsError, match="IPv4"):
        allowed_endpoints(("http://[::1]:8890/sparql",))


def test_cli_query_service_not_allowed_is_refused_without_a_connection(fixture_store, canaries, monkeypatch):
    monkeypatch.delenv("TEHKG_SERVICE_ALLOW", raising=False)
    a = canaries()
    done = tehkg_cli("query", _service(a.iri()), "--store", str(fixture_store))
    assert done.returncode == 2
    assert done.stderr.startswith("error: SERVICE is not allowed for <" + a.iri() + ">")
    assert a.connections_from_others() == 0


def test_cli_query_allowed_service_goes_through_the_forwarder(fixture_store, canaries, monkeypatch):
    a = canaries()
    monkeypatch.setenv("TEHKG_SERVICE_ALLOW", a.iri("localhost"))
    done = tehkg_cli("query", _service(a.iri("localhost")), "--store", str(fixture_store))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["x", "from the canary"]
    assert a.connections_from_others() == 1


def test_cli_query_past_its_deadline_exits_2(fixture_store):
    done = tehkg_cli("query", RUNAWAY, "--store", str(fixture_store), "--timeout", "1")
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "(TEHKG_TIMEOUT, or --timeout)" in done.stderr
    assert "Traceback" not in done.stderr
