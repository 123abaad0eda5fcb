"""Runaway query: does the work stop at the deadline, and are other clients served meanwhile?

    python bench/runaway.py [--deadline 2] [--watch 5]

On the 14k synthetic graph of bench/run.py, starts ``tehkg serve`` (``TEHKG_TIMEOUT`` = deadline) and
``oxigraph serve`` as bench/run.py does, and for each sends a query that would run for hours while, beside it, a simple
query is sent every 50 ms. It reports when and how the runaway request ended (the client gives up
10 s after the deadline), the simple queries' latencies meanwhile, and the CPU time the server's
processes burn in the ``watch`` seconds after the runaway request ended: a server that stopped the
work burns almost none. Writes bench/RUNAWAY.md.
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import threading
import time

import httpx
from generate import generate
from provenance import written_by
from run import BIN, HERE, ROOT, WORK, start_oxigraph, start_tehkg, tree_cpu

RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
    "?m ?n1 ?o . ?p ?q ?r . ?s ?t ?u . ?v ?w ?x . ?y ?z ?aa }"
)
SIMPLE = "SELECT ?p ?o WHERE { <https://w3id.org/tehkg/id/plan/p0/measure/0> ?p ?o }"
ACCEPT = {"Accept": "application/sparql-results+json"}


def trial(name: str, url: str, pid: int, deadline: float, watch: float) -> dict:
    """Send the runaway query and probe with simple ones until it ends; then watch the server's CPU."""
    outcome: dict = {}

    def runaway() -> None:
        start = time.monotonic()
        try:
            status = httpx.post(url, data={"query": RUNAWAY}, headers=ACCEPT, timeout=deadline + 10).status_code
        except httpx.TimeoutException:
            status = "none (client gave up)"
        outcome.update(status=status, seconds=time.monotonic() - start)

    thread = threading.Thread(target=runaway)
    thread.start()
    latencies, failures = [], 0
    with httpx.Client(timeout=deadline + 10) as client:
        time.sleep(0.2)  # let the runaway query start
        while thread.is_alive():
            start = time.monotonic()
            response = client.post(url, data={"query": SIMPLE + f"\n# {time.perf_counter_ns()}"}, headers=ACCEPT)
            latencies.append((time.monotonic() - start) * 1000)
            failures += response.status_code != 200
            time.sleep(0.05)
    thread.join()
    before = tree_cpu(pid)
    time.sleep(watch)
    return {
        "endpoint": name,
        **outcome,
        "probes": len(latencies),
        "failures": failures,
        "p50": statistics.median(latencies),
        "max": max(latencies),
        "slow": sum(ms > 100 for ms in latencies),
        "cpu_after": tree_cpu(pid) - before,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deadline", type=float, default=2.0)
    parser.add_argument("--watch", type=float, default=5.0)
    parser.add_argument("--note", default="", help="a sentence for the report, e.g. what else ran on the machine")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    data = WORK / "synthetic-14k.nq"
    if not data.exists():
        generate(14_000, data)
    store, ox_dir = WORK / "runaway-tehkg", WORK / "runaway-oxigraph"
    for directory in (store, ox_dir):
        shutil.rmtree(directory, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "tehkg.cli", "build", str(data), "--store", str(store), "--no-validate"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [str(BIN / "oxigraph"), "load", "--location", str(ox_dir), "--file", str(data)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoints, results = [], []
    try:
        endpoints.append(start_tehkg(store, TEHKG_TIMEOUT=str(args.deadline)))
        endpoints.append(start_oxigraph(ox_dir))
        for endpoint in endpoints:  # the idle one costs nothing meanwhile
            results.append(trial(endpoint.name, endpoint.url, endpoint.process.pid, args.deadline, args.watch))
            print(results[-1], flush=True)
    finally:
        for endpoint in endpoints:
            endpoint.close()
    lines = [
        "# Runaway query",
        "",
        written_by(),
        "",
        *([args.note, ""] if args.note else []),
        f"On the 14k synthetic graph, tehkg has a deadline of {args.deadline:g} s (`TEHKG_TIMEOUT`), oxigraph serve "
        f"has none. The runaway query is a 9-way cross join counted; a simple query (one subject's "
        f"properties, cache defeated) is sent every 50 ms while it runs; the client gives up on the "
        f"runaway request after {args.deadline + 10:g} s. Past its deadline tehkg kills the worker and "
        f"starts a replacement: that start-up is the CPU it burns afterwards.",
        "",
        "| endpoint | runaway request ended after (s) | its answer | simple queries meanwhile | "
        "p50 / max ms | over 100 ms | failed | server CPU s in the next "
        f"{args.watch:g} s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['endpoint']} | {r['seconds']:.2f} | {r['status']} | {r['probes']} | "
            f"{r['p50']:.1f} / {r['max']:.1f} | {r['slow']} | {r['failures']} | {r['cpu_after']:.2f} |"
        )
    (HERE / "RUNAWAY.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {HERE / 'RUNAWAY.md'}")


if __name__ == "__main__":
    main()
