"""Connection limits (endpoint/http/connections.py): a cap on open connections per client address and a
deadline for each request head, over real TCP on loopback.

Each test's clients bind their own source address in 127/8 (Linux routes all of it to lo), so that the
server sees distinct clients, and no test inherits another's connections. Every wait is bounded.
"""

import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import PROJECT_ROOT, free_port, start_server, stop

CAP = 4  # TEHKG_MAX_CLIENT_CONNECTIONS of both servers
HEAD_TIMEOUT = 1.0  # TEHKG_HEAD_TIMEOUT of the deadline server
WAIT = 8.0  # seconds any wait on the server may last: below the capped server's 10 s head deadline
ASK = "/sparql?query=ASK%7B%7D"


@pytest.fixture(scope="module")
def capped_server(fixture_store: Path) -> Iterator[str]:
    """A server with room for 8 connections, 4 per client, and the default 10 s head deadline."""
    process, base = start_server(
        fixture_store, TEHKG_WORKERS="1", TEHKG_MAX_CONNECTIONS="8", TEHKG_MAX_CLIENT_CONNECTIONS=str(CAP)
    )
    yield base
    stop(process)


@pytest.fixture(scope="module")
def deadline_server(fixture_store: Path) -> Iterator[str]:
    """A server that gives each request head 1 s, 4 connections per client."""
    process, base = start_server(
        fixture_store,
        TEHKG_WORKERS="1",
        TEHKG_HEAD_TIMEOUT=str(HEAD_TIMEOUT),
        TEHKG_MAX_CLIENT_CONNECTIONS=str(CAP),
    )
    yield base
    stop(process)


def connect(base: str, source: str) -> socket.socket:
    """A TCP connection to ``base`` from the loopback address ``source``."""
    host, port = base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=WAIT, source_address=(source, 0))


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server closes ``sock`` within WAIT seconds; whatever it sends first is discarded."""
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


def still_open(sock: socket.socket) -> bool:
    """Whether ``sock`` has nothing to read, not even the end of the stream, right now."""
    return not select.select([sock], [], [], 0)[0]


def read_status(sock: socket.socket) -> int:
    """The status of the response on ``sock``, read whole (its body has a Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, "the server closed the connection before answering"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = next(
        int(line.split(b":")[1]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(4096)
    return int(head.split(b" ", 2)[1])


def request(sock: socket.socket, target: str = ASK) -> int:
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: t\r\nAccept: application/json\r\n\r\n".encode())
    return read_status(sock)


def trickle_until_closed(sock: socket.socket, every: float = 0.2) -> int:
    """Send a header one byte every ``every`` seconds until the server closes ``sock`` (at most WAIT
    seconds); the bytes sent. The wait between bytes is a wait for the server's close."""
    sock.sendall(b"X-Slow: ")
    sent, give_up = 0, time.monotonic() + WAIT
    while time.monotonic() < give_up:
        if select.select([sock], [], [], every)[0]:
            assert closed_by_server(sock)
            return sent
        try:
            sock.sendall(b"a")
        except (BrokenPipeError, ConnectionResetError):
            return sent
        sent += 1
    raise AssertionError(f"the connection is still open after {WAIT:g} s of trickle")


def test_a_client_past_its_connection_cap_is_closed_at_once(capped_server):
    held = [connect(capped_server, "127.0.0.2") for _ in range(CAP)]
    extra = connect(capped_server, "127.0.0.2")
    assert closed_by_server(extra)  # before WAIT, hence well before the 10 s head deadline
    assert all(still_open(sock) for sock in held)
    assert [request(sock) for sock in held] == [200] * CAP  # the first CAP were admitted
    for sock in [*held, extra]:
        sock.close()


def test_another_client_is_served_while_one_holds_its_maximum(capped_server):
    # silent connections from one address, three times the server's 8: before the cap, every request got 503
    attempts = [connect(capped_server, "127.0.0.3") for _ in range(24)]
    assert sum(closed_by_server(sock) for sock in attempts[CAP:]) == 24 - CAP
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.4"), timeout=WAIT) as victim:
        assert victim.get(capped_server + ASK).status_code == 200
        assert victim.get(capped_server + "/health").status_code == 200
    assert all(still_open(sock) for sock in attempts[:CAP])
    for sock in attempts:
        sock.close()


def test_idle_connections_from_many_clients_make_room_for_a_request(capped_server):
    # three clients, each within its cap, hold 12 silent connections: more than the server's 8
    idle = [connect(capped_server, f"127.0.0.{n}") for n in (10, 11, 12) for _ in range(CAP)]
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.13"), timeout=WAIT) as victim:
        assert victim.get(capped_server + ASK).status_code == 200
    assert closed_by_server(idle[0])  # the one that had waited longest made room
    assert still_open(idle[-1])
    for sock in idle:
        sock.close()


def test_a_silent_connection_is_closed_at_the_head_deadline(deadline_server):
    start = time.monotonic()
    with connect(deadline_server, "127.0.0.5") as sock:
        assert closed_by_server(sock)
    assert HEAD_TIMEOUT - 0.05 <= time.monotonic() - start < WAIT


def test_a_slowloris_is_closed_at_the_head_deadline_despite_its_trickle(deadline_server):
    start = time.monotonic()
    with connect(deadline_server, "127.0.0.6") as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n")
        sent = trickle_until_closed(sock)
    assert HEAD_TIMEOUT - 0.05 <= time.monotonic() - start < WAIT
    assert sent >= 2  # it was still trickling when closed


def test_a_keep_alive_connection_must_deliver_its_next_head_in_time(deadline_server):
    with connect(deadline_server, "127.0.0.7") as sock:
        assert request(sock) == 200
        answered = time.monotonic()
        sock.sendall(b"GET /health HTTP/1.1\r\n")
        trickle_until_closed(sock)
    # the keep-alive timeout (5 s) is longer, and any byte stops it
    assert HEAD_TIMEOUT - 0.05 <= time.monotonic() - answered < WAIT


def test_the_unread_rest_of_an_answered_body_is_bounded_by_the_head_deadline(deadline_server):
    with connect(deadline_server, "127.0.0.8") as sock:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: t\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 100000000\r\n\r\n"
        )
        assert read_status(sock) == 413  # answered from the headers, the body unread
        answered = time.monotonic()
        trickle_until_closed(sock)
    assert HEAD_TIMEOUT - 0.05 <= time.monotonic() - answered < WAIT


def test_connections_closed_at_the_deadline_give_their_client_its_slots_back(deadline_server):
    first = [connect(deadline_server, "127.0.0.9") for _ in range(CAP)]
    assert all(closed_by_server(sock) for sock in first)  # the server counts a connection out before closing it
    second = [connect(deadline_server, "127.0.0.9") for _ in range(CAP)]
    assert [request(sock) for sock in second] == [200] * CAP
    for sock in [*first, *second]:
        sock.close()


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TEHKG_MAX_CLIENT_CONNECTIONS": "512"}, ("TEHKG_MAX_CLIENT_CONNECTIONS", "TEHKG_MAX_CONNECTIONS")),
        ({"TEHKG_MAX_CLIENT_CONNECTIONS": "64", "TEHKG_MAX_CONNECTIONS": "32"}, ("TEHKG_MAX_CONNECTIONS",)),
        ({"TEHKG_HEAD_TIMEOUT": "0"}, ("TEHKG_HEAD_TIMEOUT",)),
    ],
)
def test_limits_that_let_one_client_fill_the_server_are_refused_at_startup(fixture_store, env, named):
    served = subprocess.run(
        [sys.executable, "-m", "tehkg.cli", "serve", "--store", str(fixture_store), "--port", str(free_port())],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert served.returncode != 0
    assert all(name in served.stderr for name in named), served.stderr
