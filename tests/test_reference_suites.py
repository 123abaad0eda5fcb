"""The reference suites (tests/reference) are the published bytes: every file matches its pinned SHA-256, and
every file there is pinned."""

import hashlib
from pathlib import Path

REFERENCE = Path(__file__).parent / "reference"
UNPINNED = {"README.md", "SHA256SUMS"}


def pinned() -> dict[str, str]:
    lines = (REFERENCE / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    return {path: digest for digest, path in (line.split("  ", 1) for line in lines if line.strip())}


def test_every_reference_file_has_its_published_bytes():
    sums = pinned()
    assert len(sums) == 10
    changed = {
        path for path, digest in sums.items() if hashlib.sha256((REFERENCE / path).read_bytes()).hexdigest() != digest
    }
    assert changed == set()


def test_every_reference_file_is_pinned():
    present = {str(p.relative_to(REFERENCE)) for p in REFERENCE.rglob("*") if p.is_file()} - UNPINNED
    assert present == pinned().keys()
