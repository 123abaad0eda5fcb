"""The npm project in ``js/`` (Comunica, sparql-http-client) and a way to run its scripts.

``make test`` installs it (``make node-deps``); run alone, the tests install it with ``npm ci``, and fail,
naming what is missing, when Node.js or npm is not installed or cannot install it.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).parent / "js"


def installed() -> Path:
    """The npm project, installed; fails the test, saying why, when npm is missing or cannot install it."""
    if (JS / "node_modules" / ".package-lock.json").exists():
        return JS
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.fail("Node.js and npm are not installed (make node-deps installs them)")
    done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS, capture_output=True, text=True, timeout=240)
    if done.returncode != 0:
        pytest.fail(f"npm ci could not install the JavaScript clients in {JS}: {done.stderr[-500:]}")
    return JS


def run(script: str, *args: str) -> object:
    """Run ``js/<script>`` with node and return the JSON it prints."""
    done = subprocess.run(["node", script, *args], cwd=installed(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)
