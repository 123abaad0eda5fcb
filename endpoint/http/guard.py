"""The outermost ASGI layer: header, body and concurrency caps, and the access log.

The guard reads a request's body itself before anything else sees it: byte by byte against
``TEHKG_MAX_BODY`` (chunked bodies included; 413 as soon as the limit is passed, nothing buffered
beyond it) and against ``TEHKG_BODY_TIMEOUT`` (408). A request counts as in flight only once its
body is in, so connections that announce a body and never send it cannot use up
``TEHKG_MAX_PENDING``.

It also fixes what no client may choose: the ``Host`` the application builds its own URLs from
(redirects, service description, VoID) is ``TEHKG_PUBLIC_URL`` or the address the connection was
accepted on, never the request's; and every response carries the security headers (a strict
Content-Security-Policy, ``nosniff``, no framing, no referrer to other sites).
"""

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from starlette.routing import BaseRoute, Match

from tehkg.endpoint import metrics
from tehkg.endpoint.errors import error_response
from tehkg.endpoint.http.protocol import release_path
from tehkg.settings import Settings

log = logging.getLogger("tehkg.access")
SLOW_SECONDS = 1.0  # requests at least this slow are logged even without the access log
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\\]")


PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI and ReDoc (routes/api_docs.py): scripts from this server only, but ReDoc inserts its styles at run time
DOCS_PATHS = ("/docs", "/redoc")
DOCS_POLICY = PAGE_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'") + "; worker-src 'self' blob:"


def security_headers(policy: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-security-policy", policy.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
    ]


PAGE_HEADERS, DOCS_HEADERS = security_headers(PAGE_POLICY), security_headers(DOCS_POLICY)
SECURITY_NAMES = {name for name, _ in PAGE_HEADERS}


def authority(host: str, port: int | None, scheme: str) -> str:
    """``host[:port]`` as a Host header value (IPv6 in brackets, the scheme's default port left out)."""
    host = f"[{host}]" if ":" in host else host
    return host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"


def with_trusted_host(scope: dict, settings: Settings) -> dict:
    """``scope`` with the scheme and ``Host`` of ``TEHKG_PUBLIC_URL``, else of the address the connection was
    accepted on (``scope["server"]``): the application never builds a URL from a client's ``Host``."""
    if settings.public_url:
        parts = urlsplit(settings.public_url)
        scheme, host = parts.scheme, parts.netloc
    else:
        scheme = scope.get("scheme", "http")
        bound, port = scope.get("server") or (settings.host, settings.port)
        host = authority(bound, port, scheme)
    headers = [(b"host", host.encode())] + [(k, v) for k, v in scope["headers"] if k != b"host"]
    return {**scope, "scheme": scheme, "headers": headers}


def printable(value: str) -> str:
    """``value`` with control characters (and backslashes) escaped, so that it fits on one log line."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


class BodyTooLarge(Exception):
    """The body passed the size limit while it was being read."""


async def read_body(receive: Callable[[], Awaitable[dict]], limit: int) -> bytes | None:
    """The whole request body, or None when the client disconnected; raises BodyTooLarge."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


def replaying(body: bytes, receive: Callable[[], Awaitable[dict]]) -> Callable[[], Awaitable[dict]]:
    """A ``receive`` that gives ``body`` as one message, then passes on to ``receive`` (disconnects)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> dict:
        return pending.pop() if pending else await receive()

    return replay


def has_body(headers: dict[bytes, bytes]) -> bool:
    length = headers.get(b"content-length", b"")
    return b"transfer-encoding" in headers or (length.isdigit() and int(length) > 0)


def route_label(routes: Sequence[BaseRoute], scope: dict) -> str:
    """The path template of the first of ``routes`` the request's path matches, whatever its method
    (``/id/{path:path}``, ``/static``); ``/releases/{release}/sparql`` for a kept release's queries, which the query
    layer answers before routing; ``unmatched`` otherwise: a label of few values whatever paths clients make up."""
    if scope["path"] == "/sparql":
        return "/sparql"
    if release_path(scope["path"]) is not None:
        return "/releases/{release}/sparql"
    for route in routes:
        path = getattr(route, "path", None)
        if isinstance(path, str) and route.matches(scope)[0] != Match.NONE:
            return path
    return "unmatched"


class GuardAndLog:
    """ASGI middleware: header-size, body-size, body-time and concurrency caps; a log line for each
    failed (5xx) or slow request, and for every request when ``TEHKG_ACCESS_LOG`` is on; with ``TEHKG_METRICS`` on,
    each request counted by route (its path template among ``routes``) and status, and its latency."""

    def __init__(self, app: Callable, settings: Settings, routes: Sequence[BaseRoute] = ()) -> None:
        self.app, self.settings, self.routes, self.in_flight = app, settings, routes, 0

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 0
        scope = with_trusted_host(scope, self.settings)
        added = DOCS_HEADERS if scope["path"] in DOCS_PATHS else PAGE_HEADERS
        route = route_label(self.routes, scope) if self.settings.metrics else ""  # before the routing rewrites scope

        async def send_logged(message: MutableMapping[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in SECURITY_NAMES]
                message = {**message, "headers": kept + added}
            await send(message)

        refusal = await self._refusal(scope, receive)
        if isinstance(refusal, tuple):
            await error_response(*refusal)(scope, receive, send_logged)
        elif refusal is not None:
            self.in_flight += 1
            try:
                await self.app(scope, refusal, send_logged)
            finally:
                self.in_flight -= 1
        elapsed = time.perf_counter() - start
        if self.settings.metrics:
            metrics.REQUESTS.labels(route, str(status)).inc()
            metrics.LATENCY.labels(route).observe(elapsed)
        if self.settings.access_log or status >= 500 or elapsed >= SLOW_SECONDS:
            log.info("%s %s %d %.1fms", printable(scope["method"]), printable(scope["path"]), status, elapsed * 1000)

    async def _refusal(self, scope: dict, receive: Callable) -> tuple[int, str, str] | Callable | None:
        """Why the request is refused (status, kind, message); else the ``receive`` to serve it with,
        or None when the client left while sending its body."""
        settings = self.settings
        if sum(len(name) + len(value) + 4 for name, value in scope["headers"]) > settings.max_header_bytes:
            return 431, "headers-too-large", f"request headers exceed {settings.max_header_bytes} bytes"
        headers = dict(scope["headers"])
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > settings.max_body:
            return 413, "too-large", f"request body exceeds {settings.max_body} bytes"
        if has_body(headers):
            try:
                body = await asyncio.wait_for(read_body(receive, settings.max_body), settings.body_timeout)
            except BodyTooLarge:
                return 413, "too-large", f"request body exceeds {settings.max_body} bytes"
            except TimeoutError:
                return 408, "body-timeout", f"the request body did not arrive within {settings.body_timeout:g} s"
            if body is None:
                return None
            receive = replaying(body, receive)
        if self.in_flight >= settings.max_pending:
            return 503, "busy", "too many requests in flight; retry shortly"
        return receive
