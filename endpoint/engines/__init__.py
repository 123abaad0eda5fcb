"""Where queries run, and the limits around them.

What lives here: the query task and its answer, and their evaluation on a pyoxigraph store (execution.py, run
inside a worker); the pool of worker processes, forked by the holder of the store's in-memory copy, each under a
memory cap and killed at its deadline (workers.py);
the network wall around them (isolation.py) and the forwarder that is their only way to an allow-listed SERVICE
(forwarder.py); the embedded store served by that pool (embedded.py) and an external SPARQL 1.1 engine behind
``--backend`` (remote.py); an older kept release, answered by the same pool from its directory on disk
(releases.py). ``make_engine`` picks one from the settings.

What it may import: tehkg.vocab, tehkg.formats, tehkg.settings, tehkg.loader (the store's layout and search
index), the endpoint's errors, metrics and its query package (scan, results writers). Nothing HTTP: the protocol and the
routes import this package, never the reverse.
"""

from tehkg.endpoint.engines.embedded import EmbeddedEngine
from tehkg.endpoint.engines.remote import RemoteEngine
from tehkg.settings import Settings

Engine = EmbeddedEngine | RemoteEngine


def make_engine(settings: Settings) -> Engine:
    """The engine the settings ask for."""
    return RemoteEngine(settings) if settings.backend else EmbeddedEngine(settings)
