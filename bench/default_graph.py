"""What the set-valued default graph costs: build time, disk and query-mix time, before and after.

    python bench/default_graph.py [--sizes 14000 100000 1000000] [--repeat 5]

For each size, the generator's quads are loaded twice, side by side in one run: *before*, the named
graphs alone, queried with pyoxigraph's union default graph (a triple once per graph that states it);
*after*, the same quads plus their RDF merge written into the default graph by the builder's own
``merge_into_default_graph``, queried on that default graph. Reported: load and merge seconds, the
store's bytes on disk, the mean seconds of the query mix in ``bench/queries/`` (in process, no HTTP:
the cost of evaluation alone), and the after/before ratios. Writes bench/DEFAULT_GRAPH.md.
"""

import argparse
import gc
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from generate import generate
from provenance import written_by

from tehkg.loader.store_builder import merge_into_default_graph

HERE = Path(__file__).parent
QUERIES = [p.read_text() for p in sorted((HERE / "queries").glob("*.rq"))]


def disk_bytes(directory: Path) -> int:
    return sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())


def mix_seconds(store: ox.Store, union: bool, repeat: int) -> float:
    """Median over ``repeat`` runs of the time to evaluate every query of the mix to its last row."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for query in QUERIES:
            result = store.query(query, use_default_graph_as_union=union)
            if not isinstance(result, ox.QueryBoolean):
                for _ in result:
                    pass
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def measure(data: Path, work: Path, merge: bool, repeat: int) -> dict[str, float]:
    directory = work / ("after" if merge else "before")
    shutil.rmtree(directory, ignore_errors=True)
    start = time.perf_counter()
    store = ox.Store(str(directory))
    store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    load = time.perf_counter() - start
    start = time.perf_counter()
    if merge:
        merge_into_default_graph(store)
    store.flush()
    store.optimize()
    merged = time.perf_counter() - start
    query = mix_seconds(store, union=not merge, repeat=repeat)
    del store
    gc.collect()
    return {"load": load, "merge": merged, "disk": disk_bytes(directory), "mix": query}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[14_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--note", default="", help="a sentence for the report, e.g. what else ran on the machine")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for size in args.sizes:
            data = work / f"g{size}.nq"
            quads = generate(size, data)
            before = measure(data, work, merge=False, repeat=args.repeat)
            after = measure(data, work, merge=True, repeat=args.repeat)
            build = (after["load"] + after["merge"]) / (before["load"] + before["merge"])
            rows.append(
                f"| {quads} | {before['load'] + before['merge']:.2f} | {after['load']:.2f} + {after['merge']:.2f} | "
                f"{build:.2f}× | {before['disk'] / 2**20:.1f} | {after['disk'] / 2**20:.1f} | "
                f"{after['disk'] / before['disk']:.2f}× | {before['mix'] * 1000:.1f} | {after['mix'] * 1000:.1f} | "
                f"{after['mix'] / before['mix']:.2f}× |"
            )
            print(rows[-1], flush=True)
    lines = [
        "# The set-valued default graph: what it costs",
        "",
        written_by(),
        "",
        *([args.note, ""] if args.note else []),
        "Before: named graphs only, union default "
        "graph. After: plus their merge in the default graph (what `tehkg build` writes). Query mix: "
        f"{len(QUERIES)} queries of bench/queries/, in process, median of {args.repeat} runs.",
        "",
        "| quads | build s before | build s after (load + merge) | build ratio | disk MiB before | "
        "disk MiB after | disk ratio | mix ms before | mix ms after | mix ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
    ]
    (HERE / "DEFAULT_GRAPH.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {HERE / 'DEFAULT_GRAPH.md'}")


if __name__ == "__main__":
    main()
