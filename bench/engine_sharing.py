"""Can query workers share one copy of the store? Two facts about pyoxigraph's in-memory store that decide how
(endpoint/engines/workers.py), measured on the 1M generated store.

    python bench/engine_sharing.py [--repeat 3]

1. Threads: the time of one full-scan query (``COUNT`` of every quad of every graph) alone, then of two at once on
   two threads of the same process. If pyoxigraph released the GIL while it evaluates, two would take about as long
   as one on two cores; if it holds it, twice as long.
2. Copy-on-write: a process holding the copy forks a child; the child's private memory (pages it no longer shares
   with its parent, /proc/self/smaps_rollup) is read after a query that reads few quads, then after the full scan.
   Reads that wrote nothing would leave it near zero.

The copy is made as the workers' holder makes it (``copy_store``). Writes bench/ENGINE_SHARING.md.
"""

import argparse
import os
import statistics
import threading
import time
from pathlib import Path

from provenance import written_by
from run import WORK

from tehkg.endpoint.engines.workers import Snapshot, copy_store, private_bytes
from tehkg.loader.store_layout import current_store

FULL_SCAN = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
FEW_QUADS = "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
MIB = 1 << 20


def seconds(store, query: str, threads: int) -> float:
    """Wall time of ``threads`` threads each running ``query`` once, started together."""
    runners = [threading.Thread(target=lambda: list(store.query(query))) for _ in range(threads)]
    start = time.perf_counter()
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    return time.perf_counter() - start


def private_after_fork(store) -> tuple[int, int, int]:
    """A forked child's private bytes: at once, after FEW_QUADS, after FULL_SCAN (sent back through a pipe)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        sizes = [private_bytes()]
        list(store.query(FEW_QUADS))
        sizes.append(private_bytes())
        list(store.query(FULL_SCAN))
        sizes.append(private_bytes())
        os.write(write, " ".join(map(str, sizes)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        sizes = [int(size) for size in pipe.read().split()]
    os.waitpid(pid, 0)
    return sizes[0], sizes[1], sizes[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    directory = current_store(WORK / "tehkg-1M")
    if directory is None:
        raise SystemExit(f"no store under {WORK / 'tehkg-1M'}: run `python bench/run.py --sizes 1000000` first")
    copy = copy_store(str(directory))
    assert isinstance(copy, Snapshot), copy
    store = copy.store
    seconds(store, FULL_SCAN, 1)  # warm-up
    one = statistics.median(seconds(store, FULL_SCAN, 1) for _ in range(args.repeat))
    two = statistics.median(seconds(store, FULL_SCAN, 2) for _ in range(args.repeat))
    holder = private_bytes()
    at_fork, few, scan = private_after_fork(store)
    lines = [
        "# Sharing pyoxigraph's in-memory store",
        "",
        written_by(),
        "",
        f"The 1M generated store ({len(store)} quads in the copy: its named graphs, and their merge in the default "
        "graph), copied as the workers' holder copies it; "
        f"medians of {args.repeat} runs.",
        "",
        "| threads running the full scan at once | seconds |",
        "|---|---|",
        f"| 1 | {one:.2f} |",
        f"| 2 | {two:.2f} |",
        "",
        f"Two threads ÷ one: **{two / one:.2f}×** (1.00× if evaluation ran beside the GIL on two cores, 2.00× if "
        "it holds it).",
        "",
        f"| forked child of a process whose private memory is {holder / MIB:.0f} MiB | private MiB |",
        "|---|---|",
        f"| at once | {at_fork / MIB:.1f} |",
        f"| after `{FEW_QUADS}` | {few / MIB:.1f} |",
        f"| after `{FULL_SCAN}` | {scan / MIB:.1f} |",
        "",
        "A page the child writes to stops being shared (copy-on-write): a query that only reads makes the pages "
        "of the quads it reads private all the same.",
    ]
    text = "\n".join(lines) + "\n"
    (Path(__file__).resolve().parent / "ENGINE_SHARING.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
