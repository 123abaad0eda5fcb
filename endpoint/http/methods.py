"""HTTP methods and failures for every route at once: ``HEAD`` wherever ``GET`` is served, ``OPTIONS``
answered with ``Allow``, and the endpoint's JSON error body for whatever fails outside the framework."""

import logging
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.responses import Response
from starlette.routing import Match, Mount
from starlette.types import Scope

from tehkg.endpoint.errors import error_response
from tehkg.endpoint.http.guard import printable

log = logging.getLogger("tehkg.errors")
ROUTED_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
ALLOW_ORDER = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")


def allowed_methods(api: FastAPI, scope: Scope) -> list[str]:
    """The methods the route at the request's path answers, in a fixed order; empty when no route matches.

    A route matches fully only for a method it answers; a mount (static files) answers GET."""
    found: set[str] = set()
    for route in api.router.routes:
        for method in ROUTED_METHODS:
            if route.matches({**scope, "method": method})[0] == Match.FULL:
                found |= {"GET"} if isinstance(route, Mount) else {method}
    if not found:
        return []
    found |= {"HEAD", "OPTIONS"} if "GET" in found else {"OPTIONS"}
    return [m for m in ALLOW_ORDER if m in found]


def is_preflight(scope: dict) -> bool:
    """A CORS preflight: ``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method`` (the CORS layer answers)."""
    names = {name for name, _ in scope["headers"]}
    return scope["method"] == "OPTIONS" and b"origin" in names and b"access-control-request-method" in names


def without_body(send: Callable) -> Callable:
    """A ``send`` that passes the response's status and headers (Content-Length included) but none of its body."""

    async def send_head(message: dict) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)

    return send_head


class HttpMethods:
    """ASGI layer: a ``HEAD`` is answered as its ``GET`` without the body, an ``OPTIONS`` that is not a CORS
    preflight gets 204 with ``Allow``, and an exception that escapes the layers inside becomes a JSON 500."""

    def __init__(self, app: Callable, api: FastAPI) -> None:
        self.app, self.api = app, api

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and not is_preflight(scope):
            allowed = allowed_methods(self.api, scope)
            if allowed:
                response = Response(status_code=204, headers={"Allow": ", ".join(allowed)})
            else:
                response = error_response(404, "not-found", f"nothing is served at {scope['path']}")
            await response(scope, receive, send)
            return
        if scope["method"] == "HEAD":
            scope, send = {**scope, "method": "GET"}, without_body(send)
        started = False

        async def send_tracked(message: dict) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception:
            if started:
                raise
            log.exception("unhandled error on %s %s", scope["method"], printable(scope["path"]))
            await error_response(500, "internal-error", "the server failed to answer; the error is logged")(
                scope, receive, send
            )
