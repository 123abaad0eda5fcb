"""Which editor component: CodeMirror 6 (what web/ bundles) or YASGUI (@zazuko/yasgui), measured the same way.

    python bench/editor.py [--yasgui 4.6.2] [--note "what else ran on the machine"]

For each: the script and style a page must load once bundled by esbuild (minified, one IIFE, as web/build.mjs
does; YASGUI's own style sheet beside it), raw and gzipped; whether the bundle names a host outside the endpoint
that its completion asks (lov.linkeddata.es); and, in headless Chromium with only the loopback reachable, the
Content Security Policy refusals (the pages' policy, ``PAGE_POLICY``) while the editor opens and shows the answer
of a GROUP BY query on the shipped data, and the requests made to other hosts. YASGUI comes from npm into a
temporary folder (it needs the registry, and Node.js and npm); CodeMirror's bundle is endpoint/static/build/,
built first by ``make editor``. Writes bench/EDITOR.md.
"""

import argparse
import functools
import gzip
import http.server
import json
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import quote

import httpx
from provenance import written_by
from run import HERE, ROOT, free_port, wait_up

from tehkg.endpoint.http.guard import PAGE_POLICY
from tests.browser import csp_refusals, start_chromium

QUERY = (
    "PREFIX teh: <https://w3id.org/tehkg/ontology#>\n"
    "SELECT ?plan (COUNT(?m) AS ?n) WHERE { ?m teh:inPlan ?plan } GROUP BY ?plan"
)
ESBUILD = json.loads((ROOT / "web" / "package-lock.json").read_text())["packages"]["node_modules/esbuild"]["version"]
YASGUI_PAGE = """<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="yasgui.css"></head>
<body><div id="yasgui"></div><script src="yasgui.js"></script><script src="start.js"></script></body></html>"""
YASGUI_START = """const yasgui = new window.Yasgui(document.getElementById("yasgui"),
  { requestConfig: { endpoint: "/sparql", method: "POST" }, copyEndpointOnNewTab: false });
const tab = yasgui.getTab(); tab.setQuery(%s); tab.query();"""


def sizes(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    return len(data), len(gzip.compress(data, 9))


def bundle_yasgui(version: str, work: Path) -> Path:
    """YASGUI from npm, bundled by esbuild into ``work/page`` with its style sheet and a page starting it."""
    (work / "package.json").write_text('{"name": "measure", "private": true, "version": "0.0.0"}')
    npm = ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", f"@zazuko/yasgui@{version}"]
    subprocess.run([*npm, f"esbuild@{ESBUILD}"], cwd=work, check=True, timeout=600)
    page = work / "page"
    page.mkdir()
    (work / "entry.js").write_text('import Yasgui from "@zazuko/yasgui";\nwindow.Yasgui = Yasgui;\n')
    esbuild = [str(work / "node_modules" / ".bin" / "esbuild"), "entry.js", "--bundle", "--minify"]
    subprocess.run([*esbuild, "--format=iife", "--target=es2020", "--outfile=page/yasgui.js"], cwd=work, check=True)
    (page / "yasgui.css").write_bytes((work / "node_modules/@zazuko/yasgui/build/yasgui.min.css").read_bytes())
    (page / "index.html").write_text(YASGUI_PAGE)
    (page / "start.js").write_text(YASGUI_START % json.dumps(QUERY))
    return page


def serve_page(folder: Path, endpoint: str) -> http.server.ThreadingHTTPServer:
    """``folder`` over HTTP on the loopback under the pages' policy, /sparql passed on to ``endpoint``."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def end_headers(self) -> None:
            self.send_header("Content-Security-Policy", PAGE_POLICY)
            super().end_headers()

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
            answer = httpx.post(endpoint + self.path, content=body, headers=headers, timeout=30)
            self.send_response(answer.status_code)
            self.send_header("Content-Type", answer.headers["content-type"])
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def in_chromium(url: str, shown: str, profile: Path) -> tuple[list[str], list[str]]:
    """The CSP refusals while ``url`` opens and shows an answer (``shown``: a CSS selector), and the requests
    made to other hosts than the loopback."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser = start_chromium(profile, console=True)
    try:
        browser.get(url)
        WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, shown))
        away = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
            ".filter(n => !n.startsWith('http://127.0.0.1'))"
        )
        return sorted({m.split(" ", 2)[-1][:160] for m in csp_refusals(browser)}), away
    finally:
        browser.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--yasgui", default="4.6.2", help="the @zazuko/yasgui version to measure")
    parser.add_argument("--note", default="", help="a sentence for the report, e.g. what else ran on the machine")
    args = parser.parse_args()
    subprocess.run(["make", "editor"], cwd=ROOT, check=True, timeout=900)
    ours = ROOT / "endpoint" / "static" / "build" / "editor.js"
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        page = bundle_yasgui(args.yasgui, work)
        store = work / "store"
        subprocess.run([sys.executable, "-m", "tehkg.cli", "build", "--store", str(store)], cwd=ROOT, check=True)
        port = free_port()
        tehkg = subprocess.Popen(
            [sys.executable, "-m", "tehkg.cli", "serve", "--store", str(store), "--port", str(port)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_up(base + "/health")
            yasgui_server = serve_page(page, base)
            try:
                yasgui_seen = in_chromium(
                    f"http://127.0.0.1:{yasgui_server.server_port}/index.html", ".yasr tbody tr", work / "p1"
                )
            finally:
                yasgui_server.shutdown()
            ours_seen = in_chromium(
                f"{base}/sparql?query={quote(QUERY)}",
                "#results .view-tabs",
                work / "p2",
            )
        finally:
            tehkg.terminate()
            tehkg.wait(30)
        rows = [
            ("CodeMirror 6 (web/, as served)", sizes(ours), (0, 0), "lov.linkeddata.es" in ours.read_text(), ours_seen),
            (
                f"YASGUI {args.yasgui}",
                sizes(page / "yasgui.js"),
                sizes(page / "yasgui.css"),
                "lov.linkeddata.es" in (page / "yasgui.js").read_text(),
                yasgui_seen,
            ),
        ]
    lines = [
        written_by(),
        "",
        "# The editor component, measured",
        "",
        f"Bundled by esbuild {ESBUILD} (minified IIFE, ES2020); sizes in bytes, gzip at level 9. Refusals: Chromium's "
        f"console under `{PAGE_POLICY}` while the editor opens and shows the answer of a GROUP BY on the shipped "
        "data; other hosts: requests to anything but the loopback meanwhile.",
        *([f"\n{args.note}"] if args.note else []),
        "",
        "| component | script | script gzipped | style | style gzipped | completion asks lov.linkeddata.es "
        "| CSP refusals | requests to other hosts |",
        "|---|---:|---:|---:|---:|---|---:|---:|",
        *(
            f"| {name} | {js[0]} | {js[1]} | {css[0]} | {css[1]} | {'yes' if lov else 'no'} | {len(seen[0])} "
            f"| {len(seen[1])} |"
            for name, js, css, lov, seen in rows
        ),
        "",
        *(f"- {name}: {refusal}" for name, _, _, _, seen in rows for refusal in seen[0]),
        "",
    ]
    (HERE / "EDITOR.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
