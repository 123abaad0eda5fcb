"""Abandoned runaway queries: do uncached queries and /health keep answering meanwhile?

    python bench/hostile.py [--runaways 8] [--waves 1] [--seconds 10] [--linger 0.2]
    python bench/hostile.py --idle 600 [--seconds 15]

On the 14k synthetic graph of bench/run.py, starts ``tehkg serve`` with its defaults and, in each
wave, sends ``runaways`` queries that would run for hours, each from its own loopback address
(127.0.0.10, 127.0.0.11, …: distinct clients, so the per-client cap does not shield the server),
and closes each connection ``linger`` seconds after sending, without reading the answer. Meanwhile,
from 127.0.0.1, one client sends an uncached ASK (a distinct text each time) every 20 ms and
another ``GET /health`` every 50 ms; each probe gives up after 35 s (past the 30 s query limit).
Reports p50 / p95 / max of both and writes bench/HOSTILE.md. Loopback only; bounded by ``seconds``.

With ``--idle N``, the scenario is idle connections instead, in three phases of ``seconds`` each on
the same server, measured by the same probes: quiet; N connections that send nothing, spread over 30
loopback addresses (127.0.1.1-30: each below the per-client cap, so that only the head deadline, and
past the global cap the room made for newer connections, close them); N more from one address
(127.0.2.1: the per-client cap refuses all but its first ones). It prints the probes' figures (5xx
counted apart) and how long the server let each idle connection stay open; the attackers do not
reopen what the server closes. Give phases longer than the 10 s head deadline (``--seconds 15``) to
see them closed.
"""

import argparse
import os
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from urllib.parse import quote

import httpx
from generate import generate
from run import HERE, ROOT, WORK, start_tehkg
from runaway import RUNAWAY

TARGETS = {"ask": 100.0, "health": 50.0}  # p95 ms


def abandon(host: str, port: int, source: str, query: str, linger: float) -> None:
    """Send ``query`` from ``source``, wait ``linger`` seconds, close without reading."""
    with socket.create_connection((host, port), timeout=5, source_address=(source, 0)) as sock:
        sock.sendall(f"GET /sparql?query={quote(query)} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        time.sleep(linger)


def probe(name: str, send: "callable", every: float, stop_at: float, out: dict) -> None:
    """Call ``send(i)`` every ``every`` seconds until ``stop_at``; latencies (ms), failures (anything
    but 200) and 5xx answers in ``out``."""
    latencies, failures, server_errors = [], 0, 0
    with httpx.Client(timeout=35) as client:
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
    out[name] = {"latencies": latencies, "failures": failures, "server_errors": server_errors}


def victim_probes(url: str, base: str, stop_at: float, out: dict) -> list[threading.Thread]:
    """The two probes, started: an uncached ASK (a distinct text each time) every 20 ms and ``GET /health``
    every 50 ms, from 127.0.0.1, until ``stop_at``."""
    probes = [
        threading.Thread(
            target=probe,
            args=(
                "ask",
                lambda c, i: c.get(
                    url, params={"query": f"ASK {{ ?s ?p {i} }}"}, headers={"Accept": "application/sparql-results+json"}
                ),
                0.02,
                stop_at,
                out,
            ),
        ),
        threading.Thread(target=probe, args=("health", lambda c, i: c.get(base + "/health"), 0.05, stop_at, out)),
    ]
    for thread in probes:
        thread.start()
    return probes


def hold_idle(host: str, port: int, sources: list[str], count: int, stop_at: float, out: dict) -> None:
    """Open ``count`` connections, in turn from each of ``sources``, and send nothing on them; until
    ``stop_at``, note in ``out`` how many seconds each stayed open before the server closed it (a silent
    connection becomes readable only then), and how many are still open at the end."""
    selector = selectors.DefaultSelector()
    opened: dict[socket.socket, float] = {}
    for n in range(count):
        sock = socket.create_connection((host, port), timeout=5, source_address=(sources[n % len(sources)], 0))
        selector.register(sock, selectors.EVENT_READ)
        opened[sock] = time.monotonic()
    held = []
    while opened and (left := stop_at - time.monotonic()) > 0:
        for key, _ in selector.select(left):
            sock = key.fileobj
            selector.unregister(sock)
            held.append(time.monotonic() - opened.pop(sock))
            sock.close()
    for sock in opened:
        sock.close()
    out.update(held=held, still_open=len(opened))


def idle_scenario(idle: int, seconds: float, url: str) -> None:
    """Quiet, ``idle`` connections from 30 addresses, then ``idle`` from one; a table of each phase."""
    base = url.removesuffix("/sparql")
    host, port = "127.0.0.1", int(base.rsplit(":", 1)[1])
    phases = {
        "quiet": [],
        f"{idle} idle, 30 addresses": [f"127.0.1.{n}" for n in range(1, 31)],
        f"{idle} idle, 1 address": ["127.0.2.1"],
    }
    victims, attackers = [], []
    for phase, sources in phases.items():
        results: dict = {}
        held: dict = {"held": [], "still_open": 0}
        stop_at = time.monotonic() + seconds
        threads = (
            [threading.Thread(target=hold_idle, args=(host, port, sources, idle, stop_at, held))] if sources else []
        )
        for thread in threads:
            thread.start()
        threads += victim_probes(url, base, stop_at, results)
        for thread in threads:
            thread.join()
        for name in ("ask", "health"):
            p50, p95, worst = summary(results[name]["latencies"])
            victims.append(
                f"| {phase} | {name} | {len(results[name]['latencies'])} | {results[name]['server_errors']} | "
                f"{results[name]['failures']} | {p50:.1f} | {p95:.1f} | {worst:.1f} |"
            )
        if sources:
            times = held["held"]
            attackers.append(
                f"| {phase} | {sum(t < 1 for t in times)} | {sum(t >= 1 for t in times)} | "
                f"{max(times, default=0):.1f} | {held['still_open']} |"
            )
    print(
        "\n".join(
            [
                f"`python bench/hostile.py --idle {idle} --seconds {seconds:g}` on {time.strftime('%Y-%m-%d')}; "
                f"machine: {os.cpu_count()} cores; 14k synthetic graph; tehkg with its defaults; {seconds:g} s per phase.",
                "",
                "| phase | probe | requests | 5xx | failed | p50 ms | p95 ms | max ms |",
                "|---|---|---|---|---|---|---|---|",
                *victims,
                "",
                "| phase | idle closed within 1 s | closed later | longest held s | still open at the end |",
                "|---|---|---|---|---|",
                *attackers,
            ]
        )
    )


def summary(latencies: list[float]) -> tuple[float, float, float]:
    ordered = sorted(latencies)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], ordered[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runaways", type=int, default=8)
    parser.add_argument("--waves", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--linger", type=float, default=0.2)
    parser.add_argument("--idle", type=int, default=0, help="the idle-connections scenario, with this many")
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
    endpoint = start_tehkg(store)
    if args.idle:
        try:
            idle_scenario(args.idle, args.seconds, endpoint.url)
        finally:
            endpoint.close()
        return
    base = endpoint.url.removesuffix("/sparql")
    host, port = "127.0.0.1", int(base.rsplit(":", 1)[1])
    results: dict = {}
    try:
        stop_at = time.monotonic() + args.seconds
        probes = victim_probes(endpoint.url, base, stop_at, results)
        replaced_before = httpx.get(base + "/health", timeout=35).json()["workers_replaced"]
        for wave in range(args.waves):
            attackers = [
                threading.Thread(
                    target=abandon, args=(host, port, f"127.0.0.{10 + n}", f"{RUNAWAY} # {wave}-{n}", args.linger)
                )
                for n in range(args.runaways)
            ]
            for thread in attackers:
                thread.start()
            for thread in attackers:
                thread.join()
            time.sleep(max(0.0, args.seconds / args.waves - args.linger))
        for thread in probes:
            thread.join()
        replaced = httpx.get(base + "/health", timeout=35).json()["workers_replaced"] - replaced_before
    finally:
        endpoint.close()
    rows = []
    for name in ("ask", "health"):
        p50, p95, worst = summary(results[name]["latencies"])
        verdict = "met" if p95 <= TARGETS[name] else "MISSED"
        rows.append(
            f"| {name} | {len(results[name]['latencies'])} | {results[name]['failures']} | {p50:.1f} | {p95:.1f} | "
            f"{worst:.1f} | ≤ {TARGETS[name]:g} ms: {verdict} |"
        )
        print(rows[-1], flush=True)
    command = f"python bench/hostile.py --runaways {args.runaways} --waves {args.waves} --seconds {args.seconds:g}"
    lines = [
        "# Abandoned runaway queries",
        "",
        f"Written by `{command} --linger {args.linger:g}` on {time.strftime('%Y-%m-%d')}; machine: "
        f"{os.cpu_count()} cores; 14k synthetic graph; tehkg with its defaults. In each of {args.waves} wave(s), "
        f"{args.runaways} clients (one loopback address each) send a 6-way cross join counted (bench/runaway.py's "
        f"query) and close the connection {args.linger:g} s later without reading; meanwhile an uncached ASK "
        "(distinct text each time) every 20 ms and `GET /health` every 50 ms, from 127.0.0.1, for "
        f"{args.seconds:g} s. Workers killed and replaced during the run (cancelled queries): {replaced}.",
        "",
        "| probe | requests | failed | p50 ms | p95 ms | max ms | target p95 |",
        "|---|---|---|---|---|---|---|",
        *rows,
    ]
    (HERE / "HOSTILE.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {HERE / 'HOSTILE.md'}")


if __name__ == "__main__":
    main()
