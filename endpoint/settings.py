"""Endpoint configuration: environment variables, overridden by command-line flags."""

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tehkg.resources import default_store_root


class SettingsError(ValueError):
    """A ``TEHKG_*`` variable (or flag) the endpoint cannot run with."""


def public_origin(url: str) -> str:
    """``url`` as an origin (``https://host[:port]``); ValueError unless it is http(s) with a host and no path."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/") or parts.query:
        raise SettingsError(f"TEHKG_PUBLIC_URL must be http(s)://host[:port], not {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


MIN_WORKER_MEMORY = 256 << 20  # below this a worker cannot open a store and answer ``ASK {}``


def default_worker_memory(workers: int) -> int:
    """Half the machine's physical memory shared by ``workers`` query workers (``MIN_WORKER_MEMORY`` at least):
    every worker at its cap at once still leaves the other half to the server and the system."""
    physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return max(MIN_WORKER_MEMORY, physical // 2 // max(1, workers))


@dataclass
class Settings:
    """Every knob of the endpoint; ``TEHKG_<NAME>`` in the environment sets ``<name>``."""

    store: Path = field(default_factory=default_store_root)
    backend: str | None = None  # external SPARQL 1.1 query endpoint instead of the store
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = field(default_factory=lambda: 2 * (os.cpu_count() or 1))
    # query worker processes per endpoint process: two per core, so that a core computes while
    # the other worker's answer crosses the pipe
    memory_quads: int = 2_000_000  # stores up to this size are copied into each worker's memory
    worker_memory: int = 0  # bytes of data a query worker may allocate beyond its stack; 0: half the RAM / workers
    timeout: float = 30.0  # seconds; a request may ask for less with ?timeout=
    max_rows: int = 10_000  # result rows (or triples) before truncation
    max_body: int = 1_000_000  # request body bytes before 413
    max_pending: int = 64  # requests in flight (body received, work started) before 503 + Retry-After
    max_per_client: int = 4  # uncached queries running at once per client address before 429 + Retry-After
    client_budget: float = 120.0  # seconds of query time per minute per client address before 429 + Retry-After
    body_timeout: float = 10.0  # seconds to receive a whole request body before 408
    max_header_bytes: int = 16_384  # total request header bytes before 431
    max_connections: int = 512  # open connections and running requests before uvicorn answers 503
    keep_alive: int = 5  # seconds an idle keep-alive connection stays open
    max_client_connections: int = 64  # open connections per client address; more are closed unread
    head_timeout: float = 10.0  # seconds to deliver a request line and headers before the connection is closed
    cache_entries: int = 1024  # cached responses (the store is immutable per build)
    cache_bytes: int = 64 << 20  # response cache size in bytes
    cache_entry_bytes: int = 1 << 20  # answers larger than this are not cached
    service_allow: tuple[str, ...] = ()  # SERVICE endpoints allowed (full IRIs)
    access_log: bool = False  # a log line per request (failed and slow ones always)
    public_url: str | None = None  # scheme://host[:port] the endpoint's own URLs use; unset: the bound address

    def __post_init__(self) -> None:
        if self.public_url is not None:
            self.public_url = public_origin(self.public_url)
        if self.worker_memory <= 0:
            self.worker_memory = default_worker_memory(self.workers)

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        """Settings from ``TEHKG_*`` variables, then non-None ``overrides``; SettingsError names a variable
        that does not read as its setting's type."""
        values: dict[str, Any] = {}  # each field's type, read from its variable
        for f in fields(cls):
            raw = os.environ.get(f"TEHKG_{f.name.upper()}")
            if raw is None:
                continue
            if f.name == "store":
                values[f.name] = Path(raw)
            elif f.name == "service_allow":
                values[f.name] = tuple(s.strip() for s in raw.split(",") if s.strip())
            elif f.type in (bool, "bool"):
                values[f.name] = raw.strip().lower() in ("1", "true", "yes", "on")
            elif f.type in (int, "int", float, "float"):
                number = int if f.type in (int, "int") else float
                try:
                    values[f.name] = number(raw)
                except ValueError:
                    raise SettingsError(f"TEHKG_{f.name.upper()} must be a number, not {raw!r}") from None
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        values["store"] = Path(values.get("store") or default_store_root())
        return cls(**values)
