"""Fuzz the HTTP API from its own OpenAPI description: whatever a client sends, no 5xx."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error


def test_no_server_error(fixture_server, subtests):
    schema = schemathesis.openapi.from_url(fixture_server + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, "the OpenAPI description lists the API's operations"
    for operation in operations:
        with subtests.test(operation=f"{operation.method.upper()} {operation.path}"):

            @given(case=operation.as_strategy())
            @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def no_server_error(case: schemathesis.Case) -> None:
                case.call_and_validate(base_url=fixture_server, checks=[not_a_server_error], timeout=30)

            no_server_error()
