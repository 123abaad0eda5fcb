"""tehkg over Virtuoso: loading (Virtuoso's bulk load vs ``tehkg build --target``), then Virtuoso direct vs
``tehkg serve --backend`` on it vs the embedded store.

    python bench/virtuoso.py [--size 1000000] [--seconds 10] [--repeats 3] [--no-queries] [--load-timeout S]

One run on one machine. The generated N-Quads (bench/generate.py) are first bulk-loaded by a fresh private
Virtuoso (tests/virtuoso.py, loopback ports: ``ld_dir`` + ``rdf_loader_run`` + ``checkpoint``), which is then
stopped, and published to another with ``tehkg build --no-validate --target …/sparql-graph-crud-auth`` (timed: parse,
streamed requests, the engine's statistics, the switch; the publisher's peak RSS recorded), each killed past
``--load-timeout``. Unless ``--no-queries``, the data is built into an embedded store too and every query of
bench/queries/ is asked once of each endpoint and the row counts compared. Then ``wrk`` (Debian's, a native
load generator) drives each endpoint for ``--seconds`` at 8 and 32 connections, cold (a unique comment per
request: no cache can answer) and warm (the same bodies again: tehkg's cache answers; Virtuoso has none),
``--repeats`` times, the three endpoints taking turns within each repeat so that the machine's drift falls on
all of them alike; the table gives the median and the range, the CPU each request cost Virtuoso and tehkg.
Virtuoso direct gets each query as tehkg sends it (``remote.published_request``: the published merge as
default graph; the graphs a GRAPH pattern names, or the query's GRAPH patterns restricted in its text to the
published graphs), so both answer the same question. A runaway query through the backend is timed
against its deadline, with the engine's CPU until it is idle (``--repeats`` times). Results: bench/VIRTUOSO.md (a section per size) and
bench/out/virtuoso-results-SIZE.json.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median
from urllib.parse import quote, urlencode

import httpx
from provenance import written_by
from run import QUERIES, WORK, count_rows, free_port, start_tehkg, tree_cpu, wait_up

from tehkg import formats
from tehkg.endpoint.engines.remote import PUBLICATION_QUERY, Publication, published_request
from tehkg.endpoint.query.scan import portable, scan
from tehkg.loader.publish import CHUNK_TRIPLES
from tehkg.settings import GateSettings
from tests.virtuoso import DBA, Virtuoso

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = WORK / "vbench"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
RUNAWAY_DEADLINE = 2.0
# the load generator is one client address: the per-client limits are lifted for the run
LIFTED = {"TEHKG_MAX_PENDING": "1000", "TEHKG_MAX_PER_CLIENT": "1000", "TEHKG_CLIENT_BUDGET": "1000000"}
Request = Callable[[str], str]  # the form a query is sent as ("query=…" first: a cold run prefixes a comment)
WRK_SCRIPT = """
local bodies = {%s}
local accepts = {%s}
local cold = %s
local run = "%s"
local n, i = 0, 0
local tid = 0
function setup(thread) thread:set("id", tid); tid = tid + 1 end
function request()
  i = i %% #bodies + 1
  n = n + 1
  local body = bodies[i]
  if cold then body = "query=%%23%%20" .. run .. "-" .. id .. "-" .. n .. "%%0A" .. body:sub(7) end
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded", ["Accept"] = accepts[i]}, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('JSON {"requests": %%d, "seconds": %%f, "failed": %%d, "non2xx": %%d, "p50_ms": %%f, "p95_ms": %%f}\\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""


def accept(query: str) -> str:
    return (
        "application/n-triples" if scan(query).form in ("CONSTRUCT", "DESCRIBE") else "application/sparql-results+json"
    )


def form(query: str, dataset: str = "") -> str:
    """A query's form: the query, then the dataset's fields (already encoded)."""
    return "&".join(part for part in (urlencode([("query", query)], quote_via=quote), dataset) if part)


def lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def wrk(url: str, request: Request, clients: int, seconds: float, cold: bool) -> dict:
    """One wrk run over the query mix; its summary (requests/s, failures, latency percentiles)."""
    bodies = ", ".join(lua_string(request(q)) for q in QUERIES.values())
    accepts = ", ".join(lua_string(accept(q)) for q in QUERIES.values())
    script = OUT / "mix.lua"
    # the run's own nonce in every cold body: no run repeats the bodies of another, which a cache would answer
    script.write_text(WRK_SCRIPT % (bodies, accepts, "true" if cold else "false", time.time_ns()))
    threads = min(clients, os.cpu_count() or 1)
    done = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds:g}s", "--timeout", "60s", "-s", str(script), url],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {done.stdout}{done.stderr}")
    result = json.loads(line[5:])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def as_tehkg_sends(engine: Virtuoso) -> Request:
    """Each query as tehkg sends it to the engine over the publication its record names."""
    reply = httpx.post(
        engine.base + "/sparql", data={"query": PUBLICATION_QUERY}, headers={"Accept": formats.JSON_RESULTS}
    )
    rows = reply.json()["results"]["bindings"]
    (version,) = {row["version"]["value"] for row in rows if "version" in row}
    publication = Publication.of(version, rows)
    return lambda query: form(*published_request(query, scan(query), portable(query), publication, virtuoso=True))


def as_written(query: str) -> str:
    """tehkg chooses the dataset itself."""
    return form(query)


def build_env(data: Path) -> dict[str, str]:
    """The environment of a build of ``data``: its size within the input limit (10M quads are 2 GB)."""
    size = str(max(data.stat().st_size, GateSettings.load().max_input_bytes))
    # the parse limit is a guard against hostile files: a benchmark's large file takes minutes of CPU to parse
    return {**os.environ, "TEHKG_MAX_INPUT_BYTES": size, "TEHKG_WARN_INPUT_BYTES": size, "TEHKG_PARSE_SECONDS": "86400"}


def publish(engine: Virtuoso, data: Path | None, timeout: float) -> dict:
    """``tehkg build --no-validate --target`` the engine with ``data`` (None: ``tehkg build --target``, the shipped
    data, validated): seconds, peak RSS in MiB of the publisher's largest process (itself or its parsing child), and
    the end of its output when it failed or was killed past ``timeout`` s."""
    env = {**(build_env(data) if data else os.environ), "TEHKG_TARGET_USER": DBA[0], "TEHKG_TARGET_PASSWORD": DBA[1]}
    target = engine.base + "/sparql-graph-crud-auth"
    log = OUT / f"publish-{data.stem if data else 'shipped'}.log"
    sources = ["--no-validate", str(data)] if data else []
    start = time.perf_counter()
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "tehkg.cli", "build", *sources, "--target", target],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        limit = threading.Timer(timeout, process.kill)
        limit.start()
        _, status, usage = os.wait4(process.pid, 0)
        limit.cancel()
    elapsed = time.perf_counter() - start
    failure = None
    if status != 0:
        failure = f"killed past {timeout:g} s" if elapsed >= timeout else "failed"
        last = log.read_text().splitlines()[-3:]
        if last:
            failure += ", its last output: " + " / ".join(last)
    return {"seconds": elapsed, "peak_mib": usage.ru_maxrss / 1024, "failure": failure}


def bulk_load(data: Path, label: str, timeout: float) -> dict:
    """Virtuoso's own bulk load (``ld_dir`` + ``rdf_loader_run`` + ``checkpoint``) of ``data`` into a fresh engine
    of its own: seconds, quads added, the engine's peak RSS."""
    engine = Virtuoso(OUT / f"virtuoso-{label}-bulk", allowed=[data.parent])
    engine.start()
    try:
        before = engine.quads()
        start = time.perf_counter()
        engine.bulk_load(data, "http://example.org/default", timeout)
        elapsed = time.perf_counter() - start
        return {"seconds": elapsed, "quads": engine.quads() - before, "peak_mib": engine.peak_rss()}
    finally:
        engine.stop()
        shutil.rmtree(engine.dir, ignore_errors=True)


def build_embedded(data: Path, store: Path) -> float:
    if (store / "current").exists():
        return float("nan")  # built by an earlier run of this size
    shutil.rmtree(store, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tehkg.cli", "build", "--no-validate", "--store", str(store), str(data)],
        cwd=ROOT,
        env=build_env(data),
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def serve_backend(engine: Virtuoso, **settings: str) -> tuple[subprocess.Popen, str]:
    """``tehkg serve --backend`` over the engine, the per-client limits lifted, with ``settings`` (TEHKG_…)."""
    port = free_port()
    env = {**os.environ, **LIFTED, "TEHKG_TIMEOUT": "120", **settings}
    process = subprocess.Popen(
        [sys.executable, "-m", "tehkg.cli", "serve", "--backend", engine.base + "/sparql", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_up(f"http://127.0.0.1:{port}/health", 120)
    return process, f"http://127.0.0.1:{port}/sparql"


def rows_of(url: str, query: str, request: Request) -> int:
    headers = {"Accept": accept(query), "Content-Type": "application/x-www-form-urlencoded"}
    response = httpx.post(url, content=request(query), headers=headers, timeout=300)
    response.raise_for_status()
    return count_rows(response.headers.get("content-type", ""), response.content)


def quiet(engine: Virtuoso, within: float = 60) -> float:
    """Wait until the engine uses under 5 % of a core over 0.2 s (at most ``within`` s); when that window began."""
    until = time.monotonic() + within
    while True:
        began, before = time.monotonic(), engine.cpu_seconds()
        time.sleep(0.2)
        if engine.cpu_seconds() - before < 0.01 or time.monotonic() > until:
            return began


def runaway(engine: Virtuoso, backend: str) -> dict:
    """A query with no end through the backend, sent to an idle engine: when it is answered, and when the engine
    is idle again."""
    quiet(engine)
    start = time.monotonic()
    response = httpx.post(backend, data={"query": RUNAWAY, "timeout": f"{RUNAWAY_DEADLINE:g}"}, timeout=120)
    answered = time.monotonic() - start
    idle = quiet(engine) - start
    return {
        "status": response.status_code,
        "answered_s": answered,
        "idle_s": idle,
        "idle_after_answer_s": idle - answered,
    }


REPORT = HERE / "VIRTUOSO.md"
REPORT_HEAD = "# tehkg over Virtuoso\n"  # then one section per size, each opening with the line of its run


def write_report(result: dict, provenance: str, note: str) -> None:
    """bench/VIRTUOSO.md: this size's section (loading, throughput table, ratios and runaway figures of one run)
    replaced, the other sizes' kept."""
    # the marks sit on the section's heading and after its last line: the report opens with the line of a run
    begin, end = f"## {result['size']} quads <!-- size {result['size']} -->", f"<!-- end of size {result['size']} -->"
    report = REPORT.read_text() if REPORT.exists() else REPORT_HEAD
    if begin in report:
        report = report[: report.index(begin)] + report[report.index(end) + len(end) :].lstrip("\n")
    section = _section(result, provenance, note)
    REPORT.write_text(report.rstrip("\n") + "\n\n" + begin + "\n" + section + end + "\n")


def _section(result: dict, provenance: str, note: str) -> str:
    bulk, published = result["bulk_load"], result["publish"]
    lines = ["", provenance, ""]
    if note:
        lines += [note, ""]
    lines += [
        "| load of the same N-Quads file | seconds | quads in the engine | engine peak RSS MiB | loader peak RSS MiB |",
        "|---|---|---|---|---|",
        f"| Virtuoso bulk load (`ld_dir` + `rdf_loader_run` + `checkpoint`) | {bulk['seconds']:.1f} | {bulk['quads']} "
        f"| {bulk['peak_mib']:.0f} | – |",
        f"| `tehkg build --no-validate --target …/sparql-graph-crud-auth` | "
        f"{'stopped at ' if published['failure'] else ''}{published['seconds']:.1f} "
        f"| {result['virtuoso_quads']} | {result['virtuoso_peak_mib']:.0f} | {published['peak_mib']:.0f} |",
        "",
        f"The file holds {result['file_quads']} quads. The publish streams them in requests of "
        f"{CHUNK_TRIPLES} triples at most, to each triple's graph and to the merge (the default graph served; "
        "what fills no request yet is set aside on disk, the merge sent last), and has the engine compute the "
        "statistics; the engine then holds the named graphs and their merge, hence more quads than the bulk load. "
        "The loader's peak RSS is that of the publisher's largest process (itself or the child that parses each "
        "file first, under the parse limits).",
        "",
    ]
    if published["failure"]:  # no switch and no ratio: the engine's count is what it held when the publish stopped
        lines += [f"The publish did not complete: {published['failure']}.", ""]
    else:
        lines += [
            "It switched by rewriting the publication record (no served version before it). "
            f"Publish / bulk load: {published['seconds'] / bulk['seconds']:.2f}×.",
            "",
        ]
    if "runs" in result:
        lines += _queries_section(result)
    return "\n".join(lines)


def _queries_section(result: dict) -> list[str]:
    runs: dict[tuple, list[dict]] = {}
    for r in result["runs"]:
        runs.setdefault((r["endpoint"], r["mode"], r["clients"]), []).append(r)
    rps = {key: median(r["rps"] for r in rs) for key, rs in runs.items()}
    repeats = result["repeats"]
    lines = [
        "Queries per second of the 18-query mix (bench/queries/) under `wrk`, p50/p95 latency in ms, failed or non-2xx",
        "responses. Cold: a unique comment per request (and per run); warm: the same bodies again.",
        f"Median of {repeats} runs of {result['seconds']:g} s (range); latency of the median run; CPU per request of",
        "Virtuoso and of the tehkg process (its query workers included), over all runs of the row. The per-client",
        "limits are lifted for the run (TEHKG_MAX_PER_CLIENT, TEHKG_CLIENT_BUDGET, TEHKG_MAX_PENDING).",
        "",
        "| endpoint | mode | clients | req/s | range | p50 | p95 | failed | Virtuoso CPU ms/req | tehkg CPU ms/req |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (name, mode, clients), rs in runs.items():
        middle = sorted(rs, key=lambda r: r["rps"])[len(rs) // 2]
        failed = sum(r["failed"] + r["non2xx"] for r in rs)
        requests = sum(r["requests"] for r in rs)
        virtuoso = sum(r["virtuoso_cpu_ms"] * r["requests"] for r in rs) / requests
        tehkg = (
            "–"
            if rs[0]["tehkg_cpu_ms"] is None
            else f"{sum(r['tehkg_cpu_ms'] * r['requests'] for r in rs) / requests:.1f}"
        )
        spread = f"{min(r['rps'] for r in rs):.1f}–{max(r['rps'] for r in rs):.1f}"
        lines.append(
            f"| {name} | {mode} | {clients} | {rps[(name, mode, clients)]:.1f} | {spread} | {middle['p50_ms']:.1f} "
            f"| {middle['p95_ms']:.1f} | {failed} | {virtuoso:.1f} | {tehkg} |"
        )
    lines += [
        "",
        "| ratio of the medians (range of the same repeat's ratios) | 8 clients | 32 clients |",
        "|---|---|---|",
    ]
    for label, (a, b) in {
        "`--backend` / Virtuoso direct, cold": (("tehkg --backend", "cold"), ("virtuoso direct", "cold")),
        "`--backend` warm / Virtuoso direct": (("tehkg --backend", "warm"), ("virtuoso direct", "warm")),
        "`--backend` / embedded, cold": (("tehkg --backend", "cold"), ("tehkg embedded", "cold")),
    }.items():
        cells = []
        for c in (8, 32):
            paired = [x["rps"] / y["rps"] for x, y in zip(runs[(*a, c)], runs[(*b, c)], strict=True)]
            cells.append(f"{rps[(*a, c)] / rps[(*b, c)]:.2f}× ({min(paired):.2f}–{max(paired):.2f})")
        lines.append(f"| {label} | {' | '.join(cells)} |")
    runaways = result["runaway"]
    answered = ", ".join(f"{r['status']} after {r['answered_s']:.2f} s" for r in runaways)
    idle = ", ".join(f"{r['idle_after_answer_s']:.2f}" for r in runaways)
    lines += [
        "",
        f"- Embedded build (`tehkg build --no-validate`): {result['embedded_build_s']:.1f} s."
        if result["embedded_build_s"] == result["embedded_build_s"]  # NaN: built by an earlier run, not timed
        else "- Embedded store: built by an earlier run of this size (not timed).",
        f"- Row counts per query agree on all three endpoints but for {result['rows_differ'] or 'none'} "
        "(DESCRIBE is left to each engine by SPARQL 1.1).",
        f"- Runaway query through `--backend` with a {RUNAWAY_DEADLINE:g} s deadline, {len(runaways)} times: answered "
        f"{answered}; Virtuoso's CPU idle {idle} s after the answer (it gets half the deadline as its own "
        "`timeout`, then winds down).",
        "",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each endpoint, mode and client count")
    parser.add_argument("--no-queries", action="store_true", help="only the bulk load and the publish")
    parser.add_argument("--load-timeout", type=float, default=3600, help="seconds for each load before it is killed")
    parser.add_argument("--note", default="", help="a sentence printed under the section's first line")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from generate import generated, label_of_size

    label = label_of_size(args.size)
    OUT.mkdir(parents=True, exist_ok=True)
    data = generated(args.size, WORK)
    result: dict = {"size": label, "seconds": args.seconds, "repeats": args.repeats, "cores": os.cpu_count()}
    result["file_quads"] = sum(1 for _ in data.open("rb"))
    result["bulk_load"] = bulk_load(data, label, args.load_timeout)
    print(json.dumps({"bulk_load": result["bulk_load"]}), flush=True)
    engine = Virtuoso(OUT / f"virtuoso-{label}", allowed=[WORK])
    engine.start()
    processes = []
    try:
        result["publish"] = publish(engine, data, args.load_timeout)
        result["virtuoso_peak_mib"] = engine.peak_rss()
        result["virtuoso_quads"] = engine.quads()
        print(json.dumps({k: v for k, v in result.items() if k.startswith(("publish", "virtuoso"))}), flush=True)
        if not args.no_queries and result["publish"]["failure"] is None:
            result["embedded_build_s"] = build_embedded(data, OUT / f"tehkg-{label}")
            measure_queries(engine, label, args, result, processes)
    finally:
        for process in processes:
            process.terminate()
            process.wait(30)
        engine.stop()
    (WORK / f"virtuoso-results-{label}.json").write_text(json.dumps(result, indent=1))
    write_report(result, written_by(), args.note)
    print(json.dumps({k: v for k, v in result.items() if k not in ("runs", "rows")}, indent=1))


def measure_queries(engine: Virtuoso, label: str, args: argparse.Namespace, result: dict, processes: list) -> None:
    """The three endpoints under wrk (``result["runs"]``), their row counts, the runaway query through the backend."""
    direct = as_tehkg_sends(engine)
    backend_process, backend = serve_backend(engine)
    processes.append(backend_process)
    embedded = start_tehkg(OUT / f"tehkg-{label}", **LIFTED)
    processes.append(embedded.process)
    endpoints = {
        "virtuoso direct": (engine.base + "/sparql", direct, None),
        "tehkg --backend": (backend, as_written, backend_process.pid),
        "tehkg embedded": (embedded.url, as_written, embedded.process.pid),
    }
    result["rows"] = {
        name: {q: rows_of(url, text, request) for q, text in QUERIES.items()}
        for name, (url, request, _) in endpoints.items()
    }
    counts = result["rows"].values()
    result["rows_differ"] = [q for q in QUERIES if len({c[q] for c in counts}) > 1]  # DESCRIBE is the engine's
    result["runs"] = []
    for cold in (True, False):
        for clients in (8, 32):
            for repeat in range(args.repeats):
                for name, (url, request, pid) in endpoints.items():
                    engine_cpu, tehkg_cpu = engine.cpu_seconds(), pid and tree_cpu(pid)
                    run = wrk(url, request, clients, args.seconds, cold)
                    requests = max(1, run["requests"])
                    run["virtuoso_cpu_ms"] = (engine.cpu_seconds() - engine_cpu) * 1000 / requests
                    run["tehkg_cpu_ms"] = pid and (tree_cpu(pid) - tehkg_cpu) * 1000 / requests
                    run.update(endpoint=name, mode="cold" if cold else "warm", clients=clients, repeat=repeat)
                    print(json.dumps(run), flush=True)
                    result["runs"].append(run)
    result["runaway"] = [runaway(engine, backend) for _ in range(args.repeats)]


if __name__ == "__main__":
    main()
