"""Older releases of the embedded store, answered as the served one is: ``/releases/ID/sparql``.

Every build is kept as a release (loader/store_layout.py). An older one is queried through the same worker pool
as the served store: the task names the older release's directory and the worker opens it read-only from disk for
that task alone (workers.py), so keeping releases costs the workers no memory until one is queried. The served
release at its own ``/releases/ID/sparql`` is the embedded engine itself. Over ``--backend`` the engine holds one
version only (the publication record's): older releases are not served there.
"""

from dataclasses import replace
from datetime import datetime
from email.utils import format_datetime

from tehkg.endpoint.engines.embedded import EmbeddedEngine
from tehkg.endpoint.engines.execution import QueryAnswer, QueryTask
from tehkg.endpoint.engines.remote import RemoteEngine
from tehkg.endpoint.errors import ProtocolError
from tehkg.loader.store_layout import Release, current_store, find_release, releases

REMOTE_REFUSAL = (
    "older releases are answered by the embedded store only: over --backend the engine holds the published "
    "version alone; query /sparql, or download an older release's dump"
)


class OlderRelease:
    """An older release, as the SPARQL protocol sees an engine: a version that never changes, and ``run``."""

    def __init__(self, engine: EmbeddedEngine, release: Release) -> None:
        self.engine, self.release = engine, release

    def version(self) -> str | None:
        """The served store's version: the response caches hold one version at a time and are emptied when it
        changes, so an older release's answers are kept beside the served one's (their keys hold the request's
        path, ``/releases/ID/sparql``) until the next build."""
        return self.engine.version()

    async def run(self, task: QueryTask, timeout: float) -> QueryAnswer:
        if not self.release.directory.is_dir():
            return QueryAnswer(status=503, error=f"release {self.release.id} was pruned")
        served = self.engine.directory() or self.release.directory  # what new workers open: the served store
        return await self.engine.pool.run(
            str(served), replace(task, release_directory=str(self.release.directory)), timeout
        )

    def memento_headers(self) -> dict[str, str]:
        """Memento (RFC 7089): an older release's answers are mementos of the dataset, dated by its build."""
        return {"Memento-Datetime": format_datetime(datetime.fromisoformat(self.release.built), usegmt=True)}


def release_engine(engine: EmbeddedEngine | RemoteEngine, release: str) -> EmbeddedEngine | OlderRelease:
    """What answers ``/releases/{release}/sparql``: the engine itself for the served release, an OlderRelease for
    a kept one; ProtocolError 404 naming the kept releases otherwise, or why none is served over ``--backend``."""
    if isinstance(engine, RemoteEngine):
        raise ProtocolError(404, REMOTE_REFUSAL, "not-found")
    found = find_release(engine.root, release)
    if found is None:
        kept = ", ".join(r.id for r in releases(engine.root)) or "none"
        raise ProtocolError(404, f"no release {release!r}; kept releases: {kept}", "not-found")
    if found.directory == current_store(engine.root):
        return engine
    return OlderRelease(engine, found)
