"""Shared fixtures: the shipped data built once, and a real endpoint over HTTP on 127.0.0.1."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tehkg.loader.store_builder import build
from tehkg.resources import shipped_sources

PROJECT_ROOT = Path(__file__).resolve().parent.parent

FIXTURES = Path(__file__).parent / "fixtures"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


def run_tehkg(*args: str) -> subprocess.CompletedProcess:
    """The ``tehkg`` command line, run from the project root."""
    return subprocess.run(
        [sys.executable, "-m", "tehkg.cli", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600
    )


def start_serve(args: list[str], log_dir: Path, ready: str = "/health", **env: str) -> tuple[subprocess.Popen, str]:
    """`tehkg serve ARGS` (``--store DIR`` or ``--backend URL``, other flags) on a free loopback port, once
    ``ready`` answers; returns the process and its base URL. Its output goes to a log in ``log_dir``."""
    port = free_port()
    environ = {**os.environ, "TEHKG_WORKERS": "2", **env}
    log = open(log_dir / f"server-{port}.log", "w")  # a pipe nobody reads would fill and block
    process = subprocess.Popen(
        [sys.executable, "-m", "tehkg.cli", "serve", *args, "--host", "127.0.0.1", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=environ,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base + ready, process)
    return process, base


def start_server(store: Path, **env: str) -> tuple[subprocess.Popen, str]:
    """`tehkg serve --store` on a free loopback port; returns the process and its base URL."""
    return start_serve(["--store", str(store)], store.parent, **env)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def shipped_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped ontology and data, validated and built once."""
    root = tmp_path_factory.mktemp("shipped") / "store"
    build(shipped_sources(), root, log=lambda _: None)
    return root


@pytest.fixture(scope="session")
def server(shipped_store: Path) -> Iterator[str]:
    """Base URL of a real endpoint over the shipped data."""
    process, base = start_server(shipped_store, TEHKG_MAX_ROWS="5000")
    yield base
    stop(process)


@pytest.fixture(scope="session")
def fixture_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small store (tests/fixtures/protocol.trig) for protocol tests."""
    root = tmp_path_factory.mktemp("fixture") / "store"
    build([FIXTURES / "protocol.trig"], root, validate=False, log=lambda _: None)
    return root


@pytest.fixture(scope="session")
def fixture_server(fixture_store: Path) -> Iterator[str]:
    """Base URL of a real endpoint over the protocol fixture, with a small row cap and timeout."""
    process, base = start_server(
        fixture_store,
        TEHKG_MAX_ROWS="3",
        TEHKG_TIMEOUT="2",
        TEHKG_MAX_BODY="20000",
        TEHKG_SERVICE_ALLOW="http://127.0.0.1:1/allowed",
        TEHKG_MAX_PER_CLIENT="64",  # the soak's 32 clients all come from 127.0.0.1
    )
    yield base
    stop(process)


@pytest.fixture(scope="session")
def mini_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a real endpoint over the conforming fixture (tests/fixtures/valid)."""
    root = tmp_path_factory.mktemp("mini") / "store"
    build([PROJECT_ROOT / "ontology", FIXTURES / "valid"], root, log=lambda _: None)
    process, base = start_server(root)
    yield base
    stop(process)
