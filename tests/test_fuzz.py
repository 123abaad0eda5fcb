"""Fuzz the HTTP API from its own OpenAPI description: whatever a client sends, no 5xx.

``/sparql`` declares its protocol parameters and bodies, so the run sends queries, dataset IRIs,
``timeout`` and ``format`` values; the test counts them (``pytest -s`` prints the counts, ``--junitxml`` records
them as properties). The application is called in process, with the settings of ``fixture_server``."""

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.core import NotSet
from schemathesis.core.transport import Response
from schemathesis.python import asgi

from tehkg.endpoint.app import create_app
from tests.conftest import FIXTURE_ENV, endpoint_settings, within

PROTOCOL_PARAMETERS = ("query", "default-graph-uri", "named-graph-uri", "timeout", "format")


def sent_parameters(case: schemathesis.Case) -> set[str]:
    """The protocol parameters a generated request carries, in its URL or its body."""
    sent = set(case.query or {})
    if isinstance(case.body, dict):
        sent |= set(case.body)
    elif case.media_type == "application/sparql-query" and not isinstance(case.body, NotSet):
        sent.add("query")
    return sent & set(PROTOCOL_PARAMETERS)


@schemathesis.check
def no_server_error_but_timeouts(ctx: CheckContext, response: Response, case: schemathesis.Case) -> bool | None:
    """No 5xx but the endpoint's 503 for a query past its deadline (a generated ``timeout`` may be 1e-194 s)."""
    if response.status_code == 503 and response.json().get("error") == "timeout":
        return None
    return not_a_server_error(ctx, response, case)


@pytest.fixture(scope="module")
def app(fixture_store: Path) -> Iterator[Callable]:
    """The application over the protocol fixture, with ``fixture_server``'s settings. Schemathesis calls it in
    process: it starts its lifespan (the query workers) on the first request and keeps it; stopped at the end."""
    # one client sends every case: its query-time budget (which /sparql/why spends too) is lifted, so the cases sent
    # after a run of timeouts are still evaluated rather than refused 429
    yield create_app(endpoint_settings(fixture_store, **FIXTURE_ENV, TEHKG_CLIENT_BUDGET="1000000"))
    asgi.shutdown_lifespans()


def test_no_server_error(app, subtests, record_property):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, "the OpenAPI description lists the API's operations"
    counts: Counter[str] = Counter()
    for operation in operations:
        with subtests.test(operation=f"{operation.method.upper()} {operation.path}"):

            @given(case=operation.as_strategy())
            @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def no_server_error(case: schemathesis.Case) -> None:
                response = within(  # as a client over HTTP would, give up on an answer after 30 s
                    30, lambda: case.call_and_validate(checks=[no_server_error_but_timeouts]), case.path
                )
                if case.path == "/sparql":
                    sent = sent_parameters(case)
                    counts.update(["/sparql requests", *sent])
                    if "query" in sent and response.status_code == 200:
                        counts["queries answered 200"] += 1

            no_server_error()
    print("fuzz of /sparql:", dict(sorted(counts.items())))
    for name, count in counts.items():
        record_property(f"fuzz /sparql {name}", count)  # in the JUnit XML report (--junitxml)
    assert all(counts[name] > 0 for name in PROTOCOL_PARAMETERS), counts
    assert counts["queries answered 200"] > 0, counts
