"""One JSON error shape for every failure: the framework's 404/405/422, an unreachable backend (502), no store (503),
an unhandled exception (500). The whole application in process; the last-resort layer alone for the 500."""

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tehkg.endpoint.http.methods import HttpMethods
from tests.conftest import free_port, in_process

PAGES_AND_DOCUMENTS = [
    "/", "/sparql", "/dataset", "/dump.nq", "/id/plan/2019-2021", "/ontology", "/store?default", "/search?q=miprof",
]  # fmt: skip


@pytest.fixture(scope="module")
def backend_down() -> Iterator[tuple[TestClient, str]]:
    """The endpoint over a ``--backend`` that is a closed loopback port; the client and the backend's URL."""
    backend = f"http://127.0.0.1:{free_port()}/sparql"
    with in_process(TEHKG_BACKEND=backend) as client:
        yield client, backend


@pytest.fixture(scope="module")
def no_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The application over an empty store directory (``tehkg serve`` refuses to start there)."""
    root = tmp_path_factory.mktemp("no-store")
    with in_process(root / "store", TEHKG_WORKERS="1") as client:
        yield client


def assert_error(response: httpx.Response, status: int, kind: str) -> str:
    """The response is the endpoint's JSON error with ``status`` and ``kind``; returns its message."""
    assert response.status_code == status, (response.request.url, response.text)
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error", "message"} and body["error"] == kind, body
    return body["message"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_query_with_the_backend_down_is_a_502_naming_it(backend_down: tuple[TestClient, str], method: str) -> None:
    client, backend = backend_down
    if method == "GET":
        response = client.get("/sparql", params={"query": "ASK {}"})
    else:
        response = client.post("/sparql", data={"query": "ASK {}"})
    message = assert_error(response, 502, "backend")
    assert message == f"the SPARQL backend {backend} is unreachable: connection refused"


@pytest.mark.parametrize("path", [*PAGES_AND_DOCUMENTS, "/search?q=traite"])
def test_pages_with_the_backend_down_are_a_502_naming_it(backend_down: tuple[TestClient, str], path: str) -> None:
    client, backend = backend_down
    message = assert_error(client.get(path), 502, "backend")
    assert message == f"the SPARQL backend {backend} is unreachable: connection refused"


def test_head_with_the_backend_down_is_a_502_too(backend_down: tuple[TestClient, str]) -> None:
    response = backend_down[0].head("/sparql", params={"query": "ASK {}"})
    assert response.status_code == 502 and response.content == b""


def test_query_without_a_store_is_a_503(no_store: TestClient) -> None:
    response = no_store.get("/sparql", params={"query": "ASK {}"})
    assert assert_error(response, 503, "backend") == "no store is built yet"
    assert response.headers["retry-after"] == "1"


@pytest.mark.parametrize("path", PAGES_AND_DOCUMENTS)
def test_pages_and_dumps_without_a_store_are_a_503(no_store: TestClient, path: str) -> None:
    response = no_store.get(path)
    assert assert_error(response, 503, "backend") == "no store is built yet"
    assert response.headers["retry-after"] == "1"


def test_unknown_path_is_a_json_404(fixture_client: TestClient) -> None:
    assert assert_error(fixture_client.get("/no/such/page"), 404, "not-found") == "Not Found"


def test_wrong_method_is_a_json_405(fixture_client: TestClient) -> None:
    assert assert_error(fixture_client.delete("/dataset"), 405, "method-not-allowed") == "Method Not Allowed"


def test_invalid_parameter_is_a_json_422_naming_it(fixture_client: TestClient) -> None:
    message = assert_error(fixture_client.get("/search", params={"limit": "many"}), 422, "invalid-parameters")
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
