"""The outermost ASGI layer: request-size and concurrency caps, and the access log."""

import logging
import time
from collections.abc import Callable

from tehkg.endpoint.settings import Settings
from tehkg.endpoint.sparql_protocol import error_response

log = logging.getLogger("tehkg.access")
SLOW_SECONDS = 1.0  # requests at least this slow are logged even without the access log


class GuardAndLog:
    """ASGI middleware: body-size and concurrency caps; a log line for each failed (5xx) or slow
    request, and for every request when ``TEHKG_ACCESS_LOG`` is on."""

    def __init__(self, app: Callable, settings: Settings) -> None:
        self.app, self.settings, self.in_flight = app, settings, 0

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 0

        async def send_logged(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.settings.max_body:
            await error_response(413, "too-large", f"request body exceeds {self.settings.max_body} bytes")(
                scope, receive, send_logged
            )
        elif self.in_flight >= self.settings.max_pending:
            await error_response(503, "busy", "too many requests in flight; retry shortly")(scope, receive, send_logged)
        else:
            self.in_flight += 1
            try:
                await self.app(scope, receive, send_logged)
            finally:
                self.in_flight -= 1
        elapsed = time.perf_counter() - start
        if self.settings.access_log or status >= 500 or elapsed >= SLOW_SECONDS:
            log.info("%s %s %d %.1fms", scope["method"], scope["path"], status, elapsed * 1000)
