"""The npm project in ``js/`` (Comunica, sparql-http-client) and a way to run its scripts.

``make test`` installs it (``make node-deps``); run alone, the fixture installs it with ``npm ci``
and the tests are skipped only when npm cannot.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).parent / "js"


def installed() -> Path:
    """The npm project, installed; skips the test when npm is missing or cannot install it."""
    if (JS / "node_modules" / ".package-lock.json").exists():
        return JS
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("Node.js and npm are not installed (make node-deps installs them)")
    done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        pytest.skip(f"npm could not install the JavaScript clients: {done.stderr[-500:]}")
    return JS


def run(script: str, *args: str) -> object:
    """Run ``js/<script>`` with node and return the JSON it prints."""
    done = subprocess.run(["node", script, *args], cwd=installed(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)
