"""The rules ``make test`` holds the suite to: with ``--no-skips`` a test that skips fails, naming what it lacks
(only what the platform's kernel refuses stays a skip, listed by ``-rs`` and explained in the summary); the curators'
check runs when ``TEHKG_SOURCES`` names the source documents and is otherwise deselected with a summary line; an install
step that cannot install what tests need stops ``make test`` with a line naming it, before any test runs."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, SOURCES_VARIABLE

pytest_plugins = ["pytester"]

SAMPLE = """
import pytest
from tests.conftest import skip_where_refused

def test_passes():
    pass

def test_lacks_a_tool():
    pytest.skip("the frobnicator is not installed")

def test_needs_a_refused_feature():
    skip_where_refused("network namespaces")

@pytest.mark.xfail(reason="known", strict=True)
def test_known_failure():
    assert False

@pytest.mark.sources
def test_curators_check():
    pass
"""


@pytest.fixture
def sample(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A test module of every kind of outcome, run with the project's conftest as a plugin."""
    monkeypatch.setenv("PYTHONPATH", str(PROJECT_ROOT))
    monkeypatch.delenv(SOURCES_VARIABLE, raising=False)
    pytester.makeini("[pytest]\nmarkers =\n    sources: the curators' check\n")
    pytester.makepyfile(test_sample=SAMPLE)
    return pytester


def run(sample: pytest.Pytester, *args: str) -> pytest.RunResult:
    return sample.runpytest_subprocess("-p", "tests.conftest", "-p", "no:cacheprovider", "-rs", *args, timeout=120)


def outcomes(result: pytest.RunResult) -> dict[str, int]:
    """The counts of the run's closing line, warnings (of the libraries the conftest imports) aside."""
    counts = result.parseoutcomes()
    counts.pop("warnings", None)
    return counts


def test_no_skips_fails_a_skip_naming_what_it_lacks(sample):
    result = run(sample, "--no-skips")
    assert outcomes(result) == {"passed": 1, "failed": 1, "skipped": 1, "xfailed": 1, "deselected": 1}
    result.stdout.fnmatch_lines(
        [
            "*_ test_lacks_a_tool _*",
            "skipped, which --no-skips forbids (make test installs what tests need): the frobnicator is not installed",
        ]
    )
    result.stdout.fnmatch_lines(["SKIPPED [[]1[]] *: this platform refuses network namespaces"])
    result.stdout.fnmatch_lines(["1 tests skipped, each because this platform refuses a kernel feature it needs*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_without_no_skips_a_skip_stays_a_skip(sample):
    result = run(sample)
    assert outcomes(result) == {"passed": 1, "skipped": 2, "xfailed": 1, "deselected": 1}
    assert "each because this platform refuses" not in result.stdout.str()
    assert result.ret == pytest.ExitCode.OK


def test_curators_check_is_deselected_with_a_summary_line_unless_sources_are_named(sample, monkeypatch):
    deselected = run(sample, "--no-skips", "-k", "curators")
    assert outcomes(deselected) == {"deselected": 5}
    deselected.stdout.fnmatch_lines(
        [f"curators' check not run (1 deselected tests *): set {SOURCES_VARIABLE} to the folder of the five *"]
    )
    monkeypatch.setenv(SOURCES_VARIABLE, "sources")
    named = run(sample, "--no-skips", "-k", "curators")
    assert outcomes(named) == {"passed": 1, "deselected": 4}
    assert "curators' check not run" not in named.stdout.str()


def test_no_skips_fails_a_module_skipped_at_collection(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(PROJECT_ROOT))
    pytester.makepyfile(test_gone="import pytest\npytest.skip('no reference files', allow_module_level=True)\n")
    result = run(pytester, "--no-skips")
    result.stdout.fnmatch_lines(["*test_gone.py skipped at collection, which --no-skips forbids: no reference files"])
    assert result.ret != pytest.ExitCode.OK


def bare_path(folder: Path, *present: str) -> dict[str, str]:
    """An environment whose PATH holds only ``present``, each a stand-in that exits 1 (``command -v`` finds it; run,
    it fails): no apt-get, so an install step cannot install anything."""
    folder.mkdir()
    for name in present:
        tool = folder / name
        tool.write_text("#!/bin/sh\nexit 1\n")
        tool.chmod(0o755)
    return {"PATH": str(folder), "HOME": str(folder), "LANG": "C.UTF-8"}


def make(environment: dict[str, str], *targets: str) -> subprocess.CompletedProcess:
    """``make TARGETS`` in the checkout with ``environment`` alone (none of an enclosing make's flags); the
    installed test environment is taken as up to date."""
    make_command = shutil.which("make")
    assert make_command, "make is not installed"
    return subprocess.run(
        [make_command, "-C", str(PROJECT_ROOT), "-o", ".venv/.installed-test", *targets],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("target", "present", "message"),
    [
        ("node-deps", [], "make node-deps: could not install nodejs and npm (apt)"),
        ("node-deps", ["node", "npm"], "make node-deps: npm ci failed in tests/interop/js"),
        ("virtuoso-deps", [], "make virtuoso-deps: could not install virtuoso-opensource (apt)"),
        ("java-deps", [], "make java-deps: could not install default-jre-headless (apt)"),
        ("browser-deps", [], "make browser-deps: could not install chromium and chromium-driver (apt)"),
    ],
)
def test_an_install_step_that_fails_fails_naming_what(tmp_path, target, present, message):
    done = make(bare_path(tmp_path / "bin", *present), target)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr


def test_make_test_stops_before_the_tests_when_npm_is_missing(tmp_path):
    """Chromium, its driver and Java found, npm not: ``make test`` fails at node-deps and never starts pytest."""
    done = make(bare_path(tmp_path / "bin", "chromium", "chromedriver", "java"), "test")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "make node-deps: could not install nodejs and npm (apt)" in done.stderr
    assert "Error 1" in done.stderr and "node-deps" in done.stderr.splitlines()[-1]
    assert "pytest" not in done.stdout


def test_make_test_runs_pytest_refusing_skips_and_listing_them():
    dry = make({**os.environ, "MAKEFLAGS": ""}, "-n", "test")
    assert dry.returncode == 0, dry.stderr
    assert ".venv/bin/coverage run -m pytest -q --no-skips -rs" in dry.stdout.splitlines()
