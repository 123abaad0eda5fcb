"""One JSON error shape for every failure: the framework's 404/405/422, an unreachable backend (502), no store (503),
an unhandled exception (500). Real HTTP on started servers, but for the last-resort layer, driven in process."""

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tehkg.endpoint.http.methods import HttpMethods
from tests.conftest import PROJECT_ROOT, free_port, start_serve, stop, wait_until_up

PAGES_AND_DOCUMENTS = [
    "/", "/sparql", "/dataset", "/dump.nq", "/id/plan/2019-2021", "/ontology", "/store?default", "/search?q=miprof",
]  # fmt: skip


def serve(command: list[str], log: Path, **env: str) -> tuple[subprocess.Popen, str]:
    """A server from ``command`` (+ ``--port``) on a free loopback port, up once it answers /openapi.json."""
    port = free_port()
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "TEHKG_WORKERS": "1", **env},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base + "/openapi.json", process)
    return process, base


@pytest.fixture(scope="module")
def backend_down(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """An endpoint whose ``--backend`` is a closed loopback port; its URL and the backend's."""
    backend = f"http://127.0.0.1:{free_port()}/sparql"
    process, base = start_serve(["--backend", backend], tmp_path_factory.mktemp("backend-down"), ready="/openapi.json")
    yield base, backend
    stop(process)


@pytest.fixture(scope="module")
def no_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The ASGI application over an empty store directory (``tehkg serve`` refuses to start there)."""
    root = tmp_path_factory.mktemp("no-store")
    command = [sys.executable, "-m", "uvicorn", "tehkg.endpoint.asgi:app", "--host", "127.0.0.1"]
    process, base = serve(command, root / "server.log", TEHKG_STORE=str(root / "store"))
    yield base
    stop(process)


def assert_error(response: httpx.Response, status: int, kind: str) -> str:
    """The response is the endpoint's JSON error with ``status`` and ``kind``; returns its message."""
    assert response.status_code == status, (response.request.url, response.text)
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error", "message"} and body["error"] == kind, body
    return body["message"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_query_with_the_backend_down_is_a_502_naming_it(backend_down: tuple[str, str], method: str) -> None:
    base, backend = backend_down
    if method == "GET":
        response = httpx.get(base + "/sparql", params={"query": "ASK {}"})
    else:
        response = httpx.post(base + "/sparql", data={"query": "ASK {}"})
    message = assert_error(response, 502, "backend")
    assert message == f"the SPARQL backend {backend} is unreachable: connection refused"


@pytest.mark.parametrize("path", [*PAGES_AND_DOCUMENTS, "/search?q=traite"])
def test_pages_with_the_backend_down_are_a_502_naming_it(backend_down: tuple[str, str], path: str) -> None:
    base, backend = backend_down
    message = assert_error(httpx.get(base + path), 502, "backend")
    assert message == f"the SPARQL backend {backend} is unreachable: connection refused"


def test_head_with_the_backend_down_is_a_502_too(backend_down: tuple[str, str]) -> None:
    response = httpx.head(backend_down[0] + "/sparql", params={"query": "ASK {}"})
    assert response.status_code == 502 and response.content == b""


def test_query_without_a_store_is_a_503(no_store: str) -> None:
    response = httpx.get(no_store + "/sparql", params={"query": "ASK {}"})
    assert assert_error(response, 503, "backend") == "no store is built yet"
    assert response.headers["retry-after"] == "1"


@pytest.mark.parametrize("path", PAGES_AND_DOCUMENTS)
def test_pages_and_dumps_without_a_store_are_a_503(no_store: str, path: str) -> None:
    response = httpx.get(no_store + path)
    assert assert_error(response, 503, "backend") == "no store is built yet"
    assert response.headers["retry-after"] == "1"


def test_unknown_path_is_a_json_404(fixture_server: str) -> None:
    assert assert_error(httpx.get(fixture_server + "/no/such/page"), 404, "not-found") == "Not Found"


def test_wrong_method_is_a_json_405(fixture_server: str) -> None:
    assert assert_error(httpx.delete(fixture_server + "/dataset"), 405, "method-not-allowed") == "Method Not Allowed"


def test_invalid_parameter_is_a_json_422_naming_it(fixture_server: str) -> None:
    message = assert_error(httpx.get(fixture_server + "/search", params={"limit": "many"}), 422, "invalid-parameters")
    assert message.startswith("query.limit: ")


def test_an_exception_outside_the_framework_is_a_json_500() -> None:
    async def failing(scope: dict, receive: object, send: object) -> None:
        raise RuntimeError("boom")

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=HttpMethods(failing, FastAPI()))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get("/sparql", params={"query": "ASK {}"})

    message = assert_error(asyncio.run(call()), 500, "internal-error")
    assert message == "the server failed to answer; the error is logged"
