"""Fuzz the HTTP API from its own OpenAPI description: whatever a client sends, no 5xx."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error


@pytest.fixture(scope="module")
def api_schema(fixture_server):
    return schemathesis.openapi.from_url(fixture_server + "/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error(case, fixture_server):
    case.call_and_validate(base_url=fixture_server, checks=[not_a_server_error], timeout=30)
