"""Do kept releases cost the query workers memory? Memory of the processes under ``tehkg serve`` (the holder of the
store's copy and its workers) with 1 release kept and with 5.

    python bench/releases_memory.py [--workers 2] [--rounds 3]

Builds the shipped data (without the quality gate: the same quads every time) into two store roots, one built once
and one built five times (five releases, the last served), and serves each in turn with ``tehkg serve`` and
``TEHKG_WORKERS`` workers, forked by the holder of the served store's in-memory copy. For each server it sends the
same queries to ``/sparql`` ``rounds`` times and reads the proportional memory (PSS) of every process under the
server; on the server with five releases it then sends them ``rounds`` times to each older release's
``/releases/ID/sparql`` (the worker opens that release read-only from disk for the task and closes it) and reads
their memory again. Writes
bench/RELEASES_MEMORY.md.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from provenance import written_by
from run import ROOT, HttpEndpoint, free_port, process_tree, smaps, wait_in_memory, wait_up

from tehkg.loader.store_builder import build
from tehkg.loader.store_layout import releases
from tehkg.resources import shipped_sources

HERE = Path(__file__).resolve().parent
QUERIES = [
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "SELECT ?m ?l WHERE { ?m a <https://w3id.org/tehkg/ontology#Measure> ; "
    "<http://www.w3.org/2004/02/skos/core#prefLabel> ?l } ORDER BY ?m",
    "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n)",
]
ACCEPT = {"Accept": "application/sparql-results+json"}
MIB = 1 << 20


def ask(client: httpx.Client, url: str, rounds: int) -> None:
    """Each query ``rounds`` times at ``url``, a comment varied so that no answer comes from the cache."""
    for round_ in range(rounds):
        for number, query in enumerate(QUERIES):
            text = f"# {url} {round_} {number} {time.time_ns()}\n{query}"
            response = client.post(url, data={"query": text}, headers=ACCEPT)
            response.raise_for_status()


def worker_pss(pid: int) -> list[int]:
    """Proportional memory (PSS) of each process under the server, the largest first: the holder of the store's copy
    and the query workers it forked (a page they share counts 1/n in each), and the spawn start method's resource
    tracker (a few MiB)."""
    return sorted((smaps(child, "Pss") for child in process_tree(pid) if child != pid), reverse=True)


def start(root: Path, workers: int) -> HttpEndpoint:
    """``tehkg serve`` on store root ``root`` with ``workers`` query workers, once each holds its in-memory copy."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tehkg.cli", "serve", "--store", str(root), "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "TEHKG_WORKERS": str(workers)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    served = HttpEndpoint("tehkg", f"http://127.0.0.1:{port}/sparql", process)
    try:
        wait_up(f"http://127.0.0.1:{port}/health", seconds=120)
        wait_in_memory(f"http://127.0.0.1:{port}", workers, seconds=300)
    except BaseException:
        served.close()
        raise
    return served


def measure(root: Path, workers: int, rounds: int, older: list[str]) -> dict[str, list[int]]:
    """The processes' memory under the server after queries to /sparql, then (when ``older`` names releases) to each
    of them."""
    served = start(root, workers)
    base = served.url.removesuffix("/sparql")
    try:
        with httpx.Client(timeout=120) as client:
            ask(client, served.url, rounds)
            out = {"served": worker_pss(served.process.pid)}
            if older:
                for release in older:
                    ask(client, f"{base}/releases/{release}/sparql", rounds)
                out["older"] = worker_pss(served.process.pid)
                ask(client, served.url, rounds)
                out["served again"] = worker_pss(served.process.pid)
        return out
    finally:
        served.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tehkg-releases-"))
    try:
        one, five = work / "one", work / "five"
        started = time.perf_counter()
        build(shipped_sources(), one, validate=False, log=lambda _: None)
        for _ in range(5):
            build(shipped_sources(), five, validate=False, log=lambda _: None)
        build_seconds = time.perf_counter() - started
        kept = releases(five)
        assert len(kept) == 5 and len(releases(one)) == 1
        older = [r.id for r in kept[:-1]]
        with_one = measure(one, args.workers, args.rounds, [])
        with_five = measure(five, args.workers, args.rounds, older)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def mib(values: list[int]) -> str:
        return ", ".join(f"{v / MIB:.1f}" for v in values)

    def total(values: list[int]) -> float:
        return sum(values) / MIB

    rows = [
        ("1 release kept; queries to /sparql", with_one["served"]),
        ("5 releases kept; queries to /sparql", with_five["served"]),
        ("5 releases kept; then the same queries to each of the 4 older releases", with_five["older"]),
        ("5 releases kept; then /sparql again", with_five["served again"]),
    ]
    difference = total(with_five["served"]) - total(with_one["served"])
    report = [
        written_by(),
        "",
        "# Memory of the query workers with 1 release kept and with 5",
        "",
        f"The shipped data ({len(QUERIES)} queries x {args.rounds} rounds per endpoint), `TEHKG_WORKERS={args.workers}`, "
        f"the workers forked by the holder of the in-memory copy of the served store; 6 builds took "
        f"{build_seconds:.1f} s. Proportional memory (PSS, /proc/PID/smaps_rollup: a page shared by n processes "
        "counts 1/n in each) of each process under the server, largest first, in MiB: the holder and the "
        f"{args.workers} query workers, and the resource tracker.",
        "",
        "| state | each process's PSS (MiB) | total (MiB) |",
        "|---|---|---|",
        *(f"| {label} | {mib(values)} | {total(values):.1f} |" for label, values in rows),
        "",
        f"Keeping 5 releases instead of 1 changes the total by {difference:+.1f} MiB while the workers answer "
        "`/sparql`: an older release is opened read-only from disk for the task that queries it and closed after, "
        "so it costs no memory while it is not queried. The third row is what the processes hold after answering the "
        f"older releases: {total(with_five['older']) - total(with_five['served']):+.1f} MiB, kept by the process after "
        "the release was closed (which of the allocator or the store's reads holds it was not measured).",
    ]
    (HERE / "RELEASES_MEMORY.md").write_text("\n".join(report) + "\n")
    print("\n".join(report))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
