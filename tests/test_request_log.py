"""The request log: failed and slow requests always, every request only with TEHKG_ACCESS_LOG."""

import asyncio
import logging

import pytest

from tehkg.endpoint import guard as app_module
from tehkg.endpoint.guard import GuardAndLog
from tehkg.endpoint.settings import Settings


def serve_once(status: int, access_log: bool, delay: float = 0.0) -> None:
    """One GET through GuardAndLog in front of an app that answers ``status``."""

    async def inner(scope: dict, receive, send) -> None:
        await asyncio.sleep(delay)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        pass

    guard = GuardAndLog(inner, Settings(access_log=access_log))
    scope = {"type": "http", "method": "GET", "path": "/sparql", "headers": []}
    asyncio.run(guard(scope, receive, send))


@pytest.mark.parametrize(
    "status, access_log, delay, logged",
    [
        (200, False, 0.0, False),
        (200, True, 0.0, True),
        (503, False, 0.0, True),
        (200, False, 0.05, True),  # slow (the threshold is lowered below)
    ],
)
def test_what_is_logged(caplog, monkeypatch, status, access_log, delay, logged):
    monkeypatch.setattr(app_module, "SLOW_SECONDS", 0.04)
    with caplog.at_level(logging.INFO, logger="tehkg.access"):
        serve_once(status, access_log, delay)
    lines = [r.getMessage() for r in caplog.records if r.name == "tehkg.access"]
    assert bool(lines) == logged
    if logged:
        assert lines[0].startswith(f"GET /sparql {status} ")


def test_access_log_setting_reads_the_environment(monkeypatch):
    monkeypatch.setenv("TEHKG_ACCESS_LOG", "true")
    assert Settings.from_env().access_log is True
    monkeypatch.setenv("TEHKG_ACCESS_LOG", "0")
    assert Settings.from_env().access_log is False
