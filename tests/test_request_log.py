"""The request log: failed and slow requests always, every request only with TEHKG_ACCESS_LOG."""

import asyncio
import logging

import pytest

from tehkg.endpoint.http import guard as app_module
from tehkg.endpoint.http.guard import GuardAndLog
from tehkg.settings import Settings


def serve_once(status: int, access_log: bool, seconds: float = 0.0) -> None:
    """One GET through GuardAndLog in front of an app that answers ``status`` after ``seconds`` on the guard's clock."""

    async def inner(scope: dict, receive, send) -> None:
        clock[0] += seconds
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        pass

    clock = [0.0]
    guard = GuardAndLog(inner, Settings(access_log=access_log))
    scope = {"type": "http", "method": "GET", "path": "/sparql", "headers": []}
    real = app_module.time.perf_counter
    app_module.time.perf_counter = lambda: clock[0]
    try:
        asyncio.run(guard(scope, receive, send))
    finally:
        app_module.time.perf_counter = real


@pytest.mark.parametrize(
    "status, access_log, seconds, logged",
    [
        (200, False, 0.0, False),
        (200, True, 0.0, True),
        (503, False, 0.0, True),
        (200, False, app_module.SLOW_SECONDS, True),  # slow
        (200, False, app_module.SLOW_SECONDS * 0.99, False),  # just below the threshold
    ],
)
def test_what_is_logged(caplog, status, access_log, seconds, logged):
    with caplog.at_level(logging.INFO, logger="tehkg.access"):
        serve_once(status, access_log, seconds)
    lines = [r.getMessage() for r in caplog.records if r.name == "tehkg.access"]
    assert bool(lines) == logged
    if logged:
        assert lines[0].startswith(f"GET /sparql {status} ")


def test_access_log_setting_reads_the_environment(monkeypatch):
    monkeypatch.setenv("TEHKG_ACCESS_LOG", "true")
    assert Settings.load().access_log is True
    monkeypatch.setenv("TEHKG_ACCESS_LOG", "0")
    assert Settings.load().access_log is False
