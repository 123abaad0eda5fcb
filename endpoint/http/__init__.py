"""The outer HTTP layers and the SPARQL 1.1 protocol over HTTP.

What lives here, outside in: the connection limits in uvicorn's protocol (connections.py: per-client cap, request
head deadline, room made when full); the guard (guard.py: header, body and body-time limits, requests in flight,
the trusted Host, security headers, the access log); HEAD, OPTIONS and 405 (methods.py); and the SPARQL protocol
(protocol.py: reading a request into a query task, charging the client's slots and time budget, vetting the query,
the response cache, the answer with its headers), which answers every ``/sparql`` query before routing.

What it may import: tehkg.formats, tehkg.settings, the endpoint's errors, metrics, query, engines, context (the
per-client slots) and documents (the response cache). The routes and pages are above it; the engines never import it.
"""
