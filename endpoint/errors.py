"""Every error the endpoint answers, in one JSON shape: ``{"error": kind, "message": …}`` with its HTTP status.

The kinds are a closed list (``KINDS``) that clients can rely on; the messages that recur (the 406 and the
read-only refusal) are written here once. This module imports nothing of the endpoint, so every layer may
use it.
"""

import json
from collections.abc import Iterable

from starlette.responses import Response

from tehkg.formats import JSON, Format, media_types

KINDS = {
    "bad-request": "the request does not follow the protocol",
    "bad-query": "the query cannot be evaluated as sent (syntax, refused construct, deeper than the limit…)",
    "not-found": "nothing is known at this address",
    "method-not-allowed": "this method is not served here",
    "not-acceptable": "none of the accepted media types is available",
    "read-only": "updates and writes are refused: the data changes through the sources and a rebuild",
    "service-refused": "SERVICE to an endpoint that is not on the allow-list",
    "too-large": "the request body is larger than the limit",
    "headers-too-large": "the request headers are larger than the limit",
    "body-timeout": "the request body did not arrive in time",
    "too-many-queries": "this client runs as many queries, or used as much query time, as it may",
    "busy": "too many requests in flight",
    "timeout": "the query ran past its time limit",
    "client-gone": "the client disconnected before its answer was ready",
    "backend": "the engine failed, is missing or is unreachable",
    "query-too-long": "the search text is longer than the limit",
    "unsupported-media-type": "the request body's media type is not one the protocol reads",
    "invalid-parameters": "a parameter does not have the type or range it must have",
    "internal-error": "an unexpected failure inside the endpoint (it is logged)",
    "error": "an HTTP error without a kind of its own",
}
READ_ONLY = (
    "this endpoint is read-only: SPARQL Update and Graph Store writes are refused; "
    "the data changes through data/ and `tehkg build`"
)


class ProtocolError(Exception):
    """A request refused with an HTTP status, a kind of ``KINDS`` and a message in words."""

    def __init__(self, status: int, message: str, kind: str = "bad-request", **extra: object) -> None:
        super().__init__(message)
        self.status, self.message, self.kind, self.extra = status, message, kind, extra

    def response(self) -> Response:
        """The JSON error answer."""
        return error_response(self.status, self.kind, self.message, **self.extra)


def error_response(status: int, kind: str, message: str, **extra: object) -> Response:
    """The JSON error body, with ``Retry-After`` on the refusals a client may retry."""
    assert kind in KINDS, kind
    body = {"error": kind, "message": message, **extra}
    headers = {"Retry-After": "1"} if status in (429, 503) and kind != "timeout" else {}
    return Response(json.dumps(body, ensure_ascii=False), status_code=status, media_type=JSON, headers=headers)


def not_acceptable_message(offers: Iterable[Format], what: str = "") -> str:
    """The one wording of a 406: what was asked for (``what``) and what is available."""
    subject = f" for {what}" if what else ""
    return f"none of the accepted media types is available{subject}; available: {media_types(offers)}"


def not_acceptable(offers: Iterable[Format], what: str = "") -> Response:
    """The 406 answer."""
    return error_response(406, "not-acceptable", not_acceptable_message(offers, what))
