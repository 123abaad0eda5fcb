"""Benchmark driver: tehkg against its peers, same data, same machine, one run.

    python bench/run.py [--sizes 14000 1000000 10000000] [--seconds 10] [--repeat 5]

For each synthetic size (labels 14k, 1M, 10M) it measures load time and peak memory (``tehkg build
--no-validate``, ``oxigraph load`` and, when installed, Virtuoso's bulk loader), then for every endpoint
(tehkg, ``oxigraph serve``, rdflib-endpoint below 50 MB of data, Virtuoso, in-process pyoxigraph) the
per-query p50/p95 latency and the throughput of the query mix at 8 and 32 concurrent clients, cold (a
unique comment defeats caches) and, for tehkg, warm. Row counts are compared across endpoints. Results
go to bench/REPORT.md (raw figures in bench/out/results.json). The load generator is a lean keep-alive
HTTP/1.1 client (one connection per simulated client, POST form, no parsing on the clock): on two cores
it shares the CPU with the server under test, so the less it costs, the closer the figures are to the
servers' own.

Virtuoso is Debian's ``virtuoso-opensource`` 7 (``make bench`` installs it with apt-get; without
``virtuoso-t`` and ``isql-vt`` on PATH the report says it was not available). Per size it gets a fresh
database in bench/out/virtuoso-<label>/ with a virtuoso.ini adapted from Debian's: SQL and HTTP ports
free and bound to 127.0.0.1, NumberOfBuffers/MaxDirtyBuffers 340000/250000 (its advice for 4 GB of RAM),
ThreadsPerQuery = cores, 32 HTTP threads, no gzip, ResultSetMaxRows 10 000 000, no execution-time or
cost-estimate limit. ``virtuoso-t +foreground`` runs as a child; the N-Quads file (quads keep their
graphs) is loaded with ``ld_dir`` + ``rdf_loader_run()`` + ``checkpoint`` through ``isql-vt`` (timed
without the server start; peak memory is the server's VmHWM) and the quads added are checked against the
file's distinct quads. Its /sparql gets the same POST form and Accept header as the others; without FROM
its default graph is the union of all graphs, Virtuoso's own system graphs (virtrdf, DAV...) included.
It answers CONSTRUCT/DESCRIBE in the preferred application/sparql-results+json as s/p/o bindings, one
per triple; ``count_rows`` counts those, N-Triples lines, or parses any other RDF syntax with
pyoxigraph.
"""

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import pyoxigraph as ox

from tehkg.endpoint.engines.workers import BrokenStore, served_snapshot
from tehkg.loader.store_layout import current_store, quad_count
from tehkg.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from provenance import written_by  # noqa: E402  (bench/, the script's own folder)

from tests.virtuoso import Virtuoso as VirtuosoServer  # noqa: E402  (the project root, not an installed package)
from tests.virtuoso import available as virtuoso_available  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "out"
QUERIES = {p.stem: p.read_text() for p in sorted((HERE / "queries").glob("*.rq"))}
ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
BIN = Path(sys.executable).parent
SERVED = Settings.load()  # what `tehkg serve` will use: it inherits this environment
VIRTUOSO_LOAD = "virtuoso ld_dir + rdf_loader_run + checkpoint"
VIRTUOSO_LOAD_TIMEOUT = 6 * 3600  # seconds for isql to bulk-load and checkpoint; 10M quads take minutes


def comparison_parser(doc: str) -> argparse.ArgumentParser:
    """The options of a benchmark of this checkout beside an earlier revision: ``--compare REV`` and ``--rounds``."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--compare", required=True, help="the git revision to run beside this checkout")
    parser.add_argument("--rounds", type=int, default=3)
    return parser


@contextlib.contextmanager
def checked_out(revision: str) -> Iterator[Path]:
    """``revision`` checked out in a temporary git worktree (removed afterwards), to run its code beside ours."""
    with tempfile.TemporaryDirectory() as scratch:
        worktree = Path(scratch) / "compare"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(worktree), revision], check=True)
        try:
            yield worktree
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)], check=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed_child(cmd: list[str], **kwargs) -> tuple[float, float]:
    """Run a command; return (seconds, peak resident memory in MiB) of that child alone."""
    start = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"{cmd[0]} failed: {process.stderr.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def process_tree(root: int) -> dict[int, list[str]]:
    """The ``/proc/PID/stat`` fields (after the command name) of process ``root`` and its live descendants."""
    stats = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            stats[int(stat.parent.name)] = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
    tree, grown = {root}, {root}
    while grown:
        grown = {pid for pid, fields in stats.items() if int(fields[1]) in grown} - tree
        tree |= grown
    return {pid: stats[pid] for pid in tree if pid in stats}


def tree_cpu(root: int) -> float:
    """CPU seconds (user + system) used so far by process ``root``, its live descendants and the children they
    have reaped (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(sum(int(f) for f in fields[11:15]) / ticks for fields in process_tree(root).values())


def tree_rss(root: int) -> dict[int, int]:
    """Resident bytes of process ``root`` and of each live descendant."""
    page = os.sysconf("SC_PAGE_SIZE")
    return {pid: int(fields[21]) * page for pid, fields in process_tree(root).items()}


def smaps(pid: int, field: str) -> int:
    """``field`` (Pss, Rss) of process ``pid`` in bytes, 0 once it has gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            return next(int(line.split()[1]) * 1024 for line in rollup if line.startswith(field + ":"))
    except (OSError, StopIteration):
        return 0


def wait_up(url: str, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise TimeoutError(url)


def wait_in_memory(base: str, workers: int, seconds: float = 900) -> None:
    """Wait until every tehkg worker answers from its in-memory copy (when the store is small enough); meanwhile
    ``/health`` may answer 503 (workers busy copying) or not at all."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            health = httpx.get(base + "/health", timeout=30)
            if health.status_code == 200 and health.json()["workers_in_memory"] >= workers:
                return
        except httpx.HTTPError:
            pass  # not answering yet
        if time.monotonic() > deadline:
            raise TimeoutError(f"{base}: workers still reading from disk after {seconds:g} s")
        time.sleep(0.5)


def count_rows(media: str, body: bytes) -> int:
    """Rows of a SELECT (1 for ASK), or triples of a CONSTRUCT/DESCRIBE, whatever syntax came back."""
    media = media.split(";")[0].strip().lower()
    if media in ("application/sparql-results+json", "application/json", "application/rdf+json"):
        parsed = json.loads(body)
        if "boolean" in parsed:
            return 1
        if "results" in parsed:  # also a graph sent as s/p/o bindings
            return len(parsed["results"]["bindings"])
        # RDF/JSON: {subject: {predicate: [object, ...]}}
        return sum(len(objects) for predicates in parsed.values() for objects in predicates.values())
    if media in ("application/sparql-results+xml", "text/tab-separated-values"):
        result = ox.parse_query_results(body, format=ox.QueryResultsFormat.from_media_type(media))
        return 1 if isinstance(result, ox.QueryBoolean) else sum(1 for _ in result)
    if media in ("", "application/n-triples", "application/n-quads", "text/plain"):
        # one statement a line; Virtuoso writes "# Empty NT" for an empty graph
        return sum(1 for line in body.decode().splitlines() if line.strip() and not line.lstrip().startswith("#"))
    rdf_format = ox.RdfFormat.from_media_type(media)  # Turtle, RDF/XML, JSON-LD...: parse and count
    if rdf_format is None:
        raise ValueError(f"cannot count the results in {media}")
    return sum(1 for _ in ox.parse(body, format=rdf_format))


class Connection:
    """One keep-alive HTTP/1.1 connection doing POST form requests: a lean client, so that the
    load generator, which shares the machine's cores with the servers, costs them little CPU."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port or 80, parts.path or "/"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, form: dict[str, str], accept: str) -> tuple[int, str, bytes]:
        """(status, content type, body) of one POST; reconnects when the server closed the connection."""
        body = urlencode(form).encode()
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: {accept}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=2**24)
        self.writer.write(head + body)
        status_line, *lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            payload = await self.reader.readexactly(int(headers["content-length"]))
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            chunks = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            await self.reader.readuntil(b"\r\n")  # no trailers are sent
            payload = b"".join(chunks)
        else:  # the body runs to the end of the connection
            payload = await self.reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close" or status_line.startswith("HTTP/1.0"):
            self.close()
        return int(status_line.split()[1]), headers.get("content-type", ""), payload

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


class HttpEndpoint:
    """A SPARQL endpoint over HTTP, queried with POST form."""

    def __init__(self, name: str, url: str, process: subprocess.Popen | None) -> None:
        self.name, self.url, self.process = name, url, process

    def session(self) -> Connection:
        return Connection(self.url)

    async def ask(self, session: Connection, query: str) -> tuple[int, str, bytes]:
        return await session.post({"query": query}, ACCEPT)

    def close(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(30)


class Virtuoso(VirtuosoServer):
    """A private Virtuoso for one size, in bench/out/virtuoso-<label>/ (launcher shared with the tests)."""

    def __init__(self, label: str) -> None:
        super().__init__(WORK / f"virtuoso-{label}", allowed=[WORK])

    def load(self, data: Path) -> tuple[float, float | None, int]:
        """Bulk-load the N-Quads file (its quads keep their graphs); (seconds, peak MiB, quads added)."""
        before = self.quads()
        start = time.perf_counter()
        self.bulk_load(data, "http://example.org/default", VIRTUOSO_LOAD_TIMEOUT)
        elapsed = time.perf_counter() - start
        return elapsed, self.peak_rss(), self.quads() - before


class VirtuosoEndpoint(HttpEndpoint):
    """Virtuoso's /sparql: without FROM its default graph is the union of all graphs."""

    def __init__(self, server: Virtuoso) -> None:
        super().__init__("virtuoso", f"http://127.0.0.1:{server.http_port}/sparql", server.process)
        self.server = server

    def close(self) -> None:
        self.server.stop()


class InProcess:
    """pyoxigraph in this process, results serialised to JSON: the floor for the stack.

    The store is opened as tehkg's workers open it (copied into memory up to the default
    ``TEHKG_MEMORY_QUADS``), so the difference with tehkg is the HTTP layer and the process hop.
    """

    name = "in-process pyoxigraph"

    def __init__(self, store_dir: str) -> None:
        snapshot = served_snapshot(store_dir, SERVED.memory_quads)
        if isinstance(snapshot, BrokenStore):
            raise SystemExit(snapshot.error)
        self.store = snapshot.store
        self.pool = ThreadPoolExecutor(32)

    def _run(self, query: str) -> tuple[int, str, bytes]:
        result = self.store.query(query)  # the default graph of a tehkg store is the merge of its graphs
        if isinstance(result, ox.QueryTriples):
            return 200, "application/n-triples", ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)
        return 200, "application/sparql-results+json", result.serialize(format=ox.QueryResultsFormat.JSON)

    def session(self) -> None:
        return None

    async def ask(self, session: None, query: str) -> tuple[int, str, bytes]:
        return await asyncio.get_running_loop().run_in_executor(self.pool, self._run, query)

    def close(self) -> None:
        self.pool.shutdown()


async def latencies(endpoint, repeat: int, cold: bool) -> dict[str, dict]:
    """Per query: p50/p95 milliseconds one at a time, rows of the answer (counted off the clock), errors."""
    out = {}
    session = endpoint.session()
    try:
        for name, query in QUERIES.items():
            times, rows, errors = [], None, 0
            for i in range(repeat):
                text = query + (f"\n# nonce {time.perf_counter_ns()}-{i}" if cold else "")
                start = time.perf_counter()
                try:
                    status, media, body = await endpoint.ask(session, text)
                except Exception:  # noqa: BLE001 - a failure is counted, not fatal
                    status, media, body = 599, "", b""
                    session = reconnect(endpoint, session)
                times.append((time.perf_counter() - start) * 1000)
                errors += status != 200
                rows = count_rows(media, body) if status == 200 else rows
            times.sort()
            out[name] = {
                "p50": statistics.median(times),
                "p95": times[min(len(times) - 1, int(0.95 * len(times)))],
                "rows": rows,
                "errors": errors,
            }
    finally:
        if session is not None:
            session.close()
    return out


def reconnect(endpoint, session: Connection | None) -> Connection | None:
    """A fresh session after a failed request (its connection may be half-read)."""
    if session is not None:
        session.close()
    return endpoint.session()


async def throughput(endpoint, clients: int, seconds: float, cold: bool) -> dict:
    """Answered queries per second of the mix with ``clients`` concurrent keep-alive clients."""
    done = errors = 0
    stop_at = time.monotonic() + seconds
    names = list(QUERIES)

    async def client_loop(index: int) -> None:
        nonlocal done, errors
        session = endpoint.session()
        i = index
        try:
            while time.monotonic() < stop_at:
                query = QUERIES[names[i % len(names)]]
                if cold:
                    query += f"\n# nonce {index}-{i}-{time.perf_counter_ns()}"
                try:
                    status, _, _ = await asyncio.wait_for(endpoint.ask(session, query), 120)
                except Exception:  # noqa: BLE001
                    status = 599
                    session = reconnect(endpoint, session)
                done += status == 200
                errors += status != 200
                i += 1
        finally:
            if session is not None:
                session.close()

    start = time.monotonic()
    await asyncio.gather(*(client_loop(i) for i in range(clients)))
    elapsed = time.monotonic() - start
    return {"qps": done / elapsed, "errors": errors}


def start_tehkg(store_root: Path, **env: str) -> HttpEndpoint:
    """``tehkg serve`` on a built store, once up and, for a store it copies, answering from memory."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tehkg.cli", "serve", "--store", str(store_root), "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_up(f"http://127.0.0.1:{port}/health")
        if quad_count(current_store(store_root)) <= SERVED.memory_quads:
            wait_in_memory(f"http://127.0.0.1:{port}", SERVED.workers)
    except BaseException:  # not handed to the caller, so stopped here (its workers with it)
        proc.terminate()
        proc.wait(30)
        raise
    return HttpEndpoint("tehkg", f"http://127.0.0.1:{port}/sparql", proc)


def workers_replaced(endpoint: HttpEndpoint) -> int:
    """How many query workers a tehkg endpoint has replaced since it started (``/health``)."""
    health = httpx.get(endpoint.url.removesuffix("/sparql") + "/health", timeout=60)
    return health.json()["workers_replaced"]


def start_oxigraph(ox_dir: Path) -> HttpEndpoint:
    """``oxigraph serve-read-only`` (``oxigraph serve`` when that does not come up) over ``ox_dir``."""
    port = free_port()
    proc = subprocess.Popen(
        [
            str(BIN / "oxigraph"),
            "serve-read-only",
            "--location",
            str(ox_dir),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if proc.poll() is None:
        try:
            wait_up(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", 60)
        except TimeoutError:
            proc.kill()
            proc = subprocess.Popen(
                [
                    str(BIN / "oxigraph"),
                    "serve",
                    "--location",
                    str(ox_dir),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--union-default-graph",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_up(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", 60)
    return HttpEndpoint("oxigraph serve", f"http://127.0.0.1:{port}/query", proc)


def start_endpoints(endpoints: list, data: Path, store_root: Path, ox_dir: Path, virtuoso: Virtuoso | None) -> None:
    """Start every endpoint, appending each to ``endpoints`` as soon as it is up (the caller closes them)."""
    # every client is on 127.0.0.1: one address may run every query, for as long as the run takes
    caps = {"TEHKG_MAX_PENDING": "1000", "TEHKG_MAX_PER_CLIENT": "1000", "TEHKG_CLIENT_BUDGET": "1000000"}
    endpoints.append(start_tehkg(store_root, TEHKG_MAX_ROWS="1000000", TEHKG_TIMEOUT="120", **caps))
    endpoints.append(start_oxigraph(ox_dir))
    rdflib_endpoint = shutil.which("rdflib-endpoint", path=str(BIN)) or shutil.which("rdflib-endpoint")
    if rdflib_endpoint:
        if data.stat().st_size < 50_000_000:  # rdflib loads the graph in memory, slowly
            port = free_port()
            proc = subprocess.Popen(
                [rdflib_endpoint, "serve", str(data), "--host", "127.0.0.1", "--port", str(port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_up(f"http://127.0.0.1:{port}/?query=ASK%7B%7D", 900)
            endpoints.append(HttpEndpoint("rdflib-endpoint", f"http://127.0.0.1:{port}/", proc))
    if virtuoso is not None:  # already running: it was started to load the data
        endpoints.append(VirtuosoEndpoint(virtuoso))
    endpoints.append(InProcess(str(current_store(store_root))))


def bench_size(size: int, seconds: float, repeat: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from generate import generated, label_of_size

    label = label_of_size(size)
    data = generated(size, WORK)
    triples = sum(1 for _ in data.open())
    store_root, ox_dir = WORK / f"tehkg-{label}", WORK / f"oxigraph-{label}"
    shutil.rmtree(store_root, ignore_errors=True)
    shutil.rmtree(ox_dir, ignore_errors=True)
    load = {
        "tehkg build --no-validate": timed_child(
            [sys.executable, "-m", "tehkg.cli", "build", str(data), "--store", str(store_root), "--no-validate"],
            cwd=ROOT,
        ),
        "oxigraph load": timed_child([str(BIN / "oxigraph"), "load", "--location", str(ox_dir), "--file", str(data)]),
    }
    distinct = len(ox.Store.read_only(str(ox_dir)))  # the file repeats some quads; stores keep one of each
    result = {"size": label, "triples": triples, "distinct": distinct, "load": load, "endpoints": {}}
    virtuoso = None
    if not virtuoso_available():
        result["virtuoso"] = "Virtuoso was not available (no `virtuoso-t`/`isql-vt` on PATH): not benchmarked."
    else:
        virtuoso = Virtuoso(label)
        try:
            virtuoso.start()
            load_seconds, peak, loaded = virtuoso.load(data)
            load[VIRTUOSO_LOAD] = (load_seconds, peak)
            check = "equal to" if loaded == distinct else "**NOT equal** to"
            result["virtuoso"] = (
                f"Virtuoso: fresh database and server start {virtuoso.startup:.1f} s (not in the load "
                f"time); peak MiB is the server's peak resident memory since its start; it loaded "
                f"{loaded} quads, {check} the {distinct} distinct quads of the file."
            )
            if loaded != distinct:
                print(f"{label} virtuoso loaded {loaded} quads, the file has {distinct} distinct", flush=True)
        except Exception as error:  # noqa: BLE001 - the other engines are still measured
            virtuoso.stop()
            virtuoso = None
            result["virtuoso"] = f"Virtuoso failed to start or load, not benchmarked: {error}"
            print(f"{label}: {result['virtuoso']}", flush=True)
    endpoints = []
    try:
        start_endpoints(endpoints, data, store_root, ox_dir, virtuoso)
        for endpoint in endpoints:
            replaced_before = workers_replaced(endpoint) if endpoint.name == "tehkg" else 0
            entry = {"latency_cold": asyncio.run(latencies(endpoint, repeat, cold=True))}
            for clients in (8, 32):
                entry[f"cold_{clients}"] = asyncio.run(throughput(endpoint, clients, seconds, cold=True))
            if endpoint.name == "tehkg":
                entry["latency_warm"] = asyncio.run(latencies(endpoint, repeat, cold=False))
                entry["warm_8"] = asyncio.run(throughput(endpoint, 8, seconds, cold=False))
                entry["workers_replaced"] = workers_replaced(endpoint) - replaced_before
            result["endpoints"][endpoint.name] = entry
            print(f"{label} {endpoint.name}: {entry['cold_8']['qps']:.1f} q/s at 8 clients", flush=True)
    finally:
        for endpoint in endpoints:
            endpoint.close()
        if virtuoso is not None:
            virtuoso.stop()  # no-op once its endpoint closed it
    return result


def report(results: list[dict], note: str) -> str:
    lines = [
        "# Benchmark report",
        "",
        written_by(),
        "",
        *([note, ""] if note else []),
        f"Query mix: {len(QUERIES)} queries in `bench/queries/`. "
        "Cold = a unique comment per request defeats every cache; warm = repeated text. Load "
        "generator: a lean keep-alive HTTP/1.1 client in the driver's process, on the same cores. "
        f"tehkg runs {SERVED.workers} query workers (by default two per core); "
        f"stores of up to {SERVED.memory_quads:,} quads are copied into memory once, by the process their "
        "workers are forked from (the in-process floor copies them too); larger ones are read from disk. Every simulated client connects from 127.0.0.1, so tehkg's "
        "per-client limits are lifted for the run (TEHKG_MAX_PER_CLIENT, TEHKG_CLIENT_BUDGET, TEHKG_MAX_PENDING).",
        "",
        "Errors: requests not answered with 200 (a failure, or no answer within the client's 120 s). "
        "Rows agree compares the row counts of the answers (None: no successful answer); DESCRIBE is "
        "implementation-defined (SPARQL 1.1, 16.4), so engines may describe a resource differently.",
        "",
    ]
    for r in results:
        distinct = f", {r['distinct']} distinct" if "distinct" in r else ""
        lines += [
            f"## {r['size']} ({r['triples']} quads{distinct})",
            "",
            "| load | seconds | peak MiB |",
            "|---|---|---|",
        ]
        for name, (sec, mem) in r["load"].items():
            lines.append(f"| {name} | {sec:.2f} | {'n/a' if mem is None else f'{mem:.0f}'} |")
        tehkg_load = r["load"]["tehkg build --no-validate"][0]
        load_ratio = f"tehkg build / oxigraph load = **{tehkg_load / r['load']['oxigraph load'][0]:.2f}×** time"
        if VIRTUOSO_LOAD in r["load"]:
            load_ratio += f"; tehkg build / virtuoso load = **{tehkg_load / r['load'][VIRTUOSO_LOAD][0]:.2f}×** time"
        lines += ["", load_ratio]
        if r.get("virtuoso"):
            lines += ["", r["virtuoso"]]
        lines += [
            "",
            "| endpoint | q/s cold, 8 clients | q/s cold, 32 clients | errors | q/s warm, 8 clients |",
            "|---|---|---|---|---|",
        ]
        eps = r["endpoints"]
        for name, e in eps.items():
            warm = f"{e['warm_8']['qps']:.1f}" if "warm_8" in e else "—"
            errors = e["cold_8"]["errors"] + e["cold_32"]["errors"]
            lines.append(f"| {name} | {e['cold_8']['qps']:.1f} | {e['cold_32']['qps']:.1f} | {errors} | {warm} |")
        base = eps["tehkg"]
        lines += [
            "",
            f"Query workers tehkg replaced during its measurements (`/health`): {base['workers_replaced']}. A worker "
            "is replaced when a query runs past its deadline, or past the reserved worker's short deadline (a query "
            "stopped there is not given the reserve again); the new one is a fork sharing the in-memory copy.",
            "",
        ]
        for peer in ("oxigraph serve", "rdflib-endpoint", "virtuoso", "in-process pyoxigraph"):
            if peer in eps and eps[peer]["cold_8"]["qps"]:
                lines.append(
                    f"- tehkg / {peer}, cold 8 clients: **{base['cold_8']['qps'] / eps[peer]['cold_8']['qps']:.2f}×**"
                )
        if "warm_8" in base:
            lines.append(
                f"- tehkg warm / oxigraph serve cold, 8 clients: "
                f"**{base['warm_8']['qps'] / eps['oxigraph serve']['cold_8']['qps']:.2f}×**"
            )
        lines += [
            "",
            "| query | " + " | ".join(f"{n} p50/p95 ms" for n in eps) + " | rows agree |",
            "|---|" + "---|" * (len(eps) + 1),
        ]
        for q in QUERIES:
            cells = [f"{e['latency_cold'][q]['p50']:.1f} / {e['latency_cold'][q]['p95']:.1f}" for e in eps.values()]
            rows = {n: e["latency_cold"][q]["rows"] for n, e in eps.items()}
            agree = "yes" if len(set(rows.values())) == 1 else "no: " + ", ".join(f"{n}={v}" for n, v in rows.items())
            lines.append(f"| {q} | " + " | ".join(cells) + f" | {agree} |")
        overhead = [
            base["latency_cold"][q]["p50"] - eps["in-process pyoxigraph"]["latency_cold"][q]["p50"] for q in QUERIES
        ]
        lines += [
            "",
            f"HTTP overhead of tehkg over in-process, median of per-query p50 differences: "
            f"**{statistics.median(overhead):.2f} ms**",
            "",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[14_000, 1_000_000])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--note", default="", help="a sentence for the report, e.g. what else ran on the machine")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    results = [bench_size(size, args.seconds, args.repeat) for size in args.sizes]
    (WORK / "results.json").write_text(json.dumps(results, indent=1))
    (HERE / "REPORT.md").write_text(report(results, args.note))
    print(f"wrote {HERE / 'REPORT.md'}")


if __name__ == "__main__":
    main()
