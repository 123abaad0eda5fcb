"""Benchmark driver: tehkg against its peers, same data, same machine, one run.

    python bench/run.py [--sizes 14000 1000000] [--seconds 10] [--repeat 5]

For each synthetic size it measures load time and peak memory (``tehkg build --no-validate`` and
``oxigraph load``), then for every endpoint (tehkg, ``oxigraph serve``, rdflib-endpoint, in-process
pyoxigraph) the per-query p50/p95 latency and the throughput of the query mix at 8 and 32
concurrent clients, cold (a unique comment defeats caches) and, for tehkg, warm. Row counts are
compared across endpoints. Results go to bench/REPORT.md.
"""

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "out"
QUERIES = {p.stem: p.read_text() for p in sorted((HERE / "queries").glob("*.rq"))}
ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed_child(cmd: list[str], **kwargs) -> tuple[float, float]:
    """Run a command; return (seconds, peak resident memory in MiB) of that child alone."""
    start = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"{cmd[0]} failed: {process.stderr.read().decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024


def wait_up(url: str, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise TimeoutError(url)


def count_rows(response: httpx.Response) -> int:
    if response.headers.get("content-type", "").startswith("application/sparql-results+json"):
        body = response.json()
        return 1 if "boolean" in body else len(body["results"]["bindings"])
    return sum(1 for line in response.text.splitlines() if line.strip())


class HttpEndpoint:
    """A SPARQL endpoint over HTTP, queried with POST form."""

    def __init__(self, name: str, url: str, process: subprocess.Popen | None) -> None:
        self.name, self.url, self.process = name, url, process

    async def ask(self, client: httpx.AsyncClient, query: str) -> tuple[int, int]:
        r = await client.post(self.url, data={"query": query}, headers={"Accept": ACCEPT})
        return r.status_code, count_rows(r) if r.status_code == 200 else -1

    def close(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(30)


class InProcess:
    """pyoxigraph in this process, results serialised to JSON: the floor for the stack."""

    name = "in-process pyoxigraph"

    def __init__(self, store_dir: str) -> None:
        self.store = ox.Store.read_only(store_dir)
        self.pool = ThreadPoolExecutor(32)

    def _run(self, query: str) -> tuple[int, int]:
        result = self.store.query(query, use_default_graph_as_union=True)
        if isinstance(result, ox.QueryTriples):
            return 200, len(ox.serialize(result, format=ox.RdfFormat.N_TRIPLES).splitlines())
        if isinstance(result, ox.QueryBoolean):
            return 200, 1
        body = json.loads(result.serialize(format=ox.QueryResultsFormat.JSON))
        return 200, len(body["results"]["bindings"])

    async def ask(self, client: httpx.AsyncClient, query: str) -> tuple[int, int]:
        return await asyncio.get_running_loop().run_in_executor(self.pool, self._run, query)

    def close(self) -> None:
        self.pool.shutdown()


async def latencies(endpoint, repeat: int, cold: bool) -> dict[str, dict]:
    out = {}
    async with httpx.AsyncClient(timeout=120) as client:
        for name, query in QUERIES.items():
            times, rows, errors = [], None, 0
            for i in range(repeat):
                text = query + (f"\n# nonce {time.perf_counter_ns()}-{i}" if cold else "")
                start = time.perf_counter()
                try:
                    status, n = await endpoint.ask(client, text)
                except Exception:  # noqa: BLE001 - a failure is counted, not fatal
                    status, n = 599, -1
                times.append((time.perf_counter() - start) * 1000)
                errors += status != 200
                rows = n if status == 200 else rows
            times.sort()
            out[name] = {"p50": statistics.median(times),
                         "p95": times[min(len(times) - 1, int(0.95 * len(times)))],
                         "rows": rows, "errors": errors}
    return out


async def throughput(endpoint, clients: int, seconds: float, cold: bool) -> dict:
    done = errors = 0
    stop_at = time.monotonic() + seconds
    names = list(QUERIES)

    async def client_loop(index: int, client: httpx.AsyncClient) -> None:
        nonlocal done, errors
        i = index
        while time.monotonic() < stop_at:
            query = QUERIES[names[i % len(names)]]
            if cold:
                query += f"\n# nonce {index}-{i}-{time.perf_counter_ns()}"
            try:
                status, _ = await endpoint.ask(client, query)
            except Exception:  # noqa: BLE001
                status = 599
            done += status == 200
            errors += status != 200
            i += 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        start = time.monotonic()
        await asyncio.gather(*(client_loop(i, client) for i in range(clients)))
        elapsed = time.monotonic() - start
    return {"qps": done / elapsed, "errors": errors}


def start_endpoints(size_label: str, data: Path, store_root: Path, ox_dir: Path) -> list:
    endpoints = []
    port = free_port()
    env = {**os.environ, "TEHKG_WORKERS": "2", "TEHKG_MAX_ROWS": "1000000", "TEHKG_TIMEOUT": "120",
           "TEHKG_MAX_PENDING": "1000"}
    proc = subprocess.Popen([sys.executable, "-m", "loader.cli", "serve", "--store", str(store_root),
                             "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_up(f"http://127.0.0.1:{port}/health")
    endpoints.append(HttpEndpoint("tehkg", f"http://127.0.0.1:{port}/sparql", proc))
    port = free_port()
    proc = subprocess.Popen([str(BIN / "oxigraph"), "serve-read-only", "--location", str(ox_dir),
                             "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if proc.poll() is None:
        try:
            wait_up(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", 60)
        except TimeoutError:
            proc.kill()
            proc = subprocess.Popen([str(BIN / "oxigraph"), "serve", "--location", str(ox_dir),
                                     "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_up(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", 60)
    endpoints.append(HttpEndpoint("oxigraph serve", f"http://127.0.0.1:{port}/query", proc))
    if shutil.which("rdflib-endpoint") or (BIN / "rdflib-endpoint").exists():
        if data.stat().st_size < 50_000_000:  # rdflib loads the graph in memory, slowly
            port = free_port()
            proc = subprocess.Popen([str(BIN / "rdflib-endpoint"), "serve", str(data), "--host",
                                     "127.0.0.1", "--port", str(port)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_up(f"http://127.0.0.1:{port}/?query=ASK%7B%7D", 900)
            endpoints.append(HttpEndpoint("rdflib-endpoint", f"http://127.0.0.1:{port}/", proc))
    from loader.store_builder import current_store

    endpoints.append(InProcess(str(current_store(store_root))))
    return endpoints


def bench_size(size: int, seconds: float, repeat: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from generate import generate

    label = f"{size // 1000}k" if size < 1_000_000 else f"{size // 1_000_000}M"
    data = WORK / f"synthetic-{label}.nq"
    if not data.exists():
        generate(size, data)
    triples = sum(1 for _ in data.open())
    store_root, ox_dir = WORK / f"tehkg-{label}", WORK / f"oxigraph-{label}"
    shutil.rmtree(store_root, ignore_errors=True)
    shutil.rmtree(ox_dir, ignore_errors=True)
    load = {
        "tehkg build --no-validate": timed_child([sys.executable, "-m", "loader.cli", "build", str(data),
                                                  "--store", str(store_root), "--no-validate"], cwd=ROOT),
        "oxigraph load": timed_child([str(BIN / "oxigraph"), "load", "--location", str(ox_dir),
                                      "--file", str(data)]),
    }
    result = {"size": label, "triples": triples, "load": load, "endpoints": {}}
    endpoints = start_endpoints(label, data, store_root, ox_dir)
    try:
        for endpoint in endpoints:
            entry = {"latency_cold": asyncio.run(latencies(endpoint, repeat, cold=True))}
            for clients in (8, 32):
                entry[f"cold_{clients}"] = asyncio.run(throughput(endpoint, clients, seconds, cold=True))
            if endpoint.name == "tehkg":
                entry["latency_warm"] = asyncio.run(latencies(endpoint, repeat, cold=False))
                entry["warm_8"] = asyncio.run(throughput(endpoint, 8, seconds, cold=False))
            result["endpoints"][endpoint.name] = entry
            print(f"{label} {endpoint.name}: {entry['cold_8']['qps']:.1f} q/s at 8 clients", flush=True)
    finally:
        for endpoint in endpoints:
            endpoint.close()
    return result


def report(results: list[dict]) -> str:
    lines = ["# Benchmark report", "",
             f"Written by `python bench/run.py` on {time.strftime('%Y-%m-%d')}; machine: "
             f"{os.cpu_count()} cores. Query mix: {len(QUERIES)} queries in `bench/queries/`. "
             "Cold = a unique comment per request defeats every cache; warm = repeated text.", ""]
    for r in results:
        lines += [f"## {r['size']} ({r['triples']} quads)", "", "| load | seconds | peak MiB |", "|---|---|---|"]
        for name, (sec, mem) in r["load"].items():
            lines.append(f"| {name} | {sec:.2f} | {mem:.0f} |")
        ratio = r["load"]["tehkg build --no-validate"][0] / r["load"]["oxigraph load"][0]
        lines += ["", f"tehkg build / oxigraph load = **{ratio:.2f}×** time", "",
                  "| endpoint | q/s cold, 8 clients | q/s cold, 32 clients | errors | q/s warm, 8 clients |",
                  "|---|---|---|---|---|"]
        eps = r["endpoints"]
        for name, e in eps.items():
            warm = f"{e['warm_8']['qps']:.1f}" if "warm_8" in e else "—"
            errors = e["cold_8"]["errors"] + e["cold_32"]["errors"]
            lines.append(f"| {name} | {e['cold_8']['qps']:.1f} | {e['cold_32']['qps']:.1f} | {errors} | {warm} |")
        base = eps["tehkg"]
        lines.append("")
        for peer in ("oxigraph serve", "rdflib-endpoint", "in-process pyoxigraph"):
            if peer in eps and eps[peer]["cold_8"]["qps"]:
                lines.append(f"- tehkg / {peer}, cold 8 clients: **{base['cold_8']['qps'] / eps[peer]['cold_8']['qps']:.2f}×**")
        if "warm_8" in base:
            lines.append(f"- tehkg warm / oxigraph serve cold, 8 clients: "
                         f"**{base['warm_8']['qps'] / eps['oxigraph serve']['cold_8']['qps']:.2f}×**")
        lines += ["", "| query | " + " | ".join(f"{n} p50/p95 ms" for n in eps) + " | rows agree |",
                  "|---|" + "---|" * (len(eps) + 1)]
        for q in QUERIES:
            cells = [f"{e['latency_cold'][q]['p50']:.1f} / {e['latency_cold'][q]['p95']:.1f}" for e in eps.values()]
            rows = {n: e["latency_cold"][q]["rows"] for n, e in eps.items()}
            agree = "yes" if len(set(rows.values())) == 1 else "no: " + ", ".join(f"{n}={v}" for n, v in rows.items())
            lines.append(f"| {q} | " + " | ".join(cells) + f" | {agree} |")
        overhead = [base["latency_cold"][q]["p50"] - eps["in-process pyoxigraph"]["latency_cold"][q]["p50"]
                    for q in QUERIES]
        lines += ["", f"HTTP overhead of tehkg over in-process, median of per-query p50 differences: "
                  f"**{statistics.median(overhead):.2f} ms**", ""]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[14_000, 1_000_000])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    results = [bench_size(size, args.seconds, args.repeat) for size in args.sizes]
    (WORK / "results.json").write_text(json.dumps(results, indent=1))
    (HERE / "REPORT.md").write_text(report(results))
    print(f"wrote {HERE / 'REPORT.md'}")


if __name__ == "__main__":
    main()
