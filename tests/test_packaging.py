"""The package as users install it: a wheel built from the sdist, in a fresh venv, outside the checkout."""

import ast
import json
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port, stop, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
MEASURES = "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a <https://w3id.org/tehkg/ontology#Measure> }"
BAD_MEASURE = """@prefix teh: <https://w3id.org/tehkg/ontology#> .
<https://w3id.org/tehkg/id/plan/2019-2021/measure/99> a teh:Measure .
"""


def run(*args: str | Path, cwd: Path, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=900, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel built from it, as ``python -m build`` makes them."""
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--outdir", out, ROOT, cwd=out)
    return out


@pytest.fixture(scope="module")
def installed(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv outside the checkout with the wheel installed; returns its bin directory."""
    venv = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", venv, cwd=venv)
    run(venv / "bin" / "pip", "install", "--quiet", next(dist.glob("*.whl")), cwd=venv)
    return venv / "bin"


def test_wheel_installs_one_top_level_name(dist):
    with zipfile.ZipFile(next(dist.glob("*.whl"))) as wheel:
        names = wheel.namelist()
        top_level = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
        record = next(n for n in names if n.endswith("RECORD"))
        recorded = {line.split(",")[0].split("/")[0] for line in wheel.read(record).decode().splitlines()}
    assert top_level == {"tehkg"}
    assert {r for r in recorded if not r.endswith(".dist-info")} == {"tehkg"}
    for resource in (
        "tehkg/ontology/tehkg.ttl",
        "tehkg/data/plan-2019-2021.trig",
        "tehkg/shapes/tehkg-shapes.ttl",
        "tehkg/data/sparql-examples.trig",
        "tehkg/endpoint/static/build/editor.js",  # the query editor, bundled by make editor: no Node to install
        "tehkg/endpoint/static/build/LICENSES.txt",
        "tehkg/endpoint/pages/templates/frame.html",
        "tehkg/endpoint/pages/locale/fr/LC_MESSAGES/messages.mo",
    ):
        assert resource in names


def test_sdist_holds_ontology_data_shapes_and_licences(dist):
    with tarfile.open(next(dist.glob("*.tar.gz"))) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    for path in (
        "ontology/tehkg.ttl",
        "data/ttl/plan-2019-2021.trig",
        "shapes/tehkg-shapes.ttl",
        "LICENSE",
        "LICENSE-DATA",
        "data/ttl/sparql-examples.trig",
    ):
        assert path in names


def test_validate_from_the_wheel_conforms_and_fails(installed, tmp_path):
    shipped = run(installed / "tehkg", "validate", cwd=tmp_path)
    assert "0 violation" in shipped.stdout
    bad = tmp_path / "my-plan.ttl"
    bad.write_text(BAD_MEASURE)
    result = run(installed / "tehkg", "validate", "--with-ontology", bad, cwd=tmp_path, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "https://w3id.org/tehkg/id/plan/2019-2021/measure/99" in result.stdout
    junit = tmp_path / "report.xml"
    run(
        installed / "tehkg",
        "validate",
        "--with-ontology",
        bad,
        "--format",
        "junit",
        "-o",
        junit,
        cwd=tmp_path,
        check=False,
    )
    assert "<failure" in junit.read_text()


def test_missing_shapes_are_an_error_not_a_pass(installed, tmp_path):
    shapes = Path(
        run(
            installed / "python", "-c", "import tehkg.resources as r; print(r.shapes_dir())", cwd=tmp_path
        ).stdout.strip()
    )
    hidden = shapes.with_name("shapes-hidden")
    shapes.rename(hidden)
    try:
        result = run(installed / "tehkg", "validate", cwd=tmp_path, check=False)
    finally:
        hidden.rename(shapes)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "shapes" in result.stderr and "conforms" not in result.stdout


def test_build_serve_query_and_report_from_the_wheel(installed, tmp_path):
    env = {"PATH": str(installed), "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "xdg")}
    where = run(
        installed / "python", "-c", "import tehkg.resources as r; print(r.default_store_root())", cwd=tmp_path, env=env
    ).stdout.strip()
    assert where == str(tmp_path / "xdg" / "tehkg" / "store")
    store = tmp_path / "store"
    run(installed / "tehkg", "build", "--store", store, cwd=tmp_path, env=env)
    report = run(installed / "tehkg", "report", cwd=tmp_path, env=env).stdout
    assert "measures 2014-2016              23" in report and "measures 2019-2021              45" in report
    port = free_port()
    log = open(tmp_path / "serve.log", "w")
    process = subprocess.Popen(
        [installed / "tehkg", "serve", "--store", store, "--port", str(port), "--workers", "1"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + "/health", process)
        answer = httpx.get(
            base + "/sparql",
            params={"query": MEASURES},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
        assert json.loads(answer.text)["results"]["bindings"][0]["n"]["value"] == "68"
        page = httpx.get(base + "/id/plan/2019-2021/measure/1", headers={"Accept": "text/html"}, timeout=30)
        assert page.status_code == 200 and "Pilote(s)" in page.text  # the templates and French catalogue installed
    finally:
        stop(process)


def test_wheel_holds_every_module_of_the_checkout(dist):
    with zipfile.ZipFile(next(dist.glob("*.whl"))) as wheel:
        names = set(wheel.namelist())
    parts = {"tehkg": "tehkg", "loader": "tehkg/loader", "endpoint": "tehkg/endpoint"}
    for folder, package in parts.items():
        for module in (ROOT / folder).rglob("*.py"):
            assert f"{package}/{module.relative_to(ROOT / folder).as_posix()}" in names


def test_loader_never_imports_endpoint():
    for module in (ROOT / "loader").rglob("*.py"):
        tree = ast.parse(module.read_text())
        imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
        imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [name for name in imported if name.startswith(("tehkg.endpoint", "tehkg.cli"))], module
