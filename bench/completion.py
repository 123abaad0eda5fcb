"""How fast the query editor's completion answers: GET /completion on the shipped data, over HTTP.

    python bench/completion.py [--rounds 30] [--note "what else ran on the machine"]

Builds the shipped ontology and data into a fresh store, starts ``tehkg serve`` on it and sends, one after the
other from one client, what the editor sends as a researcher types: every prefix of a few words (prefixed names in
predicate position, classes after ``a``, organisations by acronym after teh:pilot, legal texts after
teh:refersTo, prefixes and entities at the start of a pattern). The first request builds the vocabulary (reported
apart); then each round sends the whole mix with a ``limit`` no earlier round used, so every answer is computed
(*uncached*), and a last set of rounds repeats one limit (*cached*). Reports p50, p95 and max in milliseconds.
Writes bench/COMPLETION.md.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from provenance import written_by
from run import HERE, ROOT, start_tehkg

WHERE = "SELECT * WHERE {\n  ?m "
TYPED = [  # (the word as typed, the query before it)
    ("teh:pilot", WHERE),
    ("teh:Measure", WHERE + "a "),
    ("Ofii", WHERE + "teh:pilot "),
    ("Miprof", WHERE + "teh:pilot "),
    ("Code pénal", WHERE + "teh:refersTo "),
    ("skos:prefLabel", WHERE + "a teh:Measure ; "),
    ("plan", "SELECT * WHERE {\n  "),
]
MIX = [(word[:n], context) for word, context in TYPED for n in range(1, len(word) + 1)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(client: httpx.Client, url: str, word: str, context: str, limit: int) -> float:
    start = time.perf_counter()
    response = client.get(url, params={"word": word, "context": context, "lang": "fr", "limit": limit})
    elapsed = (time.perf_counter() - start) * 1000
    response.raise_for_status()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=30, help="rounds of the mix, each uncached (at most 49)")
    parser.add_argument("--note", default="", help="a sentence for the report, e.g. what else ran on the machine")
    args = parser.parse_args()
    rounds = max(1, min(args.rounds, 49))  # the limits 1..49 make each round's answers new; 50 is the cached one
    with tempfile.TemporaryDirectory() as work:
        store = Path(work) / "store"
        subprocess.run(
            [sys.executable, "-m", "tehkg.cli", "build", "--store", str(store)], cwd=ROOT, check=True, timeout=600
        )
        endpoint = start_tehkg(store)
        url = endpoint.url.removesuffix("/sparql") + "/completion"
        try:
            with httpx.Client(timeout=30) as client:
                first = timed(client, url, "a", "", 50)
                uncached = [timed(client, url, w, c, limit) for limit in range(1, rounds + 1) for w, c in MIX]
                cached = [timed(client, url, w, c, 50) for _ in range(rounds) for w, c in MIX]
        finally:
            endpoint.close()
    rows = [("uncached", uncached), ("cached", cached)]
    lines = [
        written_by(),
        "",
        "# Completion latency (GET /completion, shipped data)",
        "",
        f"{len(MIX)} requests per round (every prefix of {len(TYPED)} words typed in context), one client, "
        f"sequential, over HTTP on the loopback. The first request, which builds the vocabulary: {first:.0f} ms.",
        *([f"\n{args.note}"] if args.note else []),
        "",
        "| answers | requests | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {name} | {len(values)} | {statistics.median(values):.1f} | {percentile(values, 0.95):.1f} "
            f"| {max(values):.1f} |"
            for name, values in rows
        ),
        "",
    ]
    (HERE / "COMPLETION.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
