"""What tehkg's layer costs per request: this checkout beside an earlier revision on the 14k generated store, with
``wrk``, in one run.

    python bench/http_layer.py --compare REV [--rounds 3] [--seconds 10] [--clients 8]

The store is bench/out/tehkg-14k (``python bench/run.py --sizes 14000`` builds it). Each server (this checkout, and
REV checked out in a temporary git worktree and run from there) serves it with the default number of workers and
the per-client limits lifted as bench/run.py lifts them; rounds alternate between the two, each a ``wrk`` run of
the 18-query mix, cold (bench/virtuoso.py's script: a unique comment per request), after a 3 s warm-up. Reported:
requests per second (median of the rounds), wrk's latency percentiles (of the median round), and the CPU the server's process tree (its query workers
included) spent per request. Writes bench/HTTP_LAYER.md.
"""

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

from provenance import written_by
from run import ROOT, WORK, checked_out, comparison_parser, free_port, tree_cpu, wait_in_memory, wait_up
from virtuoso import as_written, wrk

from tehkg.settings import Settings

LIMITS_LIFTED = {"TEHKG_MAX_PENDING": "1000", "TEHKG_MAX_PER_CLIENT": "1000", "TEHKG_CLIENT_BUDGET": "1000000"}


class Server:
    """``tehkg serve`` of the 14k store with the code in ``code``."""

    def __init__(self, name: str, code: Path) -> None:
        self.name, port = name, free_port()
        env = {**os.environ, **LIMITS_LIFTED, "PYTHONPATH": str(code)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tehkg.cli", "serve", "--store", str(WORK / "tehkg-14k"), "--port", str(port)],
            cwd=code,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{port}"
        wait_up(self.base + "/health")
        wait_in_memory(self.base, Settings.load().workers)

    def measure(self, seconds: float, clients: int) -> dict:
        wrk(self.base + "/sparql", as_written, clients, 3, cold=True)  # warm-up: connections, imports, caches
        before = tree_cpu(self.process.pid)
        result = wrk(self.base + "/sparql", as_written, clients, seconds, cold=True)
        result["cpu_ms"] = (tree_cpu(self.process.pid) - before) * 1000 / max(1, result["requests"])
        return result

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(60)


def report(runs: dict[str, list[dict]], args: argparse.Namespace) -> str:
    lines = [
        "# What the HTTP layer costs",
        "",
        written_by(),
        "",
        f"`tehkg serve` on the 14k generated store, `wrk` with {args.clients} connections for {args.seconds:g} s, "
        f"the 18-query mix cold, {args.rounds} rounds alternating between the servers. CPU per request: the "
        "server's process tree, its query workers included.",
        "",
        "| server | req/s (median) | range | p50 ms | p95 ms | CPU ms per request | non-2xx or failed |",
        "|---|---|---|---|---|---|---|",
    ]
    medians = {}
    for name, results in runs.items():
        rates = [r["rps"] for r in results]
        middle = sorted(results, key=lambda r: r["rps"])[len(results) // 2]
        medians[name] = statistics.median(rates)
        failed = sum(r["non2xx"] + r["failed"] for r in results)
        lines.append(
            f"| {name} | {medians[name]:.1f} | {min(rates):.1f}–{max(rates):.1f} | {middle['p50_ms']:.2f} "
            f"| {middle['p95_ms']:.2f} | {statistics.median(r['cpu_ms'] for r in results):.2f} | {failed} |"
        )
    this, earlier = list(medians)
    lines += ["", f"Requests per second, {this} ÷ {earlier}: **{medians[this] / medians[earlier]:.2f}×**."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = comparison_parser(__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    if not (WORK / "tehkg-14k" / "current").exists():
        raise SystemExit(f"no store under {WORK / 'tehkg-14k'}: run `python bench/run.py --sizes 14000` first")
    with checked_out(args.compare) as worktree:
        servers = []
        try:
            servers = [Server("this checkout", ROOT), Server(args.compare, worktree)]
            runs: dict[str, list[dict]] = {server.name: [] for server in servers}
            for round_ in range(args.rounds):
                for server in servers:
                    runs[server.name].append(server.measure(args.seconds, args.clients))
                    print(round_, server.name, f"{runs[server.name][-1]['rps']:.1f} req/s", flush=True)
        finally:
            for server in servers:
                server.close()
    text = report(runs, args)
    (Path(__file__).resolve().parent / "HTTP_LAYER.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
