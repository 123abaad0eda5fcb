"""Benchmark of the quality gate: SHACL engines compared on the same shapes and data, and the ratio to
reading the data once (`oxigraph load`). On demand, not a test.

    python bench/validate.py                      # shipped, 100k and 1M generated quads
    python bench/validate.py --sizes 100000 --pyshacl-max 100000 --out bench/out --note "..."

Each engine runs in its own process (wall time, peak RSS of that process) and writes its SHACL results
as (focus node, path, constraint component, severity) keys; the keys are compared across engines.
`gate` is the whole `tehkg validate` (parse, SHACL, cross-graph queries, report). An engine whose package is not
installed is reported as such. Writes bench/VALIDATE.md.
"""

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from provenance import written_by

HERE = Path(__file__).resolve().parent
SH = "http://www.w3.org/ns/shacl#"
ENGINES = ("pyshacl", "pyshacl-nt", "pyshacl-turbo", "pyrudof")
PACKAGES = {"pyshacl": "pyshacl", "pyshacl-nt": "pyshacl", "pyshacl-turbo": "pyshacl_turbo", "pyrudof": "pyrudof"}
PYSHACL_ENGINES = ("pyshacl", "pyshacl-nt")
# Runs a command and prints its wall time and the peak RSS of the command alone (a fresh process each time).
MEASURE = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
print(json.dumps({"seconds": time.perf_counter() - t, "rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, "rc": rc}))
"""


def measure(command: list[str]) -> dict:
    """Wall seconds, peak RSS (MiB) and exit code of ``command``."""
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1]


def _rdflib_keys(report) -> list[list]:  # noqa: ANN001 - an rdflib report graph
    import rdflib

    sh = rdflib.Namespace(SH)
    keys = []
    for result in report.subjects(rdflib.RDF.type, sh.ValidationResult):
        focus, path = report.value(result, sh.focusNode), report.value(result, sh.resultPath)
        keys.append(
            [
                "_" if isinstance(focus, rdflib.BNode) else str(focus),
                None if path is None else "_" if isinstance(path, rdflib.BNode) else str(path),
                _local(str(report.value(result, sh.sourceConstraintComponent))),
                _local(str(report.value(result, sh.resultSeverity))),
            ]
        )
    return keys


def run_engine(engine: str, data: Path, keys_out: Path) -> None:
    """Validate ``data`` (N-Quads) with ``engine`` against the shipped shapes; write the result keys."""
    import pyoxigraph as ox
    import rdflib

    from tehkg.loader.quality import load_shapes, to_rdflib
    from tehkg.resources import shapes_dir

    quads = list(ox.parse(path=data, format=ox.RdfFormat.N_QUADS))
    options = {"inference": "none", "advanced": True, "allow_warnings": True}
    if engine == "pyshacl":  # as before: rdflib terms converted one by one
        import pyshacl

        graph = rdflib.Graph()
        for q in quads:
            graph.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
        keys = _rdflib_keys(pyshacl.validate(graph, shacl_graph=load_shapes(), **options)[1])
    elif engine == "pyshacl-nt":  # the rdflib graph parsed from pyoxigraph's N-Triples of the union
        import pyshacl

        triples = ox.serialize(
            (ox.Triple(q.subject, q.predicate, q.object) for q in quads), format=ox.RdfFormat.N_TRIPLES
        )
        graph = rdflib.Graph().parse(data=triples, format="nt")
        keys = _rdflib_keys(pyshacl.validate(graph, shacl_graph=load_shapes(), **options)[1])
    elif engine == "pyshacl-turbo":  # the gate's engine: the store handed over as it is
        import pyshacl_turbo

        store = ox.Store()
        store.extend(quads)
        keys = _rdflib_keys(pyshacl_turbo.validate(store, shacl_graph=load_shapes(), **options)[1])
    elif engine == "pyrudof":
        import pyrudof

        rudof = pyrudof.Rudof(pyrudof.RudofConfig())
        triples = ox.serialize(
            (ox.Triple(q.subject, q.predicate, q.object) for q in quads), format=ox.RdfFormat.N_TRIPLES
        )
        rudof.read_data(triples.decode(), format=pyrudof.RDFFormat.NTriples)
        rudof.read_shacl("\n".join(p.read_text() for p in sorted(shapes_dir().glob("*.ttl"))))
        keys = [
            [
                str(e.focus_node) if not str(e.focus_node).startswith("_:") else "_",
                None if e.path is None else str(e.path),
                _local(str(e.constraint_component)),
                _local(str(e.severity)),
            ]
            for e in rudof.validate_shacl().violations
        ]
    else:
        raise SystemExit(f"unknown engine {engine}")
    keys_out.write_text(json.dumps(keys))


def dataset(size: str, out: Path) -> Path:
    """The N-Quads file of ``size``: "shipped" or a quad count for bench/generate.py."""
    path = out / f"validate-{size}.nq"
    if not path.exists():
        if size == "shipped":
            import pyoxigraph as ox

            from tehkg.loader.rdf_files import collect, parse_all
            from tehkg.resources import shipped_sources

            path.write_bytes(ox.serialize(parse_all(collect(shipped_sources())), format=ox.RdfFormat.N_QUADS))
        else:
            subprocess.run([sys.executable, str(HERE / "generate.py"), size, str(path)], check=True)
    return path


def bench(sizes: list[str], pyshacl_max: int, out: Path) -> tuple[list[str], list[str]]:
    """Run every engine on every size: the Markdown table's rows and one sentence per size on the gate."""
    tehkg = str(Path(sys.executable).with_name("tehkg"))
    oxigraph = str(Path(sys.executable).with_name("oxigraph"))
    rows = ["| quads | engine | wall s | peak RSS MiB | SHACL results | same as pyshacl-turbo | × oxigraph load |"]
    rows.append("| ---: | --- | ---: | ---: | ---: | --- | ---: |")
    gate_lines = []
    for size in sizes:
        data = dataset(size, out)
        quads = sum(1 for _ in data.open("rb"))
        with tempfile.TemporaryDirectory() as location:
            floor = measure([oxigraph, "load", "--location", location, "--file", str(data)])
        rows.append(f"| {quads} | oxigraph load | {floor['seconds']:.2f} | {floor['rss_mib']:.0f} | | | 1.0 |")
        gate = measure([tehkg, "validate", str(data)])
        ratio = gate["seconds"] / floor["seconds"]
        rows.append(
            f"| {quads} | gate (`tehkg validate`) | {gate['seconds']:.2f} | {gate['rss_mib']:.0f} | | | {ratio:.1f} |"
        )
        gate_lines.append(
            f"- {size} ({quads} quads): the gate took {gate['seconds']:.2f} s with a {gate['rss_mib']:.0f} MiB peak, "
            f"{ratio:.1f}× `oxigraph load` of the same file ({floor['seconds']:.2f} s)."
        )
        results: dict[str, Counter] = {}
        for engine in ENGINES:
            if importlib.util.find_spec(PACKAGES[engine]) is None:
                rows.append(f"| {quads} | {engine} | not installed | | | | |")
                continue
            if engine in PYSHACL_ENGINES and quads > pyshacl_max:
                rows.append(f"| {quads} | {engine} | not run (over --pyshacl-max {pyshacl_max}) | | | | |")
                continue
            keys = out / f"keys-{size}-{engine}.json"
            run = measure([sys.executable, __file__, "--engine", engine, "--data", str(data), "--keys", str(keys)])
            if run["rc"]:
                rows.append(f"| {quads} | {engine} | failed (exit {run['rc']}) | | | | |")
                continue
            results[engine] = Counter(tuple(k) for k in json.loads(keys.read_text()))
            rows.append(
                f"| {quads} | {engine} | {run['seconds']:.2f} | {run['rss_mib']:.0f} | "
                f"{sum(results[engine].values())} | {{same:{engine}}} | {run['seconds'] / floor['seconds']:.1f} |"
            )
        reference = results.get("pyshacl-turbo")
        for engine, found in results.items():
            rows = [r.replace(f"{{same:{engine}}}", "yes" if found == reference else "**no**") for r in rows]
        print("\n".join(rows[-len(ENGINES) - 2 :]), file=sys.stderr, flush=True)
    return rows, gate_lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", nargs="*", default=["shipped", "100000", "1000000"])
    p.add_argument("--pyshacl-max", type=int, default=200_000, help="largest input given to pure-Python pySHACL")
    p.add_argument("--out", default=str(HERE / "out"), help="folder for the generated files and result keys")
    p.add_argument("--note", default="", help="a sentence for the report, e.g. what else ran on the machine")
    p.add_argument("--engine", choices=ENGINES, help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--keys", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.engine:
        run_engine(args.engine, Path(args.data), Path(args.keys))
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    rows, gate_lines = bench(args.sizes, args.pyshacl_max, out)
    lines = [
        "# Quality gate at scale",
        "",
        written_by(),
        "",
        *([args.note, ""] if args.note else []),
        "Each engine validates the same N-Quads file against the shipped shapes in a fresh process of its own (wall "
        "time, peak resident memory of that process alone); its SHACL results, as (focus node, path, constraint "
        "component, severity) keys, are compared with pyshacl-turbo's, the gate's engine. `gate` is the whole "
        "`tehkg validate`: parse, store, SHACL, cross-graph queries, report. The floor is `oxigraph load` of the "
        "same file into a fresh store. Sizes other than `shipped` are generated by bench/generate.py. "
        f"All sizes took {time.perf_counter() - start:.0f} s.",
        "",
        *rows,
        "",
        "The gate (`tehkg validate`):",
        "",
        *gate_lines,
    ]
    (HERE / "VALIDATE.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {HERE / 'VALIDATE.md'}")


if __name__ == "__main__":
    main()
