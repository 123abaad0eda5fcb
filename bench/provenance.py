"""The line every benchmark report opens with: the command, the commit, the date and the machine.

A figure in the README is only as good as what can rerun it: each report written by a script of bench/ names the
command that wrote it (as typed, relative to the repository), the commit it measured (with ``+changes`` when the
tree differed from it), the date (UTC) and the machine (cores, memory, processor).
"""

import datetime
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _commit() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    sha = git("rev-parse", "--short=10", "HEAD") or "unknown"
    return sha + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def _machine() -> str:
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    processor = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                processor = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {memory_gib:.0f} GiB, {processor}"


def command_line(argv: list[str] | None = None) -> str:
    """The command as typed: ``python bench/NAME.py ARGS``, the script's path relative to the repository."""
    argv = sys.argv if argv is None else argv
    script = Path(argv[0]).resolve()
    shown = script.relative_to(ROOT) if script.is_relative_to(ROOT) else Path(argv[0])
    return shlex.join(["python", str(shown), *argv[1:]])


def written_by(argv: list[str] | None = None) -> str:
    """One Markdown line: ``Written by `COMMAND` at commit SHA on DATE; machine: ...``."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"Written by `{command_line(argv)}` at commit {_commit()} on {now}; machine: {_machine()}."
