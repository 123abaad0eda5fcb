"""Every setting of tehkg, declared once: typed fields with their defaults, read from ``TEHKG_<NAME>`` environment
variables (pydantic-settings); the command-line flags of a command override the fields they name.

One class per part that reads them: :class:`GateSettings` (``validate`` and ``build``), :class:`PublishSettings`
(``build --target``), :class:`Settings` (``serve``, ``query`` and the endpoint). A value that does not read as its
field's type is a :class:`SettingsError` naming the variable and what it must be; the command line turns it into
exit 2. The README's settings table names every field (a test reads both).
"""

import os
from pathlib import Path
from typing import Annotated, Any, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from tehkg.resources import default_store_root

PREFIX = "TEHKG_"


class SettingsError(ValueError):
    """A ``TEHKG_*`` variable (or a flag) tehkg cannot run with, named with what it must be."""


class TehkgSettings(BaseSettings):
    """What every settings class shares: the prefix, and reading from the environment only."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", validate_assignment=True)

    @classmethod
    def load(cls, **flags: Any) -> Self:
        """The settings of the environment, with the flags given (None: the flag was not given) over them."""
        try:
            return cls(**{name: value for name, value in flags.items() if value is not None})
        except ValidationError as err:
            raise SettingsError(_described(err)) from None

    def environment(self) -> dict[str, str]:
        """Every field as the variable that sets it: what a child process (a uvicorn replica) reads back."""
        values = {}
        for name, value in self.model_dump().items():
            if value is None:
                continue
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            elif isinstance(value, tuple | list):
                value = ",".join(value)
            values[PREFIX + name.upper()] = str(value)
        return values


def _described(err: ValidationError) -> str:
    """One line per wrong value: the variable, what it must be, what it was."""
    lines = []
    for error in err.errors():
        if not error["loc"]:  # a rule between fields: its message names them
            lines.append(str(error["msg"]).removeprefix("Value error, "))
            continue
        variable = PREFIX + str(error["loc"][0]).upper()
        lines.append(
            f"{variable}: {str(error['msg']).lower().removeprefix('value error, ')} (got {error.get('input')!r})"
        )
    return "; ".join(lines)


class GateSettings(TehkgSettings):
    """``tehkg validate`` and ``tehkg build``: how much input the gate reads, and with what."""

    max_input_bytes: int = Field(512 << 20, gt=0, description="a file over it is refused (exit 2)")
    warn_input_bytes: int = Field(64 << 20, gt=0, description="a file over it is warned about on stderr")
    # about 4 million parsed quads (the gate then needs 8 GiB)
    parse_memory: int = Field(2 << 30, gt=0, description="bytes the parse of the input may allocate")
    # 25 times what a million quads of N-Quads take
    parse_seconds: int = Field(60, gt=0, description="CPU seconds the parse of the input may take")


class PublishSettings(TehkgSettings):
    """``tehkg build --target``: the engine the graph is published to."""

    target_user: str | None = None
    target_password: SecretStr = SecretStr("")
    target_update: str | None = None  # the engine's update endpoint (default: Virtuoso's beside the target)
    target_query: str | None = None  # the query endpoint that reads the publication record (default: the update one)
    target_timeout: float = Field(3600.0, gt=0)  # seconds for each request of the publish


def physical_memory() -> int:
    return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


MIN_WORKER_MEMORY = 256 << 20  # below this a worker cannot open a store and answer ``ASK {}``


def public_origin(url: str) -> str:
    """``url`` as an origin (``https://host[:port]``); ValueError unless it is http(s) with a host and no path."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/") or parts.query:
        raise ValueError(f"must be http(s)://host[:port], not {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


class Settings(TehkgSettings):
    """``tehkg serve`` and the endpoint (``tehkg query`` too)."""

    store: Path = Field(default_factory=default_store_root)  # TEHKG_STORE, else TEHKG_DATA_DIR/store (resources.py)
    backend: str | None = None  # external SPARQL 1.1 query endpoint instead of the store
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    replicas: int = Field(1, ge=1)  # endpoint processes (uvicorn workers) over the same read-only store
    # query worker processes per endpoint process: two per core, so that a core computes while the other
    # worker's answer crosses the pipe
    workers: int = Field(default_factory=lambda: 2 * (os.cpu_count() or 1), ge=1)
    memory_quads: int = Field(2_000_000, ge=0)  # stores up to this size are copied into memory once, for every worker
    worker_memory: int = Field(0, ge=0)  # bytes a query worker may allocate beyond its stack; 0: half the RAM / workers
    # bytes of the shared copy a worker may make its own (copy-on-write) before a fresh fork replaces it; 0: no limit
    worker_private_copy: int = Field(0, ge=0)
    timeout: float = Field(30.0, gt=0)  # seconds; a request may ask for less with ?timeout=
    max_rows: int = Field(10_000, gt=0)  # result rows (or triples) before truncation
    max_body: int = Field(1_000_000, gt=0)  # request body bytes before 413
    max_pending: int = Field(64, gt=0)  # requests in flight (body received, work started) before 503 + Retry-After
    max_per_client: int = Field(4, gt=0)  # queries running at once per client address before 429 + Retry-After
    client_budget: float = Field(120.0, gt=0)  # seconds of query time per minute per client address before 429
    body_timeout: float = Field(10.0, gt=0)  # seconds to receive a whole request body before 408
    max_header_bytes: int = Field(16_384, gt=0)  # total request header bytes before 431
    max_connections: int = Field(512, gt=0)  # open connections and running requests before uvicorn answers 503
    keep_alive: int = Field(5, gt=0)  # seconds an idle keep-alive connection stays open
    max_client_connections: int = Field(64, gt=0)  # open connections per client address; more are closed unread
    head_timeout: float = Field(10.0, gt=0)  # seconds to deliver a request line and headers before the close
    cache_entries: int = Field(1024, ge=0)  # cached responses (the store is immutable per build)
    cache_bytes: int = Field(64 << 20, ge=0)  # response cache size in bytes
    cache_entry_bytes: int = Field(1 << 20, ge=0)  # answers larger than this are not cached
    service_allow: Annotated[tuple[str, ...], NoDecode] = ()  # SERVICE endpoints allowed (full IRIs, comma-separated)
    access_log: bool = False  # a log line per request (failed and slow ones always)
    metrics: bool = False  # serve /metrics (Prometheus text format)
    public_url: str | None = None  # scheme://host[:port] the endpoint's own URLs use; unset: the bound address
    keep_releases: int = Field(5, ge=1)  # releases `tehkg releases prune` keeps on disk (the newest; current always)

    @field_validator("service_allow", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        return tuple(s.strip() for s in value.split(",") if s.strip()) if isinstance(value, str) else value

    @field_validator("public_url")
    @classmethod
    def _origin(cls, value: str | None) -> str | None:
        return public_origin(value) if value is not None else None

    @model_validator(mode="after")
    def _one_client_cannot_fill_the_server(self) -> Self:
        if self.max_client_connections >= self.max_connections:
            raise ValueError(
                f"TEHKG_MAX_CLIENT_CONNECTIONS ({self.max_client_connections}) must be below TEHKG_MAX_CONNECTIONS "
                f"({self.max_connections}): otherwise one client can take every connection"
            )
        return self

    @model_validator(mode="after")
    def _worker_memory(self) -> Self:
        """Half the machine's memory shared by the workers (``MIN_WORKER_MEMORY`` at least) when not set: every
        worker at its cap at once still leaves the other half to the server and the system."""
        if self.worker_memory == 0:
            object.__setattr__(self, "worker_memory", max(MIN_WORKER_MEMORY, physical_memory() // 2 // self.workers))
        return self
