"""Connection limits, enforced in the HTTP protocol because the ASGI layer never sees a silent connection.

uvicorn answers every request 503 once ``TEHKG_MAX_CONNECTIONS`` connections are open, and it never
times out a connection that has not sent a request (its keep-alive timer starts only after a
response, and any byte cancels it). A few hundred silent or trickling connections from one client
thus made the endpoint answer 503 to everyone for as long as they were held. Three rules close that:

- ``TEHKG_MAX_CLIENT_CONNECTIONS`` open connections per client address, below ``TEHKG_MAX_CONNECTIONS``
  (a rule of the settings), so that one client can never fill the server. A connection past it is closed
  at once, unread: a 503 written before the request is read could be lost (closing a socket whose
  input is unread resets it, which may discard the answer before the client reads it), and answering
  it reliably would mean holding the very slot being refused.
- ``TEHKG_HEAD_TIMEOUT``: a connection waiting on its client for a request line and headers (a fresh
  one, a keep-alive one after a response, or one still sending the rest of a body that was answered
  without being read) is closed that long after the wait began. Bytes arriving meanwhile do not
  extend it, so a slowloris sending one byte a second is closed on time.
- A connection that would fill the server makes room: the one that has waited longest on its client
  is closed, so that idle connections spread over many addresses cannot make uvicorn answer 503
  either. Only connections with every request in them answered can be closed this way.

The parser is llhttp (httptools, uvicorn's C protocol, in place of the pure-Python h11), which buffers a header
line whole before handing it over and bounds nothing itself. So the request line and headers
are fed to it in slices, and past ``4 × TEHKG_MAX_HEADER_BYTES`` of a head not yet complete the request is
answered 400 and the connection closed: a head's memory is bounded whatever arrives (below that, the guard
answers 431 past ``TEHKG_MAX_HEADER_BYTES``).

Counts are per process: with ``TEHKG_REPLICAS`` > 1 each replica has its own count and its own global
cap, so one client may hold up to replicas × its cap in all, yet can fill no replica.
"""

import asyncio
import functools
from collections import Counter
from typing import Any, ClassVar

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.utils import get_remote_addr
from uvicorn.server import ServerState

from tehkg.endpoint import metrics
from tehkg.settings import Settings


@functools.cache
def process_settings() -> Settings:
    """The settings of this server process, read once from the ``TEHKG_*`` environment like the
    application's (uvicorn starts each replica as a new process that inherits it)."""
    return Settings.load()


HEAD_SIZE_FACTOR = 4  # a head not complete past this many times TEHKG_MAX_HEADER_BYTES is refused 400


class LimitedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a bound on the bytes of a request head, a cap on open connections per
    client address, a deadline for each request head, and room made at the expense of the longest idle connection
    when the server is full."""

    open_by_client: ClassVar[Counter[str]] = Counter()  # admitted connections per client address, in this process
    waiting: ClassVar[dict["LimitedHttpProtocol", None]] = {}  # connections waiting on their client, longest first

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = process_settings()
        self.client_address = ""
        self.admitted = False
        self.head_deadline: asyncio.TimerHandle | None = None
        self.head_limit = HEAD_SIZE_FACTOR * self.limits.max_header_bytes
        self.in_head = True  # the parser is reading a request line and headers (or waits for the next one)
        self.head_bytes = 0  # bytes fed to the parser since the current head began

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        remote = get_remote_addr(transport)
        self.client_address = remote[0] if remote else ""
        if self.open_by_client[self.client_address] >= self.limits.max_client_connections:
            metrics.CLIENT_REFUSALS.labels("connections").inc()
            transport.close()  # never handed to uvicorn, so it counts nowhere
            return
        self.open_by_client[self.client_address] += 1
        self.admitted = True
        if self.limit_concurrency is not None and len(self.connections) + 1 >= self.limit_concurrency and self.waiting:
            next(iter(self.waiting)).give_up()  # uvicorn answers 503 when the connections reach its limit
        super().connection_made(transport)
        self._watch_head()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.admitted:
            return
        self.open_by_client[self.client_address] -= 1
        if not self.open_by_client[self.client_address]:
            del self.open_by_client[self.client_address]
        if self.head_deadline is not None:
            self.head_deadline.cancel()
        self.waiting.pop(self, None)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Feed ``data`` to the parser, a head's bytes in slices that keep it within ``head_limit`` (the common
        case, a whole request within the bound, is fed as it came, uncopied)."""
        offset = 0
        while offset < len(data) and not self.transport.is_closing():
            rest = data[offset:] if offset else data
            if not self.in_head:
                super().data_received(rest)
                break
            room = self.head_limit - self.head_bytes
            if room <= 0:
                self.send_400_response(f"Request line and headers exceed {self.head_limit} bytes.")
                break
            piece = rest if len(rest) <= room else rest[:room]
            offset += len(piece)
            self.head_bytes += len(piece)
            super().data_received(piece)
        self._watch_head()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.in_head = True

    def on_headers_complete(self) -> None:
        self.in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.in_head, self.head_bytes = True, 0  # the next request's head, pipelined or not, starts here

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch_head()

    def _awaiting_client(self) -> bool:
        """Whether only the client can move the connection on: it owes a request head (none has come yet, or
        every one has been answered), or the rest of a body whose request has been answered already."""
        return not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete)

    def _watch_head(self) -> None:
        """Start the head deadline when a wait on the client begins and stop it when the wait ends; a
        running deadline is never restarted, so that a trickle of bytes cannot push it back."""
        if not self._awaiting_client():
            if self.head_deadline is not None:
                self.head_deadline.cancel()
                self.head_deadline = None
                self.waiting.pop(self, None)
        elif self.head_deadline is None:
            self.head_deadline = self.loop.call_later(self.limits.head_timeout, self.give_up)
            self.waiting[self] = None

    def give_up(self) -> None:
        """Close the connection while it waits on its client (past its deadline, or to make room), the way
        uvicorn closes an idle keep-alive one. It stops counting toward uvicorn's limit at once: the event
        loop (uvloop) may report it lost only after the request it made room for has been read."""
        self.waiting.pop(self, None)
        self.connections.discard(self)
        self.timeout_keep_alive_handler()
