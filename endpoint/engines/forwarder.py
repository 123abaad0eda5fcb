"""The forwarder: the only way from a query worker to the network, for SERVICE to allow-listed endpoints.

Query workers have no network (isolation.py); a worker's relays carry each connection pyoxigraph opens
to an allow-listed endpoint over a Unix socket to this forwarder. It runs in the endpoint process, in
threads (whatever event loop there is or is not), holds the allow-list and checks every connection
before it opens one:

- the gate the connection came through (the relay's first line, ``<host> <port>``) must be an
  allow-listed host and port;
- over plain http the request is read first: one request per connection (a body of its
  Content-Length, nothing after it) whose target, path and query, is that of an allow-listed IRI of
  that host and port (pyoxigraph sends ``POST <path?query> HTTP/1.1`` with the IRI's own);
- over https only the host and port are checked: TLS runs end to end between pyoxigraph and the
  endpoint, the forwarder sees ciphertext.

Then it connects to that host and port (resolved here, on the host's network) and copies bytes both
ways, bounded in bytes each way, in idle time and in connections at once.
"""

import contextlib
import ipaddress
import itertools
import logging
import os
import re
import shutil
import socket
import tempfile
import threading
from urllib.parse import urlsplit

from tehkg.endpoint.engines.isolation import ANSWER_BYTES, CHUNK, IDLE_SECONDS, REQUEST_BYTES, Gate, Wall, pipe
from tehkg.settings import SettingsError

CONNECTIONS = 64  # connections forwarded at once, all workers together; more are closed at once
HEAD_BYTES = 64 << 10  # the relay's line, or an http request's head, at most
CONNECT_SECONDS = 10.0
FIRST_NAME_ADDRESS = ipaddress.IPv4Address("127.0.0.2")  # host names get loopback addresses from here on
HOST_NAME = re.compile(r"[a-z0-9._-]+")
REFUSAL = b"this SERVICE endpoint is not on the allow-list (TEHKG_SERVICE_ALLOW)\n"
FORBIDDEN = (  # the answer to a plain http request the allow-list refuses: pyoxigraph reports its status
    b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n"
    + f"Content-Length: {len(REFUSAL)}\r\n\r\n".encode()
    + REFUSAL
)
Endpoints = dict[tuple[str, int], frozenset[str] | None]  # (host, port): request targets allowed, None: any (https)

log = logging.getLogger("tehkg.forwarder")


class Refused(Exception):
    """A connection the allow-list does not let through."""


def _is_ipv4(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


def allowed_endpoints(allow: tuple[str, ...]) -> Endpoints:
    """The host and port of each allow-listed http(s) IRI, with the request targets allowed there.

    Other IRIs are left out (pyoxigraph's SERVICE speaks http and https only). SettingsError for a host
    a worker cannot be given a gate for: an IPv6 literal, a name that is not a plain DNS name.
    """
    endpoints: Endpoints = {}
    for iri in allow:
        parts = urlsplit(iri)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            continue
        host = parts.hostname
        if not (_is_ipv4(host) or HOST_NAME.fullmatch(host)):
            raise SettingsError(
                f"TEHKG_SERVICE_ALLOW: {iri}: SERVICE endpoints are named by a host name or an IPv4 address"
            )
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise SettingsError(f"TEHKG_SERVICE_ALLOW: {iri}: the port is not a number") from None
        targets = endpoints.get((host, port), frozenset())
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        endpoints[host, port] = None if parts.scheme == "https" or targets is None else targets | {target}
    return endpoints


def gates(endpoints: Endpoints) -> tuple[tuple[Gate, ...], dict[str, str]]:
    """A gate per endpoint, and the loopback address of each host name (the worker's hosts file).

    An IPv4 literal is its own address; each host name gets one of its own from FIRST_NAME_ADDRESS on,
    so that two names can share a port.
    """
    literals = {host for host, _ in endpoints if _is_ipv4(host)}
    spare = (str(FIRST_NAME_ADDRESS + n) for n in itertools.count())
    names: dict[str, str] = {}
    made = []
    for host, port in sorted(endpoints):
        if host not in literals and host not in names:
            names[host] = next(address for address in spare if address not in literals)
        made.append(Gate(host, port, host if host in literals else names[host]))
    return tuple(made), names


class Forwarder:
    """Carries the connections of workers' relays to the allow-listed endpoints (see the module's docstring).

    Its socket and the workers' hosts file live in a directory of its own, mode 0700: only this user
    (the workers') reaches them. ``wall`` is what each worker builds to reach it.
    """

    def __init__(self, allow: tuple[str, ...]) -> None:
        self.endpoints = allowed_endpoints(allow)
        made, names = gates(self.endpoints)
        self.directory = tempfile.mkdtemp(prefix="tehkg-forwarder-")
        hosts = os.path.join(self.directory, "hosts")
        with open(hosts, "w") as out:
            out.write("".join(f"{address} {host}\n" for host, address in names.items()))
        path = os.path.join(self.directory, "socket")
        self.listener = socket.socket(socket.AF_UNIX)
        self.listener.bind(path)
        self.listener.listen(CONNECTIONS)
        self.wall = Wall(made, hosts, path)
        self.slots = threading.BoundedSemaphore(CONNECTIONS)
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        """Stop accepting (connections under way end within their bounds) and remove the directory."""
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread, which then ends
        self.listener.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # closed
            if self.slots.acquire(blocking=False):
                threading.Thread(target=self._forward, args=(conn,), daemon=True).start()
            else:
                conn.close()

    def _forward(self, conn: socket.socket) -> None:
        """Check one relayed connection against the allow-list, then connect it to its endpoint."""
        try:
            with conn:
                conn.settimeout(IDLE_SECONDS)
                line, _, data = _read_until(conn, b"", b"\n").partition(b"\n")
                host, port = line.decode("ascii").split(" ")
                endpoint = (host, int(port))
                if endpoint not in self.endpoints:
                    raise Refused(f"{host} port {port} is not on the allow-list")
                sends = REQUEST_BYTES
                targets = self.endpoints[endpoint]
                if targets is not None:  # plain http: one request, to an allow-listed IRI
                    data = _read_until(conn, data, b"\r\n\r\n")
                    target, length = _request(data)
                    if target not in targets:
                        conn.sendall(FORBIDDEN)
                        raise Refused(f"http://{host}:{port}{target} is not on the allow-list")
                    sends = length - (len(data) - data.index(b"\r\n\r\n") - 4)
                    if sends < 0:
                        raise Refused(f"more than one request to {host} port {port} on one connection")
                with socket.create_connection(endpoint, timeout=CONNECT_SECONDS) as upstream:
                    upstream.sendall(data)
                    pipe(conn, upstream, sends, ANSWER_BYTES)
        except Refused as err:
            log.warning("the SERVICE forwarder refused a connection: %s", err)
        except (OSError, ValueError) as err:
            log.debug("a SERVICE connection ended: %s", err)
        finally:
            self.slots.release()


def _read_until(conn: socket.socket, data: bytes, marker: bytes) -> bytes:
    """``data`` and what ``conn`` sends next, until ``marker`` is in it (ValueError past HEAD_BYTES, or when
    ``conn`` ends before)."""
    while marker not in data:
        if len(data) > HEAD_BYTES:
            raise ValueError(f"no {marker!r} within {HEAD_BYTES} bytes")
        chunk = conn.recv(CHUNK)
        if not chunk:
            raise ValueError("the connection ended before its request")
        data += chunk
    return data


def _request(data: bytes) -> tuple[str, int]:
    """The target of the HTTP/1.1 request whose head ``data`` starts with, and the length of its body.

    ValueError for what pyoxigraph never sends and an endpoint might read as a second request: a chunked
    body, a repeated Content-Length, one that is not a number.
    """
    request_line, *fields = data[: data.index(b"\r\n\r\n")].decode("latin-1").split("\r\n")
    _method, target, _version = request_line.split(" ")
    lengths = []
    for field in fields:
        name, _, value = field.partition(":")
        if name.strip().lower() == "transfer-encoding":
            raise ValueError("a request body in chunks")
        if name.strip().lower() == "content-length":
            lengths.append(value.strip())
    if len(lengths) > 1 or not all(length.isascii() and length.isdigit() for length in lengths):
        raise ValueError(f"Content-Length {lengths}")
    return target, int(lengths[0]) if lengths else 0
