"""Sparqloscope's feature-by-feature queries, generated from our graphs, run against tehkg and its peers.

    python bench/sparqloscope.py [--sizes shipped 1000000] [--timeout 30] [--runs 3] [--regenerate]

``shipped`` is our own graph: the store ``tehkg build`` makes of the shipped data (validated), its named graphs
dumped to N-Quads for the other peers; a number is a graph of that many quads made by bench/generate.py.

Sparqloscope (Bast, Ullinger et al., University of Freiburg, ISWC 2025; https://github.com/ad-freiburg/sparqloscope,
Apache License 2.0) builds a benchmark from any dataset: it first asks the dataset for statistics (predicate sizes,
join sizes, multiplicities, datatypes), then fills 105 query templates, about one per SPARQL feature (joins of
several shapes, OPTIONAL, MINUS, EXISTS, UNION, GROUP BY and aggregates, DISTINCT, property paths, regex and
string functions, result sizes, numeric and date functions, filters, statistics), with the predicates and values
that make each template meaningful on that dataset. Its templates, bench/sparqloscope/query-templates.yaml, are
upstream's file unchanged (commit 61ad92f, with its LICENSE beside it).

This script generates the queries in its spirit, from those templates, with its own code, not upstream's
generator (which needs Python 3.12 and a SERVICE-capable endpoint). It follows the procedure upstream documents:
the precomputed queries run first; each placeholder query then runs in order (a single-row answer, or the
candidate rows scored by the placeholder's argmax query, the best kept; several values for a multiplaceholder;
children taking their values from the same row); templates whose condition is false or that need a placeholder
no query could fill are left out (the report lists them); ``%LIMIT%`` is 10 and foreach blocks are unrolled.
How it differs from upstream's generator:

- a precomputed query's answer is written into the placeholder query as an inline ``VALUES`` block, where
  upstream serves it from a local HTTP server that the query reaches by ``SERVICE`` (the same join, no federation);
- the statistics are asked of ``oxigraph serve`` over tehkg's store (the dataset tehkg serves); a query
  over ``--generate-timeout`` s (an argmax candidate over ``--argmax-timeout`` s) is abandoned and the server
  restarted, as upstream discards argmax candidates past its ``--argmax-timeout`` (300 s by default);
- no prefix abbreviation: IRIs are written in full; no result caches between runs.

The queries are saved in upstream's TSV form (``name [description]<TAB>query on one line``) as
bench/sparqloscope/queries-SIZE.tsv, committed: they are small, and with them the measurement can be rerun on
another engine without generating again (the same data gives the same queries, up to ties in the statistics'
ORDER BY). An existing file is reused unless ``--regenerate``.

Then every query runs one at a time, in one run, on each peer over the same data: tehkg embedded (``tehkg serve``
over a built store), ``tehkg serve --backend`` over a private Virtuoso the graph was published to (``tehkg build
--target``), Virtuoso direct (given the dataset tehkg sends it), ``oxigraph serve-read-only`` over tehkg's own
store (so the same default graph, the merge of the named graphs, not their union, in which a triple two graphs hold
counts twice) and pyoxigraph in a child process (tehkg's store opened as its workers open it; timed around query and JSON
serialisation, no HTTP). Each query is run ``--runs`` times per peer, cold (a unique comment defeats every
cache); the latency is the median, a run failing (not 200, or no answer within ``--timeout`` s) makes the query a
failure for that peer and its remaining runs are skipped. tehkg is sent the timeout as its ``timeout``
parameter; a peer that cannot be told (Virtuoso direct, oxigraph serve, in-process) is waited for quiet
(Virtuoso) or restarted (oxigraph serve, the in-process child) after a timeout, so that no query disturbs the
next. Result sizes (rows; for a one-row answer, its values too: most queries are COUNTs) are compared across the
peers that answered. The geometric mean per peer counts a failure as twice the timeout, as Sparqloscope's own
results script does (util/make_results_csv.py, its first penalty), and is also given over the queries every peer
answered.

Results: bench/out/sparqloscope/results-SIZE.json, bench/SPARQLOSCOPE.md (a section per size run, each with
the command that measured it), bench/sparqloscope.svg.
"""

import argparse
import ctypes
import json
import math
import multiprocessing
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox
import yaml
from provenance import written_by
from run import ACCEPT, BIN, WORK, HttpEndpoint, count_rows, free_port, start_tehkg, wait_up
from virtuoso import OUT as PUBLISH_LOGS
from virtuoso import as_tehkg_sends, build_embedded, publish, quiet, serve_backend

from tests.virtuoso import Virtuoso
from tests.virtuoso import available as virtuoso_available

HERE = Path(__file__).resolve().parent
QUERY_DIR = HERE / "sparqloscope"
TEMPLATES = QUERY_DIR / "query-templates.yaml"
OUT = WORK / "sparqloscope"
REPORT = HERE / "SPARQLOSCOPE.md"
PLOT = HERE / "sparqloscope.svg"
PEERS = ("tehkg embedded", "tehkg --backend", "virtuoso direct", "oxigraph serve", "in-process pyoxigraph")
PENALTY = 2  # a failure counts as PENALTY × the timeout in the geometric mean
PLACEHOLDER = re.compile(r"%([A-Z0-9_]+)%")
REFERENCE = re.compile(r"%([\w\-]+)%")  # in placeholder queries: a precomputed query or an earlier placeholder
FOREACH = re.compile(r"%begin-foreach:(?P<name>[A-Z0-9_]+)%(?P<body>.*)%end-foreach:(?P=name)%", re.S)
LOOP_VARIABLE = re.compile(r"%#i(?P<shift>[+-]\d+)?%")
LIMIT = 10  # upstream's default --limit
# Statistics queries of the templates written for QLever, which reuses a SELECT's aliases in the same SELECT
# (not SPARQL 1.1, 18.2.4.1): the same queries in standard SPARQL, the aggregates repeated instead.
STANDARD = {
    f"MULTIPLICITY_ON_{side}_QUERY": f"""
      SELECT ?p (SUM(?count_{x}) AS ?count) (COUNT(?p) AS ?count_distinct)
        (SUM(?count_{x}) / COUNT(?p) AS ?multiplicity) WHERE {{
        SELECT ?p ?x (COUNT(?{x}) AS ?count_{x}) WHERE {{ {pattern} }} GROUP BY ?p ?x }}
      GROUP BY ?p ORDER BY DESC(?multiplicity)
"""
    for side, x, pattern in (("OBJECT", "s", "?s ?p ?x"), ("SUBJECT", "o", "?x ?p ?o"))
}


SHIPPED = "shipped"  # our own graph, not a generated one


def label_of(size: str) -> str:
    if size == SHIPPED:
        return SHIPPED
    from generate import label_of_size

    return label_of_size(int(size))


# ---------------------------------------------------------------- generation


def start_oxigraph(store: Path) -> HttpEndpoint:
    """``oxigraph serve-read-only`` over tehkg's own store (``store``, its ``current`` build): the very dataset tehkg
    answers from, its default graph the merge of the named graphs. (``--union-default-graph`` over the named graphs
    would not be: a triple two graphs hold counts twice there, once in the merge.)"""
    port = free_port()
    command = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(store / "current")]
    process = subprocess.Popen(
        [*command, "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_up(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", 60)
    return HttpEndpoint("oxigraph serve", f"http://127.0.0.1:{port}/query", process)


class Statistics:
    """The engine the statistics are asked of: ``oxigraph serve`` over the data, restarted after a timeout."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self.endpoint = start_oxigraph(store)

    def select(self, query: str, timeout: float) -> dict:
        try:
            response = httpx.post(
                self.endpoint.url,
                data={"query": query},
                headers={"Accept": "application/sparql-results+json"},
                timeout=timeout,
            )
        except httpx.TimeoutException:
            self.endpoint.process.kill()
            self.endpoint.process.wait()
            self.endpoint = start_oxigraph(self.store)
            raise TimeoutError(f"no answer within {timeout:g} s") from None
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
        return response.json()

    def close(self) -> None:
        self.endpoint.close()


def sparql_term(binding: dict | None) -> str:
    """A result binding as a SPARQL term for a VALUES block (UNDEF when unbound)."""
    if binding is None or binding["type"] == "bnode":
        return "UNDEF"
    if binding["type"] == "uri":
        return f"<{binding['value']}>"
    literal = json.dumps(binding["value"], ensure_ascii=False)
    if "xml:lang" in binding:
        return f"{literal}@{binding['xml:lang']}"
    if "datatype" in binding:
        return f"{literal}^^<{binding['datatype']}>"
    return literal


def values_block(result: dict) -> str:
    variables = result["head"]["vars"]
    rows = " ".join(
        "(" + " ".join(sparql_term(row.get(v)) for v in variables) + ")" for row in result["results"]["bindings"]
    )
    return f"{{ VALUES ({' '.join('?' + v for v in variables)}) {{ {rows} }} }}"


def placeholder_value(binding: dict) -> str:
    """What a placeholder becomes: an IRI in brackets, any other term its bare value (as upstream)."""
    return f"<{binding['value']}>" if binding["type"] == "uri" else binding["value"]


def fill_placeholders(templates: dict, ask: Callable[[str, float], dict], argmax_timeout: float, log) -> dict:
    """The value of every placeholder that could be computed, and the reason for each that could not."""
    precomputed = {}
    values: dict[str, str] = {}
    failed: dict[str, str] = {}
    for entry in templates["precomputed_queries"]:
        log(f"precomputed {entry['name']}")
        try:
            precomputed[entry["name"]] = values_block(ask(STANDARD.get(entry["name"], entry["query"]), math.inf))
        except Exception as error:  # noqa: BLE001 - the placeholders that need it fail, with the reason
            failed[entry["name"]] = str(error).splitlines()[0][:200]
            log(f"  failed: {failed[entry['name']]}")

    def resolve(text: str) -> str:
        def substitute(match: re.Match) -> str:
            name = match.group(1)
            if name in precomputed:
                return precomputed[name]
            if name in values:
                return values[name]
            raise KeyError(f"needs {name}, which is not available")

        return REFERENCE.sub(substitute, text)

    for entry in templates["placeholders"]:
        name = entry["name"]
        log(f"placeholder {name}")
        try:
            query = resolve(STANDARD.get(name, entry["query"]))
            result = ask(query, math.inf)
            if "boolean" in result:
                values[name] = str(result["boolean"]).lower()
                continue
            rows = result["results"]["bindings"]
            columns = {c["variable"].lstrip("?"): c["suffix"] for c in entry.get("children", [])} or {
                first_variable(query, result["head"]["vars"]): ""
            }
            if not rows:
                raise ValueError("its query has no answer")
            if any(column not in row for row in rows for column in columns):
                raise ValueError(f"a row lacks one of {sorted(columns)}")
            if entry.get("multiplaceholder"):
                for i, row in enumerate(rows):
                    for column, suffix in columns.items():
                        values[f"{name}{suffix}_{i}"] = placeholder_value(row[column])
                values[f"{name}_NUM"] = str(len(rows))
                continue
            if "argmax" in entry:
                row = best_candidate(name, entry["argmax"], rows, columns, ask, argmax_timeout)
            elif len(rows) == 1:
                row = rows[0]
            else:
                raise ValueError(f"{len(rows)} rows where one is expected")
            for column, suffix in columns.items():
                values[name + suffix] = placeholder_value(row[column])
        except Exception as error:  # noqa: BLE001 - the templates that need it are left out, with the reason
            failed[name] = str(error).splitlines()[0][:200]
            log(f"  failed: {failed[name]}")
    values["LIMIT"] = str(LIMIT)
    return {"values": values, "failed": failed}


def first_variable(query: str, variables: list[str]) -> str:
    """The variable a placeholder takes its value from: the first of the answer's; for ``SELECT *``, the first to
    appear in the query, as upstream's QLever orders them (Oxigraph orders the variables of ``SELECT *`` its own way).
    """
    if not re.match(r"(\s*PREFIX\s+\S*\s*<[^>]*>)*\s*SELECT\s+\*", query, re.I):
        return variables[0]
    return next(v for v in re.findall(r"\?(\w+)", query) if v in variables)


def best_candidate(name: str, argmax: str, rows: list, columns: dict, ask, timeout: float) -> dict:
    """The candidate row whose argmax query gives the highest single numeric score."""
    best, best_score = None, -math.inf
    for row in rows:
        query = argmax
        for column, suffix in columns.items():
            query = query.replace(f"%{name}{suffix}%", placeholder_value(row[column]))
        try:
            scored = ask(query, timeout)["results"]["bindings"]
        except Exception as error:  # noqa: BLE001 - upstream skips a candidate whose argmax query fails or times out
            print(f"  argmax candidate of {name} skipped: {str(error)[:200]}", flush=True)
            continue
        cells = list(scored[0].values()) if len(scored) == 1 else []
        if len(cells) == 1 and cells[0].get("datatype", "").endswith(("#int", "#integer", "#decimal")):
            if float(cells[0]["value"]) > best_score:
                best, best_score = row, float(cells[0]["value"])
    if best is None:
        raise ValueError("no argmax candidate gave a score")
    return best


def instantiate(templates: dict, filled: dict) -> tuple[list[dict], dict[str, str]]:
    """The benchmark queries, and the reason each template left out was left out."""
    values = filled["values"]
    queries, skipped = [], {}
    for template in templates["queries"]:
        name, text = template["name"], template["query"]
        condition = template.get("condition")
        if condition and values.get(condition) != "true":
            skipped[name] = f"condition {condition} is {values.get(condition, 'not computed')}"
            continue

        text = FOREACH.sub(lambda match: unroll(match, values), text)
        missing = sorted({m for m in PLACEHOLDER.findall(text) if m not in values})
        if missing:
            skipped[name] = "needs " + ", ".join(missing)
            continue
        text = PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
        queries.append(
            {"name": name, "description": template.get("description", ""), "query": re.sub(r"\s+", " ", text).strip()}
        )
    return queries, skipped


def unroll(foreach: re.Match, values: dict[str, str]) -> str:
    """A foreach block repeated once per value of its multiplaceholder, ``%#i%`` (``%#i+1%``...) its index."""

    def index(i: int) -> Callable[[re.Match], str]:
        return lambda variable: str(i + int(variable.group("shift") or 0))

    count = int(values.get(foreach.group("name") + "_NUM", "0"))
    return "".join(LOOP_VARIABLE.sub(index(i), foreach.group("body")) for i in range(count))


def write_queries(path: Path, queries: list[dict], skipped: dict[str, str]) -> None:
    lines = [f"{q['name']} [{q['description']}]\t{q['query']}" for q in queries]
    path.write_text("\n".join(lines) + "\n")
    path.with_suffix(".skipped.json").write_text(json.dumps(skipped, indent=1, sort_keys=True) + "\n")


def read_queries(path: Path) -> tuple[list[dict], dict[str, str]]:
    queries = []
    for line in path.read_text().splitlines():
        head, query = line.split("\t", 1)
        name, description = head.split(" [", 1)
        queries.append({"name": name, "description": description.removesuffix("]"), "query": query})
    return queries, json.loads(path.with_suffix(".skipped.json").read_text())


# ---------------------------------------------------------------- peers


def answer_size(media: str, body: bytes) -> tuple[int, list[str] | None]:
    """Rows of the answer and, for a one-row SELECT, its values (numbers to 6 significant digits)."""
    if media.split(";")[0].strip() != "application/sparql-results+json":
        return count_rows(media, body), None
    parsed = json.loads(body)
    if "boolean" in parsed:
        return 1, [str(parsed["boolean"]).lower()]
    rows = parsed["results"]["bindings"]
    if len(rows) != 1:
        return len(rows), None
    cells = []
    for variable in parsed["head"]["vars"]:
        cell = rows[0].get(variable)
        if cell is None:
            cells.append("UNDEF")
            continue
        try:
            cells.append(f"{float(cell['value']):.6g}" if "datatype" in cell else cell["value"])
        except ValueError:
            cells.append(cell["value"])
    return 1, cells


class HttpPeer:
    """A peer over HTTP; ``request`` writes a query's form (tehkg: with its timeout, Virtuoso: as tehkg sends it)."""

    def __init__(self, name: str, url: str, request: Callable[[str, float], str], after_timeout: Callable) -> None:
        self.name, self.url, self.request, self.after_timeout = name, url, request, after_timeout
        self.client = httpx.Client()

    def run(self, query: str, timeout: float) -> dict:
        body = self.request(query, timeout)
        headers = {"Accept": ACCEPT, "Content-Type": "application/x-www-form-urlencoded"}
        start = time.perf_counter()
        try:
            response = self.client.post(self.url, content=body, headers=headers, timeout=timeout + 5)
        except httpx.TimeoutException:
            self.client.close()
            self.client = httpx.Client()
            self.after_timeout()
            return {"error": f"timeout ({timeout:g} s)"}
        except httpx.HTTPError as error:
            self.client.close()
            self.client = httpx.Client()
            return {"error": f"{type(error).__name__}"}
        elapsed = time.perf_counter() - start
        if elapsed > timeout:
            self.after_timeout()
            return {"error": f"timeout ({timeout:g} s)"}
        if response.status_code != 200:
            kind = response.headers.get("content-type", "")
            detail = response.json().get("kind", "") if "json" in kind else ""
            return {"error": f"{response.status_code} {detail}".strip()}
        rows, values = answer_size(response.headers.get("content-type", ""), response.content)
        return {"seconds": elapsed, "rows": rows, "values": values}

    def close(self) -> None:
        self.client.close()


def in_process_child(store_dir: str, memory_quads: int, pipe) -> None:
    """The in-process peer's child: tehkg's store opened as its workers do; each query timed in here."""

    from tehkg.endpoint.engines.workers import Snapshot

    snapshot = Snapshot(store_dir, memory_quads, ctypes.c_byte())
    snapshot.copying.join()
    pipe.send("ready")
    while (query := pipe.recv()) is not None:
        start = time.perf_counter()
        try:
            result = snapshot.store.query(query)
            if isinstance(result, ox.QueryTriples):
                media, body = "application/n-triples", ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)
            else:
                media, body = "application/sparql-results+json", result.serialize(format=ox.QueryResultsFormat.JSON)
        except (SyntaxError, OSError, ValueError) as error:
            pipe.send({"error": f"{type(error).__name__}: {str(error)[:100]}"})
            continue
        elapsed = time.perf_counter() - start
        rows, values = answer_size(media, body)
        pipe.send({"seconds": elapsed, "rows": rows, "values": values})


class InProcessPeer:
    """pyoxigraph without HTTP, in a child process so that a query past the timeout can be stopped."""

    name = "in-process pyoxigraph"

    def __init__(self, store_dir: str, memory_quads: int) -> None:
        self.args = (store_dir, memory_quads)
        self.start()

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipe, child_end = context.Pipe()
        self.process = context.Process(target=in_process_child, args=(*self.args, child_end), daemon=True)
        self.process.start()
        if not self.pipe.poll(900) or self.pipe.recv() != "ready":
            raise RuntimeError("the in-process peer did not open the store")

    def run(self, query: str, timeout: float) -> dict:
        self.pipe.send(query)
        if self.pipe.poll(timeout):
            return self.pipe.recv()
        self.process.kill()
        self.process.join()
        self.start()
        return {"error": f"timeout ({timeout:g} s)"}

    def close(self) -> None:
        if self.process.is_alive():
            self.pipe.send(None)
            self.process.join(30)
        self.process.kill()


# ---------------------------------------------------------------- measurement


def measure(queries: list[dict], peers: list, runs: int, timeout: float, until: float, log) -> dict:
    """Per query and peer: median seconds of ``runs`` cold runs, or the failure; the result size. The queries not
    begun by ``until`` (``time.monotonic()``) are left out."""
    out: dict[str, dict] = {}
    for index, query in enumerate(queries):
        if time.monotonic() > until:
            log(f"time budget spent: {len(queries) - index} queries left out")
            break
        out[query["name"]] = {}
        for peer in peers:
            times, outcome = [], {}
            for run in range(runs):
                outcome = peer.run(f"{query['query']}\n# sparqloscope {time.time_ns()}-{run}", timeout)
                if "error" in outcome:
                    break
                times.append(outcome["seconds"])
            entry = {"error": outcome["error"]} if "error" in outcome else {"seconds": statistics.median(times)}
            if "rows" in outcome:
                entry.update(rows=outcome["rows"], values=outcome["values"])
            out[query["name"]][peer.name] = entry
        cells = ", ".join(f"{p}={fmt(e)}" for p, e in out[query["name"]].items())
        log(f"[{index + 1}/{len(queries)}] {query['name']}: {cells}")
    return out


def unmeasured(result: dict) -> str:
    """The sentence naming the queries the time budget left out, if any."""
    left = [name for name in result["queries"] if name not in result["results"]]
    if not left:
        return ""
    return (
        f" **{len(left)} queries not measured**: the run's time budget (`--max-minutes "
        f"{result['max_minutes']:g}`) was spent first ({', '.join(left)})."
    )


def fmt(entry: dict) -> str:
    return f"{entry['seconds'] * 1000:.1f} ms" if "seconds" in entry else "FAIL " + entry["error"]


def bench_size(size: str, args: argparse.Namespace, log) -> dict:
    sys.path.insert(0, str(HERE))
    from generate import generated, shipped_data

    from tehkg.settings import Settings

    label = label_of(size)
    OUT.mkdir(parents=True, exist_ok=True)
    store = OUT / f"tehkg-{label}"
    if size == SHIPPED:
        data = OUT / "shipped.nq"
        shipped_data(store, data)
    else:
        data = generated(int(size), WORK)
        build_embedded(data, store)
    result: dict = {
        "size": label,
        "quads": sum(1 for _ in data.open()),
        "timeout": args.timeout,
        "runs": args.runs,
        "written_by": written_by(),
        "cores": os.cpu_count(),
    }
    query_file = QUERY_DIR / f"queries-{label}.tsv"
    if args.regenerate or not query_file.exists():
        stats = Statistics(store)
        try:

            def ask(query: str, timeout: float) -> dict:
                return stats.select(query, min(timeout, args.generate_timeout))

            templates = yaml.safe_load(TEMPLATES.read_text())
            start = time.perf_counter()
            filled = fill_placeholders(templates, ask, args.argmax_timeout, log)
            queries, skipped = instantiate(templates, filled)
            skipped = {n: r + _why(r, filled["failed"]) for n, r in skipped.items()}
            write_queries(query_file, queries, skipped)
            result["generated_s"] = time.perf_counter() - start
        finally:
            stats.close()
    queries, skipped = read_queries(query_file)
    result["queries"] = [q["name"] for q in queries]
    result["skipped"] = skipped
    if args.generate_only:
        return result

    os.environ.update(TEHKG_MAX_ROWS="100000000", TEHKG_CLIENT_BUDGET="100000")  # read by serve_backend's child
    peers: list = []
    engine = None
    try:
        if virtuoso_available() and "virtuoso" not in args.skip:
            engine = Virtuoso(OUT / f"virtuoso-{label}", allowed=[WORK])
            engine.start()
            PUBLISH_LOGS.mkdir(parents=True, exist_ok=True)
            result["publish_s"], _ = publish(engine, data, args.publish_timeout)
            as_sent = as_tehkg_sends(engine)
            backend_process, backend_url = serve_backend(engine)
            engine_quiet = (lambda e: lambda: quiet(e))(engine)
            peers.append(HttpPeer("tehkg --backend", backend_url, tehkg_timeout, engine_quiet))
            peers[-1].process = backend_process
            peers.append(HttpPeer("virtuoso direct", engine.base + "/sparql", lambda q, t: as_sent(q), engine_quiet))
        elif "virtuoso" in args.skip:
            result["virtuoso"] = "Virtuoso and tehkg --backend were not run on this graph (`--skip virtuoso`)."
        else:
            result["virtuoso"] = "Virtuoso was not available (no `virtuoso-t`/`isql-vt` on PATH)"
        embedded = start_tehkg(
            store, TEHKG_MAX_ROWS="100000000", TEHKG_CLIENT_BUDGET="100000", TEHKG_TIMEOUT=str(args.timeout)
        )
        peers.insert(0, HttpPeer("tehkg embedded", embedded.url, tehkg_timeout, lambda: None))
        peers[0].process = embedded.process
        oxigraph = OxigraphPeer(store)
        peers.append(oxigraph)
        peers.append(InProcessPeer(str(store / "current"), Settings.load().memory_quads))
        peers.sort(key=lambda p: PEERS.index(p.name))
        result["peers"] = [p.name for p in peers]
        start = time.perf_counter()
        until = time.monotonic() + args.max_minutes * 60
        result["results"] = measure(queries, peers, args.runs, args.timeout, until, log)
        result["max_minutes"] = args.max_minutes
        result["measured_s"] = time.perf_counter() - start
    finally:
        for peer in peers:
            peer.close()
            process = getattr(peer, "process", None)
            if isinstance(process, subprocess.Popen):
                process.terminate()
                process.wait(30)
        if engine is not None:
            engine.stop()
    return result


def _why(reason: str, failed: dict[str, str]) -> str:
    """Why the placeholders a template needs are missing (their query failed, or had no fitting answer)."""
    causes = [f"{name}: {failed[name]}" for name in failed if name in reason]
    return f" ({'; '.join(causes)})" if causes else ""


def tehkg_timeout(query: str, timeout: float) -> str:
    return urlencode([("query", query), ("timeout", f"{timeout:g}")])


class OxigraphPeer(HttpPeer):
    """``oxigraph serve`` over the data; restarted after a timeout, so that a query it still evaluates cannot slow
    the next."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self.endpoint = start_oxigraph(store)
        super().__init__("oxigraph serve", self.endpoint.url, lambda q, t: urlencode([("query", q)]), self.restart)

    def restart(self) -> None:
        self.endpoint.process.kill()
        self.endpoint.process.wait()
        self.endpoint = start_oxigraph(self.store)
        self.url = self.endpoint.url

    def close(self) -> None:
        super().close()
        self.endpoint.close()


# ---------------------------------------------------------------- report


def geometric_mean(seconds: list[float]) -> float:
    return math.exp(sum(math.log(s) for s in seconds) / len(seconds)) if seconds else math.nan


def summary(result: dict) -> dict[str, dict]:
    """Per peer: failures, geometric mean with failures at PENALTY × timeout, and over the queries all answered."""
    results, peers = result["results"], result["peers"]
    everywhere = [q for q, row in results.items() if all("seconds" in row[p] for p in peers)]
    out = {}
    for peer in peers:
        penalised = [row[peer].get("seconds", PENALTY * result["timeout"]) for row in results.values()]
        out[peer] = {
            "failures": sum("error" in row[peer] for row in results.values()),
            "geomean_penalised_ms": geometric_mean(penalised) * 1000,
            "geomean_common_ms": geometric_mean([results[q][peer]["seconds"] for q in everywhere]) * 1000,
            "common": len(everywhere),
        }
    return out


def graph_name(result: dict) -> str:
    what = "our own graph" if result["size"] == SHIPPED else f"{result['size']} generated graph"
    return f"{what} ({result['quads']} quads)"


def shown(values: tuple[str, ...] | list[str]) -> str:
    """A one-row answer's values for a table cell: each cut to 40 characters, pipes escaped."""
    return " / ".join(v if len(v) <= 40 else v[:39] + "…" for v in values).replace("|", "\\|")


def agreement(row: dict) -> str:
    sizes = {p: (e["rows"], tuple(e["values"] or ())) for p, e in row.items() if "rows" in e}
    if len(set(sizes.values())) <= 1:
        return "yes" if sizes else "—"
    return "no: " + ", ".join(f"{p}: {shown(s[1]) if s[1] else f'{s[0]} rows'}" for p, s in sizes.items())


def size_cell(row: dict) -> str:
    sizes = [(e["rows"], e["values"]) for e in row.values() if "rows" in e]
    if not sizes:
        return "—"
    rows, values = statistics.mode([(r, tuple(v or ())) for r, v in sizes])
    return f"{rows} rows" if not values else "1 row: " + shown(values)


def section(result: dict) -> str:
    peers, results = result["peers"], result["results"]
    stats = summary(result)
    lines = [
        f"## {graph_name(result)}",
        "",
        result["written_by"].replace("Written by", "Measured by", 1),
        "",
        f"{len(result['queries'])} queries generated from this graph (bench/sparqloscope/queries-{result['size']}"
        f".tsv), {len(result['skipped'])} templates left out (below). Median of {result['runs']} cold runs per "
        f"query and peer, timeout {result['timeout']:g} s; whole run {result['measured_s'] / 60:.1f} min."
        + unmeasured(result),
        "",
        "| peer | failures | geometric mean, failure = "
        f"{PENALTY}×{result['timeout']:g} s | geometric mean over the "
        f"{next(iter(stats.values()))['common']} queries all answered |",
        "|---|---|---|---|",
    ]
    for peer, s in stats.items():
        lines.append(
            f"| {peer} | {s['failures']} | {s['geomean_penalised_ms']:.1f} ms | {s['geomean_common_ms']:.1f} ms |"
        )
    lines += ["", "| query | " + " | ".join(f"{p} ms" for p in peers) + " | result | sizes agree |"]
    lines.append("|---|" + "---|" * (len(peers) + 2))
    for name, row in results.items():
        cells = [
            f"{row[p]['seconds'] * 1000:.1f}" if "seconds" in row[p] else f"FAIL: {row[p]['error']}" for p in peers
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {size_cell(row)} | {agreement(row)} |")
    if result["skipped"]:
        lines += ["", "Templates left out on this graph:", ""]
        lines += [f"- {name}: {reason}" for name, reason in sorted(result["skipped"].items())]
    if result.get("virtuoso"):
        lines += ["", result["virtuoso"]]
    lines.append("")
    return "\n".join(lines)


REPORT_HEAD = """# Sparqloscope-style benchmark

Queries generated by `bench/sparqloscope.py` from Sparqloscope's templates (https://github.com/ad-freiburg/sparqloscope,
Apache License 2.0; how the generation differs from upstream's: the script's docstring), one per SPARQL feature,
asked one at a time of each peer over the same graph. Latency in ms, median of the cold runs; FAIL: an error or no
answer within the timeout. *Result*: the answer's size (the rows, or a one-row answer's values, most queries
being COUNTs) most peers gave; *sizes agree*: whether every peer that answered gave it. The geometric mean
counts a failure as twice the timeout, as Sparqloscope's own results script does, and is also given over the
queries every peer answered. Plot: bench/sparqloscope.svg. The machine's two cores were shared with other work during the runs.
"""


def measured_results() -> list[dict]:
    """The results of every size measured so far (bench/out/sparqloscope/results-SIZE.json), smallest graph first:
    each size's latest run."""
    found = (json.loads(path.read_text()) for path in OUT.glob("results-*.json"))
    return sorted((r for r in found if "results" in r), key=lambda r: r["quads"])


def write_report(results: list[dict]) -> None:
    """bench/SPARQLOSCOPE.md: a section per size, each with the command that measured it."""
    REPORT.write_text(written_by() + "\n\n" + REPORT_HEAD + "\n" + "\n".join(section(r) for r in results))


def plot() -> None:
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.fonttype"] = "none"
    results = measured_results()
    figure, axes = plt.subplots(len(results), 1, figsize=(12, 3.2 * len(results)), squeeze=False)
    markers = dict(zip(PEERS, "o^sDv", strict=True))
    for axis, result in zip(axes[:, 0], results, strict=True):
        names = list(result["results"])
        for peer in result["peers"]:
            xs, ys, fx = [], [], []
            for i, name in enumerate(names):
                entry = result["results"][name][peer]
                (xs.append(i), ys.append(entry["seconds"] * 1000)) if "seconds" in entry else fx.append(i)
            line = axis.plot(xs, ys, markers[peer], ms=3.5, label=peer, alpha=0.8)[0]
            if fx:
                axis.plot(fx, [PENALTY * result["timeout"] * 1000] * len(fx), "x", color=line.get_color(), ms=5)
        axis.set_yscale("log")
        axis.set_ylabel("ms (median, cold)")
        axis.set_title(
            f"{graph_name(result)}: {len(names)} queries; × = failure, drawn at {PENALTY}× the timeout", pad=18
        )
        axis.set_xticks(range(len(names)), names, rotation=90, fontsize=5)
        axis.grid(axis="y", alpha=0.3)
        axis.legend(fontsize=7, ncols=5, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False)
    figure.tight_layout()
    figure.savefig(PLOT, metadata={"Date": None})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", default=[SHIPPED, "1000000"], help=f"{SHIPPED} or a number of quads")
    parser.add_argument("--timeout", type=float, default=30, help="seconds per query run")
    parser.add_argument("--runs", type=int, default=3, help="cold runs per query and peer (the median is kept)")
    parser.add_argument("--regenerate", action="store_true", help="generate the queries again from the graph")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--generate-timeout", type=float, default=1800, help="seconds per statistics query")
    parser.add_argument("--argmax-timeout", type=float, default=60, help="seconds per argmax candidate")
    parser.add_argument(
        "--max-minutes", type=float, default=math.inf, help="per size: no query is begun after this many minutes"
    )
    parser.add_argument("--publish-timeout", type=float, default=3600, help="seconds to publish to Virtuoso")
    parser.add_argument("--skip", nargs="*", default=[], choices=["virtuoso"], help="peers not to start")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped (by `timeout`): the servers are closed first

    def log(message: str) -> None:
        print(time.strftime("%H:%M:%S"), message, flush=True)

    results = []
    for size in args.sizes:
        result = bench_size(size, args, log)
        (OUT / f"results-{result['size']}.json").write_text(json.dumps(result, indent=1))
        results.append(result)
    if any("results" in r for r in results):
        write_report(measured_results())
        plot()
        print(f"wrote {REPORT} and {PLOT}")


if __name__ == "__main__":
    main()
