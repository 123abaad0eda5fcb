"""The request head is bounded in bytes whatever arrives (endpoint/http/connections.py), in process: the protocol is
fed as the event loop feeds it, through a transport that records what is written back."""

import asyncio

from uvicorn.config import Config
from uvicorn.server import ServerState

from tehkg.endpoint.http.connections import HEAD_SIZE_FACTOR, LimitedHttpProtocol, process_settings

HEAD_LIMIT = HEAD_SIZE_FACTOR * process_settings().max_header_bytes


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closing = False

    def write(self, data: bytes) -> None:
        self.written += data

    def close(self) -> None:
        self.closing = True

    def is_closing(self) -> bool:
        return self.closing

    def get_extra_info(self, name: str, default: object = None) -> object:
        return {"peername": ("127.0.0.1", 40000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def body_length(scope, receive, send) -> None:
    """An application that reads the whole body and answers its length."""
    size, more = 0, True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(str(size)))]})
    await send({"type": "http.response.body", "body": str(size).encode()})


def exchange(chunks: list[bytes]) -> tuple[bytes, bool, int]:
    """Feed ``chunks`` to a fresh connection; what was written back, whether it was closed, and the most head bytes
    the parser was ever fed."""

    async def scenario() -> tuple[bytes, bool, int]:
        config = Config(app=body_length, lifespan="off", log_level="critical")
        config.load()
        protocol = LimitedHttpProtocol(config, ServerState(), {}, asyncio.get_running_loop())
        transport = RecordingTransport()
        protocol.connection_made(transport)
        most = 0
        for chunk in chunks:
            protocol.data_received(chunk)
            most = max(most, protocol.head_bytes)
            await asyncio.sleep(0)  # the application's task runs
        for _ in range(100):
            if transport.written or transport.closing:
                break
            await asyncio.sleep(0.01)
        protocol.connection_lost(None)
        return bytes(transport.written), transport.closing, most

    return asyncio.run(scenario())


def test_an_endless_header_is_answered_400_within_the_bound():
    """Finding: llhttp keeps a header line whole until it ends; one header of a megabyte was buffered whole."""
    head = b"GET /health HTTP/1.1\r\nHost: t\r\nX-Pad: "
    written, closed, most = exchange([head] + [b"p" * 65536] * 16)  # 1 MiB of one header, never ended
    assert written.startswith(b"HTTP/1.1 400") and b"exceed" in written and closed
    assert most <= HEAD_LIMIT


def test_a_head_under_the_bound_and_a_large_body_in_one_read_are_answered():
    """The bound counts a head's bytes, not the body's: a megabyte of body arriving with its head is read."""
    body = b"q" * (1 << 20)
    request = b"POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\nX-Pad: %s\r\n\r\n" % (len(body), b"p" * 40000)
    written, _, _ = exchange([request + body])
    assert written.startswith(b"HTTP/1.1 200") and written.endswith(str(len(body)).encode())
