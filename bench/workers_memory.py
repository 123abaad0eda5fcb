"""One copy of the store in memory? Memory and throughput of ``tehkg serve`` with several workers on the 1M generated
store: this checkout's ways of holding the store beside an earlier revision's, one run.

    python bench/workers_memory.py --compare REV [--rounds 3] [--workers 4] [--clients 8] [--seconds 30]

The store is bench/out/tehkg-1M (``python bench/run.py --sizes 1000000`` builds it). Each server (this checkout
with the settings of each row of VARIANTS, then REV checked out in a temporary git worktree and run from there) is
started with ``TEHKG_WORKERS`` workers and the per-client limits lifted as bench/run.py lifts them; once every
worker answers from memory (the time that took is reported; on disk, once it answers), the query mix of bench/queries runs cold (a unique comment per request) from ``clients`` keep-alive
clients for ``seconds``. Meanwhile the server's process tree is sampled every SAMPLE_SECONDS: the sum of the
proportional set sizes (PSS: a page shared by n processes counts 1/n in each, so the sum is the memory the tree
really holds) and of the resident sizes (RSS, which counts a shared page in every process). "One copy" is the
resident memory of a process holding nothing but the in-memory copy of the same store. Every server is measured
``rounds`` times, the rounds going through all of them in turn: the report gives the median (and range) of the
rates, the sums of the workers replaced and recycled, and the highest peaks. Writes bench/WORKERS_MEMORY.md.
Peaks between two samples are not seen.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from provenance import written_by
from run import (
    ROOT,
    WORK,
    HttpEndpoint,
    checked_out,
    comparison_parser,
    free_port,
    process_tree,
    smaps,
    throughput,
    wait_in_memory,
    wait_up,
)

from tehkg.loader.store_layout import current_store

SAMPLE_SECONDS = 0.5
VARIANTS = {  # this checkout: how each row holds the store, and the settings that make it so
    "shared copy (default: a worker keeps the pages it made its own)": {},
    "shared copy, a worker replaced past 368 MiB made its own (half the copy)": {
        "TEHKG_WORKER_PRIVATE_COPY": str(368 << 20)
    },
    "shared copy, a worker replaced past 32 MiB made its own": {"TEHKG_WORKER_PRIVATE_COPY": str(32 << 20)},
    "on disk (no copy: the kernel's page cache is shared)": {"TEHKG_MEMORY_QUADS": "0"},
}
MIB = 1 << 20
LIMITS_LIFTED = {  # every client is on 127.0.0.1, as in bench/run.py
    "TEHKG_MAX_PENDING": "1000",
    "TEHKG_MAX_PER_CLIENT": "1000",
    "TEHKG_CLIENT_BUDGET": "1000000",
    "TEHKG_MAX_ROWS": "1000000",
    "TEHKG_TIMEOUT": "120",
}
ONE_COPY = """
import sys
from tehkg.endpoint.engines.workers import copy_store
copy = copy_store(sys.argv[1])
print(next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmRSS:")))
"""


class Sampler(threading.Thread):
    """Peak PSS and RSS sums of a process tree, whole and without its root, sampled until stopped."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.stopped = threading.Event()
        self.peaks = {"pss_tree": 0, "pss_workers": 0, "rss_tree": 0, "rss_workers": 0}

    def sample(self) -> None:
        pids = list(process_tree(self.root))
        for field in ("Pss", "Rss"):
            sizes = {pid: smaps(pid, field) for pid in pids}
            key = field.lower()
            self.peaks[f"{key}_tree"] = max(self.peaks[f"{key}_tree"], sum(sizes.values()))
            beside = sum(size for pid, size in sizes.items() if pid != self.root)
            self.peaks[f"{key}_workers"] = max(self.peaks[f"{key}_workers"], beside)

    def run(self) -> None:
        while not self.stopped.wait(SAMPLE_SECONDS):
            self.sample()


def workers_changed(base: str) -> tuple[int, int]:
    """Workers replaced (killed or lost) and recycled (fresh forks; the earlier revision has none) so far."""
    health = httpx.get(base + "/health", timeout=60).json()
    return health["workers_replaced"], health.get("workers_recycled") or 0


def measure(name: str, code: Path, settings: dict[str, str], store_root: Path, args: argparse.Namespace) -> dict:
    """Serve ``store_root`` with the code in ``code`` and ``settings``, wait until every worker answers from memory
    (unless the store is read from disk), run the mix, sample memory."""
    port = free_port()
    env = {**os.environ, **LIMITS_LIFTED, **settings, "TEHKG_WORKERS": str(args.workers), "PYTHONPATH": str(code)}
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tehkg.cli", "serve", "--store", str(store_root), "--port", str(port)],
        cwd=code,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    sampler = Sampler(proc.pid)
    sampler.start()
    try:
        wait_up(base + "/health")
        if settings.get("TEHKG_MEMORY_QUADS") != "0":
            wait_in_memory(base, args.workers)
        ready = time.monotonic() - started
        before = workers_changed(base)
        endpoint = HttpEndpoint(name, base + "/sparql", None)
        result = asyncio.run(throughput(endpoint, args.clients, args.seconds, cold=True))
        after = workers_changed(base)
        replaced, recycled = after[0] - before[0], after[1] - before[1]
    finally:
        sampler.stopped.set()
        sampler.join()
        proc.terminate()
        proc.wait(60)
    return {
        "name": name,
        "ready": ready,
        "replaced": replaced,
        "recycled": recycled,
        **result,
        **sampler.peaks,
    }


def one_copy(directory: Path) -> int:
    done = subprocess.run(
        [sys.executable, "-c", ONE_COPY, str(directory)], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return int(done.stdout.strip())


def combined(rounds: list[dict]) -> dict:
    """One server's rounds as one row: median rate (and range), summed counts, highest peaks."""
    rates = [r["qps"] for r in rounds]
    row = {
        "name": rounds[0]["name"],
        "qps": statistics.median(rates),
        "range": f"{min(rates):.1f}–{max(rates):.1f}",
        "ready": statistics.median(r["ready"] for r in rounds),
    }
    for key in ("errors", "replaced", "recycled"):
        row[key] = sum(r[key] for r in rounds)
    for key in ("pss_tree", "pss_workers", "rss_tree", "rss_workers"):
        row[key] = max(r[key] for r in rounds)
    return row


def report(rows: list[dict], copy: int, disk: int, args: argparse.Namespace) -> str:
    lines = [
        "# Workers sharing one copy of the store",
        "",
        written_by(),
        "",
        f"`tehkg serve` on the 1M generated store ({args.workers} workers), the query mix of bench/queries cold "
        f"from {args.clients} clients for {args.seconds:g} s, {args.rounds} rounds, memory sampled every "
        f"{SAMPLE_SECONDS:g} s. "
        f"One copy: a process holding only the in-memory copy of the store, **{copy / MIB:.0f} MiB** resident.",
        "",
        "| server | ready in | q/s (median) | range | errors | workers replaced | workers recycled | peak PSS, all "
        "| peak PSS, beside the server process | ÷ one copy | peak RSS sum, beside the server process |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['name']} | {row['ready']:.1f} s | {row['qps']:.1f} | {row['range']} | {row['errors']} "
            f"| {row['replaced']} "
            f"| {row['recycled']} "
            f"| {row['pss_tree'] / MIB:.0f} MiB | {row['pss_workers'] / MIB:.0f} MiB "
            f"| {row['pss_workers'] / copy:.2f}× | {row['rss_workers'] / MIB:.0f} MiB |"
        )
    lines += ["", f"Throughput ÷ that of {rows[-1]['name']}:", ""]
    lines += [f"- {row['name']}: **{row['qps'] / rows[-1]['qps']:.2f}×**" for row in rows[:-1]]
    lines += [
        "",
        "PSS divides a shared page among the processes sharing it, so its sum is what the tree holds; the RSS sum "
        "counts a shared page once per process. Beside the server process: the holder of the copy and the workers "
        "(this checkout), or the workers each holding its own copy (the earlier revision); the spawn start "
        "method's resource tracker (a few MiB) is among them. The kernel's page cache (the store on disk, "
        f"{disk / MIB:.0f} MiB, read by the rows on disk) is in no process's PSS.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = comparison_parser(__doc__)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    store_root = WORK / "tehkg-1M"
    directory = current_store(store_root)
    if directory is None:
        raise SystemExit(f"no store under {store_root}: run `python bench/run.py --sizes 1000000` first")
    copy = one_copy(directory)
    earlier = f"{args.compare} (each worker copies the store into its own memory)"
    rounds: dict[str, list[dict]] = {name: [] for name in [*VARIANTS, earlier]}
    with checked_out(args.compare) as worktree:
        for _ in range(args.rounds):
            for name, settings in VARIANTS.items():
                rounds[name].append(measure(name, ROOT, settings, store_root, args))
                print(rounds[name][-1], flush=True)
            rounds[earlier].append(measure(earlier, worktree, {}, store_root, args))
            print(rounds[earlier][-1], flush=True)
    rows = [combined(results) for results in rounds.values()]
    disk = sum(f.stat().st_size for f in directory.iterdir() if f.is_file())
    text = report(rows, copy, disk, args)
    (Path(__file__).resolve().parent / "WORKERS_MEMORY.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
