"""tehkg endpoint: the SPARQL 1.1 protocol, linked-data documents and pages, and the dataset's description, served
by FastAPI under uvicorn (``tehkg serve``).

What lives here, from the engine outwards (each package's ``__init__`` says what lives there and what it may
import):

- ``errors``: the one JSON error shape, its kinds and recurring messages (imports nothing of the endpoint);
- ``metrics``: the Prometheus counters and histograms, each counted where its event happens (imports nothing of
  the endpoint);
- ``query/``: the canonical reading of a query, negotiation and the answer writers;
- ``engines/``: where queries run (worker pool behind a network wall, the embedded store, ``--backend``);
- ``context``: the application's shared state (settings, engine, cache, per-client query slots) and the ``Rows``
  query runner;
- ``documents/``: the response cache, dumps, descriptions and the quality report;
- ``http/``: connection limits, the guard, HTTP methods and the SPARQL protocol;
- ``pages/``: every HTML page, from templates; ``routes/``: one router per concern;
- ``app`` assembles them, ``asgi`` is uvicorn's entry, ``server`` is ``tehkg serve``.

What it may import: tehkg.vocab, tehkg.formats, tehkg.settings, tehkg.resources and tehkg.loader (the store's
layout, the gate, the search index) — never tehkg.cli. Inside, imports go downward only, in the order above
(tests/test_architecture.py keeps the module graph acyclic, lazy imports included).
"""
