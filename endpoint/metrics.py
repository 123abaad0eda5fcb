"""The endpoint's Prometheus metrics, each counted at the one place its event happens.

They live in a registry of their own (``REGISTRY``), served at ``/metrics`` when ``TEHKG_METRICS`` is on
(routes/metrics.py; requests are then counted and timed by the guard, http/guard.py, and cost nothing while it is
off), and count in the process that serves the request: the query workers are other
processes, so what befalls them (replaced, and why; killed at their memory cap) is counted by the pool
that replaces them. With ``TEHKG_REPLICAS`` > 1 each replica counts its own requests and a scrape reads
the replica that answers it.
"""

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.process_collector import ProcessCollector

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)  # the serving process's CPU, memory and open files

REQUESTS = Counter(
    "tehkg_http_requests",
    "HTTP requests answered, by route (the path template the request matched) and status",
    ("route", "status"),
    registry=REGISTRY,
)
LATENCY = Histogram(
    "tehkg_http_request_duration_seconds",
    "Time from a request's head to the end of its answer, by route",
    ("route",),
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=REGISTRY,
)
CACHE = Counter(
    "tehkg_query_cache",
    "SPARQL queries looked up in the response cache, by result (hit, miss)",
    ("result",),
    registry=REGISTRY,
)
PAST_DEADLINE = Counter(
    "tehkg_queries_past_deadline",
    "Queries answered 503 timeout: stopped at their deadline (their worker killed; over --backend, the engine's "
    "answer not in by then), or no free worker before it",
    registry=REGISTRY,
)
CANCELLED = Counter(
    "tehkg_queries_cancelled",
    "Queries whose client disconnected while they ran; their worker was stopped",
    registry=REGISTRY,
)
WORKERS_REPLACED = Counter(
    "tehkg_workers_replaced",
    "Query workers killed or lost and replaced, by reason (deadline, reserve-deadline, memory-limit: killed at "
    "its memory cap, cancelled: its client left, crashed, died-idle, died-starting) or recycled (outgrown: its own "
    "share of the store's shared copy grew past its limit; store-changed: forked from the holder of an older build)",
    ("reason",),
    registry=REGISTRY,
)
CLIENT_REFUSALS = Counter(
    "tehkg_client_refusals",
    "Requests or connections refused to one client for its own use, by rule (concurrent-queries, time-budget, "
    "connections)",
    ("rule",),
    registry=REGISTRY,
)
