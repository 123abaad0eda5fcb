"""Hostile traffic, one run, side by side with a quiet baseline: does a victim keep being answered?

    python bench/hostile.py [--seconds 15] [--idle 600] [--attackers 4] [--runaways 8]

On the 14k synthetic graph of bench/run.py, starts ``tehkg serve`` with its defaults and runs these phases of
``seconds`` each on the same server. In every phase a victim, from 127.0.0.1, sends an uncached ASK (a
distinct text each time) every 20 ms and ``GET /health`` every 50 ms (each gives up after 35 s, past the 30 s
query limit); attackers come from other loopback addresses, each its own client:

- quiet: the victim alone;
- idle (30 addresses) and idle (1 address): ``idle`` connections that send nothing, spread over 30 addresses
  (each below the per-client cap: the head deadline and, past the global cap, the room made for newer
  connections close them) or from one (the per-client cap refuses all but its first ones); the attackers do
  not reopen what the server closes;
- memory-hungry: ``attackers`` clients each send, again and again, a 1 KB query whose string doubles 22
  times (4 GiB, past every worker's memory cap);
- laundered runaways: ``attackers`` clients each run a runaway text once over an empty ``default-graph-uri``
  (it answers at once: the old pool then trusted the text as cheap), then send it for real, again and again;
- abandoned runaways: ``runaways`` clients send bench/runaway.py's cross join and close the connection 0.2 s
  later without reading;
- gate: ``tehkg validate`` parses the hostile files of the gate's findings one after the other (a 5 000-level
  JSON-LD, a 25 MB Turtle collection, a 9 MB nested RDF/XML, a 150 MB literal): its exit code, time and peak
  memory beside the victim's figures (this phase lasts ``gate-seconds``, 120 by default).

For each phase: the victim's requests, 5xx, failures, p50 / p95 / max; the peak resident memory of the server
process and of its largest worker against the worker cap (TEHKG_WORKER_MEMORY, plus the 1 GiB stack the
kernel's limit also counts). Targets: p95 ≤ 100 ms and no 5xx for the victim; worker memory within its cap.
Writes bench/HOSTILE.md. Loopback only; every phase bounded by ``seconds``.
"""

import argparse
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import httpx
from generate import generate
from provenance import written_by
from run import HERE, ROOT, SERVED, WORK, start_tehkg, tree_rss
from runaway import RUNAWAY

from tehkg.endpoint.engines.workers import STACK_BYTES

TARGET_P95 = 100.0  # ms, for both probes
PROBE_TIMEOUT = 35.0
ASK_EVERY, HEALTH_EVERY = 0.02, 0.05


def doubling_query(times: int) -> str:
    """A 1 KB query whose string doubles ``times`` times."""
    binds = " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(times))
    return f'SELECT (STRLEN(?s{times}) AS ?n) WHERE {{ BIND("{"x" * 64}" AS ?s0) {binds} }}'


HUNGRY = doubling_query(26)  # 64 B × 2^26 = 4 GiB


def probe(send: Callable[[httpx.Client, int], httpx.Response], every: float, stop_at: float) -> dict:
    """Call ``send`` every ``every`` seconds until ``stop_at``: latencies (ms), failures (anything but 200), 5xx."""
    latencies, failures, server_errors = [], 0, 0
    with httpx.Client(timeout=PROBE_TIMEOUT) as client:
        i = 0
        while time.monotonic() < stop_at:
            start = time.perf_counter()
            try:
                status = send(client, i).status_code
            except httpx.HTTPError:
                status = 0
            latencies.append((time.perf_counter() - start) * 1000)
            failures += status != 200
            server_errors += status >= 500
            i += 1
            time.sleep(max(0.0, every - (time.perf_counter() - start)))
    return {"latencies": latencies, "failures": failures, "server_errors": server_errors}


def victim(url: str, stop_at: float, out: dict) -> list[threading.Thread]:
    """The victim's two probes, started."""
    base = url.removesuffix("/sparql")
    accept = {"Accept": "application/sparql-results+json"}

    def ask(client: httpx.Client, i: int) -> httpx.Response:
        return client.get(url, params={"query": f"ASK {{ ?s ?p {i} }} # {time.time_ns()}"}, headers=accept)

    def health(client: httpx.Client, i: int) -> httpx.Response:
        return client.get(base + "/health")

    threads = [
        threading.Thread(target=lambda: out.__setitem__("ask", probe(ask, ASK_EVERY, stop_at))),
        threading.Thread(target=lambda: out.__setitem__("health", probe(health, HEALTH_EVERY, stop_at))),
    ]
    for thread in threads:
        thread.start()
    return threads


def hold_idle(port: int, sources: list[str], count: int, stop_at: float) -> None:
    """Open ``count`` connections, in turn from each of ``sources``, send nothing, keep them until ``stop_at``
    or until the server closes them."""
    selector = selectors.DefaultSelector()
    opened = set()
    for n in range(count):
        try:
            sock = socket.create_connection(
                ("127.0.0.1", port), timeout=5, source_address=(sources[n % len(sources)], 0)
            )
        except OSError:
            continue
        selector.register(sock, selectors.EVENT_READ)
        opened.add(sock)
    while opened and (left := stop_at - time.monotonic()) > 0:
        for key, _ in selector.select(left):
            selector.unregister(key.fileobj)
            opened.discard(key.fileobj)
            key.fileobj.close()
    for sock in opened:
        sock.close()


def repeat_query(url: str, source: str, query: str, stop_at: float, params: dict | None = None) -> None:
    """Send ``query`` from ``source`` again and again until ``stop_at`` (each request cut at ``stop_at``)."""
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport) as client:
        while (left := stop_at - time.monotonic()) > 0.05:
            try:
                client.get(url, params={"query": query, **(params or {})}, timeout=left)
            except httpx.HTTPError:
                pass


def launder_then_repeat(url: str, source: str, stop_at: float) -> None:
    """Run the runaway once over an empty default graph (an instant answer), then for real, again and again."""
    text = f"{RUNAWAY} # laundered from {source}"
    repeat_query(
        url, source, text, min(stop_at, time.monotonic() + 2), {"default-graph-uri": "http://example.org/empty"}
    )
    repeat_query(url, source, text, stop_at)


def abandon(port: int, source: str, query: str) -> None:
    """Send ``query`` from ``source``, close 0.2 s later without reading."""
    with socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0)) as sock:
        sock.sendall(f"GET /sparql?query={quote(query)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        time.sleep(0.2)


def hostile_files(folder: Path) -> dict[str, Path]:
    """The inputs of the gate's findings, written once."""
    folder.mkdir(exist_ok=True)
    files = {
        "JSON-LD nested 5 000 levels (80 KB)": folder / "deep.jsonld",
        "Turtle collection (25 MB)": folder / "collection.ttl",
        "RDF/XML nested (9 MB)": folder / "nested.rdf",
        "one 150 MB literal": folder / "literal.ttl",
    }
    paths = list(files.values())
    if not paths[0].exists():
        paths[0].write_text(
            '{"@id": "http://example.org/s", "http://example.org/p": ' + "[" * 5000 + "1" + "]" * 5000 + "}"
        )
    if not paths[1].exists():
        with paths[1].open("w") as out:
            out.write("<http://example.org/s> <http://example.org/p> ")
            out.write("( " * 6_000_000 + ") " * 6_000_000 + ".\n")
    if not paths[2].exists():
        depth = 150_000
        head = '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://example.org/">'
        inner = "<rdf:Description><e:p>" * depth + "x" + "</e:p></rdf:Description>" * depth
        paths[2].write_text(head + inner + "</rdf:RDF>")
    if not paths[3].exists():
        with paths[3].open("w") as out:
            out.write('<http://example.org/s> <http://example.org/p> "')
            for _ in range(150):
                out.write("x" * (1 << 20))
            out.write('" .\n')
    return files


def run_gate(files: dict[str, Path], stop_at: float, out: list) -> None:
    """``tehkg validate`` on each hostile file in turn (until ``stop_at``): exit code, seconds, peak memory."""
    for name, path in files.items():
        if time.monotonic() >= stop_at:
            out.append((name, "not reached", 0.0, 0))
            continue
        start = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "tehkg.cli", "validate", str(path)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        peak = 0
        while proc.poll() is None:
            peak = max(peak, sum(tree_rss(proc.pid).values()))
            if time.monotonic() - start > 300:
                proc.kill()
            time.sleep(0.05)
        out.append((name, str(proc.returncode), time.monotonic() - start, peak))


def watch_memory(server_pid: int, stop_at: float, out: dict) -> None:
    """Peak resident bytes of the server process and of its largest other process (a worker) until ``stop_at``."""
    server = worker = 0
    while time.monotonic() < stop_at:
        rss = tree_rss(server_pid)
        server = max(server, rss.pop(server_pid, 0))
        worker = max([worker, *rss.values()])
        time.sleep(0.05)
    out.update(server=server, worker=worker)


def summary(latencies: list[float]) -> tuple[float, float, float]:
    ordered = sorted(latencies)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], ordered[-1]


def settle(base: str) -> None:
    """Wait until /health answers quickly again (the attackers' workers replaced)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        start = time.perf_counter()
        try:
            ok = httpx.get(base + "/health", timeout=10).status_code == 200
        except httpx.HTTPError:
            ok = False
        if ok and time.perf_counter() - start < 0.05:
            return
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--idle", type=int, default=600)
    parser.add_argument("--attackers", type=int, default=4)
    parser.add_argument("--runaways", type=int, default=8)
    parser.add_argument("--gate-seconds", type=float, default=120.0, help="the gate phase's length")
    parser.add_argument("--note", default="", help="a sentence for the report, e.g. what else ran on the machine")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    data = WORK / "synthetic-14k.nq"
    if not data.exists():
        generate(14_000, data)
    store = WORK / "hostile-tehkg"
    shutil.rmtree(store, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "tehkg.cli", "build", str(data), "--store", str(store), "--no-validate"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    files = hostile_files(WORK / "hostile-files")
    endpoint = start_tehkg(store)
    url = endpoint.url
    base = url.removesuffix("/sparql")
    port = int(base.rsplit(":", 1)[1])
    attackers = [f"127.0.3.{n}" for n in range(1, args.attackers + 1)]
    phases: dict[str, Callable[[float], list[threading.Thread]]] = {
        "quiet": lambda stop: [],
        f"{args.idle} idle connections, 30 addresses": lambda stop: [
            threading.Thread(target=hold_idle, args=(port, [f"127.0.1.{n}" for n in range(1, 31)], args.idle, stop))
        ],
        f"{args.idle} idle connections, 1 address": lambda stop: [
            threading.Thread(target=hold_idle, args=(port, ["127.0.2.1"], args.idle, stop))
        ],
        f"{args.attackers} memory-hungry queries": lambda stop: [
            threading.Thread(target=repeat_query, args=(url, source, HUNGRY, stop)) for source in attackers
        ],
        f"{args.attackers} laundered runaways": lambda stop: [
            threading.Thread(target=launder_then_repeat, args=(url, source, stop)) for source in attackers
        ],
        f"{args.runaways} abandoned runaways": lambda stop: [
            threading.Thread(target=abandon, args=(port, f"127.0.4.{n}", f"{RUNAWAY} # {n}"))
            for n in range(1, args.runaways + 1)
        ],
    }
    gate: list = []
    phases["the gate parses the hostile files"] = lambda stop: [
        threading.Thread(target=run_gate, args=(files, stop, gate))
    ]
    rows, memory_rows = [], []
    replaced_before = httpx.get(base + "/health", timeout=35).json()["workers_replaced"]
    try:
        for phase, attack in phases.items():
            settle(base)
            stop_at = time.monotonic() + (args.gate_seconds if phase.startswith("the gate") else args.seconds)
            results: dict = {}
            memory: dict = {}
            threads = attack(stop_at)
            threads.append(threading.Thread(target=watch_memory, args=(endpoint.process.pid, stop_at, memory)))
            for thread in threads:
                thread.start()
            threads += victim(url, stop_at, results)
            for thread in threads:
                thread.join()
            for name in ("ask", "health"):
                p50, p95, worst = summary(results[name]["latencies"])
                met = p95 <= TARGET_P95 and results[name]["server_errors"] == 0
                rows.append(
                    f"| {phase} | {name} | {len(results[name]['latencies'])} | {results[name]['server_errors']} | "
                    f"{results[name]['failures']} | {p50:.1f} | {p95:.1f} | {worst:.1f} | {'met' if met else 'MISSED'} |"
                )
                print(rows[-1], flush=True)
            cap = SERVED.worker_memory + STACK_BYTES
            memory_rows.append(
                f"| {phase} | {memory['server'] >> 20} | {memory['worker'] >> 20} | {cap >> 20} | "
                f"{'within' if memory['worker'] <= cap else 'OVER'} |"
            )
        replaced = httpx.get(base + "/health", timeout=35).json()["workers_replaced"] - replaced_before
    finally:
        endpoint.close()
    lines = [
        "# Hostile traffic: the victim's answers, phase by phase",
        "",
        written_by(),
        "",
        *([args.note, ""] if args.note else []),
        f"On the 14k synthetic graph, tehkg runs with its defaults ({SERVED.workers} query workers, "
        f"TEHKG_WORKER_MEMORY {SERVED.worker_memory >> 20} MiB); {args.seconds:g} s per phase. The victim (127.0.0.1) sends an uncached "
        "ASK every 20 ms and `GET /health` every 50 ms; attackers come from other loopback addresses (see the "
        f"script's docstring). Workers replaced during the run: {replaced}.",
        "",
        "| phase | probe | requests | 5xx | failed | p50 ms | p95 ms | max ms | p95 ≤ 100 ms, no 5xx |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Peak resident memory (MiB) of the server process and of its largest worker, against a worker's cap "
        "(TEHKG_WORKER_MEMORY + the 1 GiB evaluation stack the kernel's limit also counts):",
        "",
        "| phase | server | largest worker | worker cap | |",
        "|---|---|---|---|---|",
        *memory_rows,
        "",
        "The gate (`tehkg validate` on each file, in the last phase):",
        "",
        "| file | exit code | seconds | peak MiB |",
        "|---|---|---|---|",
        *(f"| {name} | {code} | {seconds:.1f} | {peak >> 20} |" for name, code, seconds, peak in gate),
    ]
    (HERE / "HOSTILE.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {HERE / 'HOSTILE.md'}")


if __name__ == "__main__":
    main()
