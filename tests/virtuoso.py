"""A private Virtuoso 7 (Debian's ``virtuoso-opensource``): its own ini and database directory, loopback ports.

The test suite and the benchmarks both start their engine with :class:`Virtuoso`. The ini is Debian's
with our paths and ports; ``sparql`` settings override its ``[SPARQL]`` section (``MaxQueryExecutionTime``
bounds every query on the engine itself), and ``ini`` sections (a deployer's fragment, :func:`read_ini`) override
everything. The fresh database's ``dba`` account has the password ``dba``: the server listens on 127.0.0.1 only
and lives as long as its caller.
"""

import configparser
import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx

from tehkg import vocab

DEBIAN_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
VAD_DIR = "/usr/share/virtuoso-opensource-7/vad"
DBA = ("dba", "dba")
_RECORD = f"<{vocab.PUBLICATION_GRAPH}>"
# the graph where the engine holds the served version's merge, as the publication record names it
SERVED_MERGE = f"SELECT ?m WHERE {{ GRAPH {_RECORD} {{ {_RECORD} <{vocab.PUBLISHED_MERGE_PROPERTY}> ?m }} }}"
# the publisher's private graphs (stages of a publish under way or abandoned), the served merge not among them
STAGES = (
    f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), '{vocab.PUBLICATION_GRAPH}/')) "
    f"FILTER NOT EXISTS {{ GRAPH {_RECORD} {{ {_RECORD} <{vocab.PUBLISHED_MERGE_PROPERTY}> ?g }} }} }}"
)
# the competency questions Virtuoso answers otherwise, and why: 7.2 drops the solutions of an OPTIONAL whose
# one-or-more path (time:intervalMeets+) matches nothing
VIRTUOSO_DIVERGES = {"60-miprof-attachments": "Virtuoso drops a row where OPTIONAL { ?x p+ ?bound } has no match"}


def available() -> bool:
    """Whether ``virtuoso-t`` and ``isql-vt`` are on PATH."""
    return bool(shutil.which("virtuoso-t") and shutil.which("isql-vt"))


def read_ini(path: Path) -> dict[str, dict[str, str]]:
    """The sections and keys of an ini file or fragment, keys in their case (Virtuoso's are case-sensitive)."""
    ini = configparser.ConfigParser(strict=False, interpolation=None, inline_comment_prefixes=(";",))
    ini.optionxform = str  # type: ignore[assignment,method-assign]
    ini.read(path)
    return {section: dict(ini[section]) for section in ini.sections()}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Virtuoso:
    """``virtuoso-t +foreground`` as a child process, database in ``directory`` (wiped on start)."""

    def __init__(
        self,
        directory: Path,
        allowed: list[Path] | None = None,
        sparql: dict[str, int] | None = None,
        ini: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self.dir = directory
        self.allowed = allowed or []
        self.sparql = {"ResultSetMaxRows": 10_000_000, "MaxQueryExecutionTime": 0, "MaxQueryCostEstimationTime": 0}
        self.sparql.update(sparql or {})
        self.ini = ini or {}
        self.sql_port, self.http_port = _free_port(), _free_port()
        self.process: subprocess.Popen | None = None
        self.startup = 0.0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def write_ini(self) -> Path:
        """Debian's virtuoso.ini with our directory, loopback ports, buffers for the data."""
        ini = configparser.ConfigParser(strict=False, interpolation=None, inline_comment_prefixes=(";",))
        ini.optionxform = str  # type: ignore[assignment,method-assign]  # Virtuoso's keys are case-sensitive
        if DEBIAN_INI.exists():
            ini.read(DEBIAN_INI)
        d = self.dir
        allowed = ", ".join([".", VAD_DIR, *map(str, self.allowed)])
        settings: dict[str, dict[str, object]] = {
            "Database": {
                "DatabaseFile": d / "virtuoso.db",
                "ErrorLogFile": d / "virtuoso.log",
                "LockFile": d / "virtuoso.lck",
                "TransactionFile": d / "virtuoso.trx",
                "xa_persistent_file": d / "virtuoso.pxa",
            },
            "TempDatabase": {"DatabaseFile": d / "virtuoso-temp.db", "TransactionFile": d / "virtuoso-temp.trx"},
            "Parameters": {
                "ServerPort": f"127.0.0.1:{self.sql_port}",
                "DirsAllowed": allowed,
                # up to ~4 GB of buffers (8 KiB pages), as virtuoso.ini suggests for 4 GB of RAM
                "NumberOfBuffers": 340000,
                "MaxDirtyBuffers": 250000,
                "ThreadsPerQuery": os.cpu_count() or 1,
                "MaxClientConnections": 64,
                # a republish applies its change to the served graphs in one transaction: room for the whole data
                "TransactionAfterImageLimit": 1_500_000_000,
            },
            # 32 HTTP threads and keep-alives so 32 clients queue in Virtuoso, not on reconnects; no gzip
            "HTTPServer": {
                "ServerPort": f"127.0.0.1:{self.http_port}",
                "ServerThreads": 32,
                "MaxClientConnections": 64,
                "MaxKeepAlives": 64,
                "EnabledGzipContent": 0,
            },
            "URIQA": {"DefaultHost": f"127.0.0.1:{self.http_port}"},
            "SPARQL": dict(self.sparql),
        }
        for section, overrides in self.ini.items():
            settings[section] = {**settings.get(section, {}), **overrides}
        for section, values in settings.items():
            if not ini.has_section(section):
                ini.add_section(section)
            for key, value in values.items():
                ini.set(section, key, str(value))
        path = d / "virtuoso.ini"
        with path.open("w") as f:
            ini.write(f)
        return path

    def isql(self, sql: str, timeout: float = 120) -> str:
        """Run SQL with ``isql-vt`` as dba; raise on a Virtuoso error."""
        done = subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.sql_port}", *DBA, "VERBOSE=OFF", "BANNER=OFF", f"exec={sql}"],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        out = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in out:
            raise RuntimeError(f"isql-vt: {sql!r} failed: {out.strip()[-2000:]}")
        return out

    def script(self, path: Path, timeout: float = 120) -> str:
        """Run an isql script (``deploy/virtuoso/harden.sql``) as dba, as a deployer would; raise on any error in it
        (isql itself goes on past a failed statement and exits 0)."""
        done = subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.sql_port}", *DBA, "VERBOSE=OFF", "BANNER=OFF"],
            input=path.read_text(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        out = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in out:
            raise RuntimeError(f"isql-vt {path.name} failed: {out.strip()[-2000:]}")
        return out

    def start(self, seconds: float = 900) -> None:
        """Create a fresh database and start virtuoso-t; return once isql and /sparql answer."""
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        ini = self.write_ini()
        started = time.perf_counter()
        with (self.dir / "stdout.log").open("w") as log:
            self.process = subprocess.Popen(
                ["virtuoso-t", "+foreground", "+configfile", str(ini)],
                cwd=self.dir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + seconds
        while not self._answers():
            if self.process.poll() is not None:
                log_tail = (self.dir / "stdout.log").read_text()[-2000:]
                raise RuntimeError(f"virtuoso-t exited with {self.process.returncode}: {log_tail}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"virtuoso-t on port {self.sql_port} did not answer within {seconds:g} s")
            time.sleep(0.2)
        self.startup = time.perf_counter() - started

    def _answers(self) -> bool:
        try:
            self.isql("select 1;", timeout=30)
            return httpx.get(self.base + "/sparql", params={"query": "ASK {}"}, timeout=10).status_code == 200
        except (RuntimeError, subprocess.TimeoutExpired, httpx.HTTPError):
            return False

    def as_dba(self, query: str) -> list[dict]:
        """The solutions of a query asked as dba (/sparql-auth): what the engine holds, whatever the grants."""
        response = httpx.post(
            self.base + "/sparql-auth",
            data={"query": query},
            auth=httpx.DigestAuth(*DBA),
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        return response.json()["results"]["bindings"]

    def served_merge(self) -> str:
        """The graph holding the served version's merge, as the publication record names it."""
        return self.as_dba(SERVED_MERGE)[0]["m"]["value"]

    def quads(self) -> int:
        out = self.isql("select count(*) from DB.DBA.RDF_QUAD;")
        return int([line for line in out.split() if line.isdigit()][-1])

    def peak_rss(self) -> float | None:
        """Peak resident memory of virtuoso-t so far, MiB (Linux /proc), or None."""
        return self._status("VmHWM:")

    def cpu_seconds(self) -> float | None:
        """CPU time virtuoso-t has used so far (user + system, Linux /proc), or None."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, AttributeError):
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _status(self, key: str) -> float | None:
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except (OSError, AttributeError):
            return None
        return next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith(key)), None)

    def bulk_load(self, data: Path, graph: str, timeout: float) -> None:
        """``ld_dir`` + ``rdf_loader_run`` + ``checkpoint`` of one file (N-Quads keep their graphs)."""
        self.isql(f"ld_dir('{data.parent}', '{data.name}', '{graph}'); rdf_loader_run(); checkpoint;", timeout=timeout)
        failed = self.isql("select ll_file, ll_error from DB.DBA.load_list where ll_error is not null;")
        if data.name in failed:
            raise RuntimeError(f"rdf_loader_run failed: {failed.strip()[-2000:]}")

    def kill(self) -> None:
        """Stop the engine abruptly (what an outage looks like to its clients)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        """Shut the server down cleanly (it checkpoints); terminate, then kill, if it does not go."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            self.isql("shutdown;", timeout=600)
        except (RuntimeError, subprocess.TimeoutExpired):
            pass  # the connection drops as the server goes down
        try:
            self.process.wait(600)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()
