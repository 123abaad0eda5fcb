"""Shared fixtures: the shipped data built once; the endpoint in this process (FastAPI's TestClient over the whole
application, query layer and worker pool included) for what needs no real server; a real endpoint over HTTP on
127.0.0.1 (``tehkg serve`` as a subprocess) for what does (sockets, uvicorn and its HTTP parser, browsers, interop clients); the
command line in this process, or as a subprocess where what a user sees must be observed from outside.

The in-process fixtures take the settings of the subprocess ones they stand for (``fixture_client`` those of
``fixture_server``, and so on), and are session-scoped: each worker pool starts once per run."""

import contextlib
import io
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient

from tehkg import cli
from tehkg.endpoint.app import create_app
from tehkg.loader.store_builder import build
from tehkg.resources import shipped_sources
from tehkg.settings import PREFIX, Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent

FIXTURES = Path(__file__).parent / "fixtures"

# The curators' check (tests marked ``sources``) compares stored texts with the five source documents, which the
# project does not ship: it runs when this variable names their folder (relative to the checkout), and is
# deselected, with a line in the summary, when it is not set.
SOURCES_VARIABLE = "TEHKG_SOURCES"
NOT_RUN = pytest.StashKey[list[str]]()


def sources_folder() -> Path | None:
    """The folder of the source documents ``TEHKG_SOURCES`` names (relative to the checkout), if it names one."""
    named = os.environ.get(SOURCES_VARIABLE, "").strip()
    return PROJECT_ROOT / named if named else None


# The one skip --no-skips lets through: a feature this platform's kernel refuses (such as network namespaces), which no
# install step can provide; ``-rs`` lists each such skip with its reason and the summary says why it is left.
PLATFORM_REFUSES = "this platform refuses "


def skip_where_refused(feature: str) -> NoReturn:
    """Skip the running test: this platform refuses ``feature``, which the test needs and nothing can install."""
    pytest.skip(PLATFORM_REFUSES + feature)


def skip_reason(report: pytest.CollectReport | pytest.TestReport) -> str:
    """The reason a skipped report gives, as ``-rs`` prints it."""
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    return reason.removeprefix("Skipped: ")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--no-skips",
        action="store_true",
        help="a test that skips fails instead, with its reason (what it lacks), unless this platform refuses what it "
        "needs: make test and CI set it",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[Any]:
    report = yield
    if report.skipped and not hasattr(report, "wasxfail") and item.config.getoption("--no-skips"):
        reason = skip_reason(report)
        if not reason.startswith(PLATFORM_REFUSES):
            report.outcome = "failed"
            report.longrepr = f"skipped, which --no-skips forbids (make test installs what tests need): {reason}"
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[Any]:
    report = yield
    if report.skipped and collector.config.getoption("--no-skips"):
        report.outcome = "failed"
        report.longrepr = f"{collector.nodeid} skipped at collection, which --no-skips forbids: {skip_reason(report)}"
    return report


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if sources_folder() is not None:
        return
    curators = [item for item in items if item.get_closest_marker("sources")]
    if curators:
        items[:] = [item for item in items if not item.get_closest_marker("sources")]
        config.hook.pytest_deselected(items=curators)
        config.stash[NOT_RUN] = [item.nodeid for item in curators]


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    not_run = config.stash.get(NOT_RUN, [])
    if not_run:
        terminalreporter.write_line(
            f"curators' check not run ({len(not_run)} deselected tests compare stored texts with the source "
            f"documents): set {SOURCES_VARIABLE} to the folder of the five source documents to run it"
        )
    refused = [r for r in terminalreporter.stats.get("skipped", []) if not hasattr(r, "wasxfail")]
    if refused and config.getoption("--no-skips"):
        terminalreporter.write_line(
            f"{len(refused)} tests skipped, each because this platform refuses a kernel feature it needs (the short "
            "test summary names it): no install step can provide one; every other skip failed"
        )


def pytest_configure(config: pytest.Config) -> None:
    # InProcessClient honours the timeout of each request, which starlette's TestClient warns it ignores
    ignored = "You should not use the 'timeout' argument with the TestClient"
    config.addinivalue_line("filterwarnings", f"ignore:{ignored}:starlette.exceptions.StarletteDeprecationWarning")


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


IN_PROCESS = "http://testserver"  # the base URL of the in-process clients
T = TypeVar("T")


def endpoint_settings(store: Path | None = None, **env: str) -> Settings:
    """The settings ``start_server(store, **env)`` serves with: ``env`` holds ``TEHKG_*`` variables over the
    environment, two query workers unless it says otherwise."""
    environ = {"TEHKG_WORKERS": "2", **env}
    fields: dict[str, Any] = {name.removeprefix(PREFIX).lower(): value for name, value in environ.items()}
    if store is not None:
        fields["store"] = store
    return Settings(**fields)


def within(seconds: float, call: Callable[[], T], what: str) -> T:
    """What ``call()`` returns (or raises), run in a thread of its own, if it ends within ``seconds``; else
    TimeoutError naming ``what``. A test then waits on the application in process as a client waits on a server,
    up to a deadline, instead of for ever."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as err:  # raised again in the caller's thread
            outcome["error"] = err

    thread = threading.Thread(target=run, name=f"within {what}", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise TimeoutError(f"{what}: no answer within {seconds:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


class InProcessClient(TestClient):
    """A TestClient whose requests give up after their read timeout (httpx's 5 s unless ``timeout=`` says otherwise)
    with httpx.ReadTimeout, as a request over HTTP does: an answer that never comes fails the test, not hangs it.
    Leaving the ``with`` block cancels what the application still does for requests given up on (the TestClient
    would wait for them for ever), as a server stopped ends its connections."""

    def __init__(self, app: Callable, **kwargs: Any) -> None:
        self.running: set[anyio.CancelScope] = set()  # one per request the application is answering
        self.abandoned = 0

        async def tracked(scope: dict, receive: Callable, send: Callable) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            with anyio.CancelScope() as answering:
                self.running.add(answering)
                try:
                    await app(scope, receive, send)
                finally:
                    self.running.discard(answering)

        super().__init__(tracked, **kwargs)

    def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        seconds = request.extensions.get("timeout", {}).get("read")
        if seconds is None:
            return super().send(request, **kwargs)
        try:
            return within(seconds, lambda: TestClient.send(self, request, **kwargs), f"{request.method} {request.url}")
        except TimeoutError as err:
            self.abandoned += 1
            raise httpx.ReadTimeout(str(err), request=request) from None

    def __exit__(self, *args: object) -> None:
        if self.abandoned and self.portal is not None:
            self.portal.call(self._cancel_running)
        super().__exit__(*args)

    async def _cancel_running(self) -> None:
        for answering in list(self.running):
            answering.cancel()


def in_process(store: Path | None = None, **env: str) -> InProcessClient:
    """The whole application (``create_app``: guard, HTTP methods, CORS, query layer, routes) with the settings of
    ``start_server(store, **env)``, in this process, as a TestClient to use in a ``with`` block: entering it starts
    the query workers, leaving it stops them. Redirects are not followed, and requests time out, as with httpx. Its
    base URL is ``IN_PROCESS``: the address the application sees the connection accepted on, which self-built URLs
    start with."""
    return InProcessClient(create_app(endpoint_settings(store, **env)), base_url=IN_PROCESS, follow_redirects=False)


def ready(client: InProcessClient) -> InProcessClient:
    """``client`` once its query workers answer (``/health`` is 200; each try waits up to 5 s for a worker), as
    ``start_server`` waits for a server: the first request of a test meets started workers, not a pool still starting
    on a busy machine, which a 2 s query deadline would turn into a 503."""
    for _ in range(12):
        health = client.get("/health", timeout=10)
        if health.status_code == 200:
            return client
    raise TimeoutError(f"the endpoint in process is not ready: {health.text}")


def own_path(url: str) -> str:
    """The path (and query) of ``url``, a URL the in-process endpoint built for itself; fails unless it starts with
    ``IN_PROCESS``. A TestClient sends a request to the application whatever its host, where over HTTP a URL naming
    another host would not reach the endpoint: requests for URLs read from an answer go through this check."""
    assert url.startswith(IN_PROCESS + "/"), f"{url} is not a URL of the endpoint"
    return url.removeprefix(IN_PROCESS)


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


SHIPPED_ENV = {"TEHKG_MAX_ROWS": "5000"}
FIXTURE_ENV = {
    "TEHKG_MAX_ROWS": "3",
    "TEHKG_TIMEOUT": "2",
    "TEHKG_MAX_BODY": "20000",
    "TEHKG_SERVICE_ALLOW": "http://127.0.0.1:1/allowed",
    "TEHKG_MAX_PER_CLIENT": "64",  # the soak's 32 clients all come from 127.0.0.1
}


@pytest.fixture(scope="session")
def server(shipped_store: Path) -> Iterator[str]:
    """Base URL of a real endpoint over the shipped data."""
    process, base = start_server(shipped_store, **SHIPPED_ENV)
    yield base
    stop(process)


@pytest.fixture(scope="session")
def shipped_client(shipped_store: Path) -> Iterator[TestClient]:
    """The endpoint over the shipped data in this process, with the settings of ``server``."""
    with in_process(shipped_store, **SHIPPED_ENV) as client:
        yield ready(client)


@pytest.fixture(scope="session")
def fixture_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small store (tests/fixtures/protocol.trig) for protocol tests."""
    root = tmp_path_factory.mktemp("fixture") / "store"
    build([FIXTURES / "protocol.trig"], root, validate=False, log=lambda _: None)
    return root


@pytest.fixture(scope="session")
def fixture_server(fixture_store: Path) -> Iterator[str]:
    """Base URL of a real endpoint over the protocol fixture, with a small row cap and timeout."""
    process, base = start_server(fixture_store, **FIXTURE_ENV)
    yield base
    stop(process)


@pytest.fixture(scope="session")
def fixture_client(fixture_store: Path) -> Iterator[TestClient]:
    """The endpoint over the protocol fixture in this process, with the settings of ``fixture_server`` (a row cap of
    3, a 2 s timeout, a 20 kB body, one allowed SERVICE endpoint)."""
    with in_process(fixture_store, **FIXTURE_ENV) as client:
        yield ready(client)


@pytest.fixture(scope="session")
def mini_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ontology and the conforming fixture (tests/fixtures/valid), validated and built once."""
    root = tmp_path_factory.mktemp("mini") / "store"
    build([PROJECT_ROOT / "ontology", FIXTURES / "valid"], root, log=lambda _: None)
    return root


@pytest.fixture(scope="session")
def mini_client(mini_store: Path) -> Iterator[TestClient]:
    """The endpoint over the conforming fixture in this process."""
    with in_process(mini_store) as client:
        yield ready(client)


def tehkg_cli(*args: str) -> subprocess.CompletedProcess:
    """``tehkg ARGS`` in this process (``tehkg.cli.main``): the exit status, standard output and standard error a user
    sees, as ``run_tehkg`` gives them, without starting Python for each command. Where what must be seen can only be
    seen from outside (a crash, a signal, a limit set on the process, the command as installed), use ``run_tehkg``."""
    out, err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(args))
        except SystemExit as exit_:  # as the interpreter turns it into an exit status
            code = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
            if isinstance(exit_.code, str):
                print(exit_.code, file=sys.stderr)
    out.flush()
    err.flush()
    return subprocess.CompletedProcess(
        ["tehkg", *args], code, out.buffer.getvalue().decode(), err.buffer.getvalue().decode()
    )


class Listener:
    """A loopback TCP listener that records the address of each connection it accepts."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted: list[tuple[str, int]] = []  # peer addresses, in the order of the listen queue
        self.probes: set[tuple[str, int]] = set()
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def connections(self) -> int:
        """The connections accepted so far."""
        return len(self.accepted)

    def _accept(self) -> None:
        while True:
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return  # closed
            conn.close()
            with self.changed:
                self.accepted.append(peer[:2])
                self.changed.notify_all()

    def connections_from_others(self) -> int:
        """Connections other than probes of ours, once a new probe is accepted: any connection made before the
        probe (the server's, during a request already answered) is queued before it, so accepted by then."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as probe:
            mine = probe.getsockname()[:2]
        with self.changed:
            self.probes.add(mine)
            assert self.changed.wait_for(lambda: mine in self.accepted, 10), "the probe connection was never accepted"
            return len([peer for peer in self.accepted if peer not in self.probes])

    def close(self) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        self.sock.close()
        self.thread.join(5)


@pytest.fixture
def canary() -> Iterator[Listener]:
    """A loopback listener that no query may reach: read it with ``connections_from_others()``, which waits for
    every connection made before the read."""
    listener = Listener()
    yield listener
    listener.close()
