"""A replica over Virtuoso answers every competency question before, during and after a publish at scale.

    python bench/replica_questions.py [--size 10000000] [--load-timeout S]

One run on one machine. The shipped data (validated and built by ``tehkg build``) is published to a fresh private
Virtuoso (tests/virtuoso.py, loopback ports) with ``tehkg build --target``, and ``tehkg serve --backend`` answers
from it (its cap of rows above every answer): every competency question (tests/competency.py, the examples of
data/ttl/sparql-examples.trig) is asked through that replica and its answer compared with the expected one. Then the grown data — the shipped named graphs
followed by the generated graph of ``--size`` triples (bench/generate.py, which shares the shipped graphs' names
and namespaces, so the questions range over both) — is published to the same engine with ``tehkg build
--no-validate --target`` while one client keeps asking the questions in turn through the replica: each answer must
be the shipped data's or the grown data's (their rows, in any order), never another, and no answer of the shipped
data may come once the grown data's has. After the publish every question is asked again and compared with pyoxigraph's answer over the
grown data (a store in memory, the default graph the union of the named graphs, as tehkg serves it); an ordered
question compares in order. The publish is killed past ``--load-timeout``. Results: bench/REPLICA_QUESTIONS.md and
bench/out/replica-questions-SIZE.json.
"""

import argparse
import json
import multiprocessing
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox
from provenance import written_by
from run import WORK
from virtuoso import OUT as PUBLISH_LOGS
from virtuoso import publish, serve_backend

from tests.competency import Question, all_questions, render
from tests.virtuoso import VIRTUOSO_DIVERGES, Virtuoso

HERE = Path(__file__).resolve().parent
OUT = WORK / "replica-questions"
REPORT = HERE / "REPLICA_QUESTIONS.md"
QUESTIONS = all_questions()
ASK_TIMEOUT = 300.0  # seconds a question may take through the replica (its own deadline: serve_backend's)
VERDICTS = ("shipped", "grown", "both", "neither", "known divergence")  # an answer of status 200
REPLICA_MAX_ROWS = 1_000_000  # the replica's cap of rows: above every answer, so that answers compare whole
SWITCH_WAIT = 60.0  # seconds the replica may take to serve the grown data once the publish has returned


def rendered(result: ox.QuerySolutions | ox.QueryBoolean) -> list[str]:
    """Rows rendered as the competency questions write their expected lines."""
    if isinstance(result, ox.QueryBoolean):
        return [str(bool(result)).lower()]
    return [" | ".join(render(row[v]) for v in result.variables) for row in result]


def same(question: Question, got: list[str], expected: list[str]) -> bool:
    return (got if question.ordered else sorted(got)) == (expected if question.ordered else sorted(expected))


def write_grown(shipped: Path, generated: Path, grown: Path) -> int:
    """The shipped named graphs' quads, then the generated ones, into ``grown``; the quads written."""
    with grown.open("wb") as out:
        for part in (shipped, generated):
            with part.open("rb") as lines:
                shutil.copyfileobj(lines, out, 1 << 24)
    return sum(1 for _ in grown.open("rb"))


def reference_answers(grown: Path) -> tuple[dict[str, list[str]], dict[str, float], float]:
    """pyoxigraph's answer to each question over ``grown`` (in memory, the union of the named graphs as default
    graph), the seconds each took, the seconds of the load."""
    store = ox.Store()
    start = time.perf_counter()
    store.bulk_load(path=str(grown), format=ox.RdfFormat.N_QUADS)
    loaded = time.perf_counter() - start
    answers, seconds = {}, {}
    for question in QUESTIONS:
        start = time.perf_counter()
        answers[question.name] = rendered(store.query(question.query, use_default_graph_as_union=True))
        seconds[question.name] = time.perf_counter() - start
    return answers, seconds, loaded


@dataclass
class Answer:
    """The replica's answer to a question: its status, its rows rendered (or the error's message), its seconds and
    its ETag (which names the version that answered)."""

    status: int
    rows: list[str] | str
    seconds: float
    etag: str


def ask(session: httpx.Client, base: str, question: Question, turn: str) -> Answer:
    """``question`` asked of the replica with a comment naming ``turn`` (each ask is new to the replica's cache:
    the engine answers)."""
    start = time.perf_counter()
    query = f"# {turn}\n{question.query}"
    response = session.post(base, data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    elapsed = time.perf_counter() - start
    etag = response.headers.get("etag", "")
    if response.status_code != 200:
        try:
            message = str(response.json()["message"])  # tehkg's error shape
        except (ValueError, KeyError, TypeError):
            message = response.text[:300]
        return Answer(response.status_code, message, elapsed, etag)
    parsed = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
    return Answer(200, rendered(parsed), elapsed, etag)


def ask_all(base: str, expected: dict[str, list[str]], phase: str) -> dict:
    """Every question once through the replica: the questions answered as expected, those not (and how)."""
    differing, failed, seconds = {}, {}, {}
    with httpx.Client(timeout=ASK_TIMEOUT) as session:
        for question in QUESTIONS:
            answer = ask(session, base, question, phase)
            status, rows, seconds[question.name] = answer.status, answer.rows, answer.seconds
            if status != 200:
                failed[question.name] = f"{status}: {rows}"
            elif not same(question, rows, expected[question.name]):
                assert isinstance(rows, list)
                order_only = sorted(rows) == sorted(expected[question.name])
                differing[question.name] = {
                    "order_only": order_only,
                    "got": rows[:5],
                    "expected": expected[question.name][:5],
                    "got_rows": len(rows),
                    "expected_rows": len(expected[question.name]),
                }
    return {
        "asked": len(QUESTIONS),
        "as_expected": len(QUESTIONS) - len(differing) - len(failed),
        "differing": differing,
        "failed": failed,
        "seconds_total": sum(seconds.values()),
        "slowest": sorted(seconds.items(), key=lambda item: -item[1])[:5],
    }


@dataclass
class Watch:
    """One client asking the questions in turn through the replica while the publish runs, and after it until the
    replica serves the grown data (``served``: set at its first answer of the grown data's)."""

    base: str
    before: dict[str, list[str]]
    after: dict[str, list[str]]
    stop: threading.Event = field(default_factory=threading.Event)
    answers: list[tuple[float, str, str]] = field(default_factory=list)  # (moment, question, verdict)
    served: threading.Event = field(default_factory=threading.Event)
    began: float = field(default_factory=time.monotonic)  # just before the publish starts
    unexplained: list[dict] = field(default_factory=list)  # the answers of neither version: when, what, which ETag

    def run(self) -> None:
        with httpx.Client(timeout=ASK_TIMEOUT) as session:
            turn = 0
            while not self.stop.is_set():
                question = QUESTIONS[turn % len(QUESTIONS)]
                turn += 1
                try:
                    answer = ask(session, self.base, question, f"during {turn}")
                except httpx.HTTPError as err:
                    self.answers.append((time.monotonic(), question.name, f"error: {type(err).__name__}"))
                    continue
                verdict = self.verdict(question, answer.status, answer.rows)
                self.answers.append((time.monotonic(), question.name, verdict))
                if verdict == "neither":
                    at = time.monotonic() - self.began
                    self.unexplained.append(
                        {"question": question.name, "at_s": at, "etag": answer.etag, "rows": answer.rows[:5]}
                    )
                if verdict == "grown":
                    self.served.set()

    def verdict(self, question: Question, status: int, rows: list[str] | str) -> str:
        if status != 200:
            return f"{status}: {rows}"
        assert isinstance(rows, list)
        # which version answered: the rows compared as a multiset (tied rows may come in either order)
        old, new = sorted(rows) == sorted(self.before[question.name]), sorted(rows) == sorted(self.after[question.name])
        if old and new:
            return "both"
        if old or new:
            return "shipped" if old else "grown"
        return "known divergence" if question.name in VIRTUOSO_DIVERGES else "neither"

    def summary(self, published: float) -> dict:
        """The verdicts counted; ``published``: the moment the publish returned."""
        verdicts = [verdict for _, _, verdict in self.answers]
        served = next((moment for moment, _, verdict in self.answers if verdict == "grown"), None)
        first_grown = next((i for i, v in enumerate(verdicts) if v == "grown"), len(verdicts))
        return {
            "answers": len(verdicts),
            "shipped": verdicts.count("shipped"),
            "grown": verdicts.count("grown"),
            "both": verdicts.count("both"),
            "neither": self.unexplained,
            "known_divergence": verdicts.count("known divergence"),
            "errors": [(name, v) for _, name, v in self.answers if v not in VERDICTS],
            "shipped_after_grown": verdicts[first_grown:].count("shipped"),
            "served_after_publish_s": None if served is None else served - published,
        }


def write_report(result: dict, provenance: str) -> None:
    before, during, after = result["before"], result["during"], result["after"]

    def differences(phase: dict) -> str:
        names = [
            f"{name} ({'order of tied rows' if d['order_only'] else VIRTUOSO_DIVERGES.get(name, 'rows')})"
            for name, d in phase["differing"].items()
        ]
        failures: dict[str, list[str]] = {}  # each failure's message, and the questions that got it
        for name, why in phase["failed"].items():
            failures.setdefault(why, []).append(name)
        failed = [f"{', '.join(questions)} (answered {why})" for why, questions in failures.items()]
        return "; ".join(names + failed) or "none"

    lines = [
        "# A replica answers every competency question through a publish at scale",
        "",
        provenance,
        "",
        f"Data: the shipped data ({result['shipped_quads']} quads in its named graphs), then the same with the "
        f"generated graph of {result['size']:,} triples ({result['grown_quads']:,} quads in the file), published to "
        "one private Virtuoso 7 with `tehkg build --target`; one `tehkg serve --backend` replica over it throughout.",
        "",
        "| phase | questions asked | answered as expected | differing or failed |",
        "|---|---|---|---|",
        f"| before (shipped data, against the expected answers) | {before['asked']} | {before['as_expected']} | "
        f"{differences(before)} |",
        f"| after (grown data, against pyoxigraph's answers) | {after['asked']} | {after['as_expected']} | "
        f"{differences(after)} |",
        "",
        f"During the publish ({result['publish']['seconds']:.1f} s, the publisher's peak RSS "
        f"{result['publish']['peak_mib']:.0f} MiB{', failed: ' + result['publish']['failure'] if result['publish']['failure'] else ''}), "
        f"one client asked the questions in turn: {during['answers']} answers, {during['shipped']} the shipped "
        f"data's, {during['grown']} the grown data's, {during['both']} the same for both; "
        f"{during['known_divergence']} of the question Virtuoso answers otherwise (above); "
        f"{len(during['neither'])} neither, {len(during['errors'])} errors, "
        f"{during['shipped_after_grown']} of the shipped data after the first of the grown data's, which came "
        + (
            f"{abs(during['served_after_publish_s']):.1f} s {'after' if during['served_after_publish_s'] >= 0 else 'before'}"
            " the publisher exited (after the switch it drops the stages and the graphs the version no longer has)."
            if during["served_after_publish_s"] is not None
            else f"not within {SWITCH_WAIT:g} s of the publish's end."
        ),
        *(
            f"- of neither version: {n['question']}, {n['at_s']:.1f} s into the publish (ETag {n['etag']}): "
            + " / ".join(n["rows"])
            for n in during["neither"]
        ),
        *(
            [f"- errors: {', '.join(sorted({f'{name} ({why[:120]})' for name, why in during['errors']}))}"]
            if during["errors"]
            else []
        ),
        "",
        f"pyoxigraph's reference: the grown data loaded in memory in {result['reference_load_s']:.1f} s, the "
        f"questions answered in {result['reference_questions_s']:.1f} s; through the replica after the publish "
        f"{after['seconds_total']:.1f} s (slowest: "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in after["slowest"][:3])
        + ").",
        "",
    ]
    REPORT.write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10_000_000)
    parser.add_argument("--load-timeout", type=float, default=3600, help="seconds for each publish before it is killed")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from generate import generated, label_of_size, shipped_data

    label = label_of_size(args.size)
    OUT.mkdir(parents=True, exist_ok=True)
    shipped_store, shipped = OUT / "shipped", OUT / "shipped.nq"
    shipped_data(shipped_store, shipped)
    grown = OUT / f"grown-{label}.nq"
    result: dict = {"size": args.size, "grown_quads": write_grown(shipped, generated(args.size, WORK), grown)}
    expected = {q.name: q.expected for q in QUESTIONS}
    result["shipped_quads"] = sum(1 for _ in shipped.open("rb"))
    # in a process of its own: the publisher, started from this one, would otherwise inherit the memory of the
    # copy in its peak RSS (the kernel keeps a process's peak across the exec that follows the fork)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        reference, seconds, result["reference_load_s"] = pool.apply(reference_answers, (grown,))
    result["reference_questions_s"] = sum(seconds.values())
    print(json.dumps({k: v for k, v in result.items()}), flush=True)
    engine = Virtuoso(OUT / f"virtuoso-{label}", allowed=[WORK])
    engine.start()
    backend_process = None
    try:
        PUBLISH_LOGS.mkdir(parents=True, exist_ok=True)
        first = publish(engine, None, args.load_timeout)
        if first["failure"]:
            raise SystemExit(f"the shipped data could not be published: {first['failure']}")
        backend_process, backend = serve_backend(engine, TEHKG_MAX_ROWS=str(REPLICA_MAX_ROWS))
        result["before"] = ask_all(backend, expected, "before")
        print(json.dumps({"before": result["before"]}), flush=True)
        watch = Watch(backend, expected, reference)
        watcher = threading.Thread(target=watch.run)
        watcher.start()
        try:
            result["publish"] = publish(engine, grown, args.load_timeout)
            published = time.monotonic()
            watch.served.wait(SWITCH_WAIT)
        finally:
            watch.stop.set()
            watcher.join(ASK_TIMEOUT + 10)
        result["during"] = watch.summary(published)
        print(json.dumps({"publish": result["publish"], "during": result["during"]}), flush=True)
        result["after"] = ask_all(backend, reference, "after")
        result["virtuoso_peak_mib"] = engine.peak_rss()
    finally:
        if backend_process is not None:
            backend_process.terminate()
            backend_process.wait(30)
        engine.stop()
    (WORK / f"replica-questions-{label}.json").write_text(json.dumps(result, indent=1))
    write_report(result, written_by())
    print(json.dumps({k: result[k] for k in ("before", "during", "after")}, indent=1))


if __name__ == "__main__":
    main()
