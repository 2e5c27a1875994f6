"""Contract tests: schemathesis generates requests from our OpenAPI document against a real server.

Every response must be documented (status, content type, headers) and match its schema, and no
request may make the server fail (5xx). Examples per operation are bounded so CI stays well
under two minutes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from locator.settings import Settings
from locator.web.app import create_app
from tests.conftest import ServerThread, drop_database, known_database

MAX_EXAMPLES = 50
# What the contract is: no 5xx, and every answer documented and matching its schema. The
# acceptance checks are left out because the API validates beyond what OpenAPI can say: it refuses
# some schema-valid input with a 422 that explains why (a bbox out of range or with min >= max,
# open_at with open_now).
CONTRACT = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    unsupported_method,
]


@pytest.fixture(scope="module")
def contract_server() -> Iterator[ServerThread]:
    """The app on a copy of the known facilities of its own: schemathesis sends reports too.

    Without a rate limit: schemathesis is one busy client.
    """
    url = known_database("locator_test_contract")
    with ServerThread(url, Settings(rate_limit_per_minute=0, reports_per_hour=100_000)) as running:
        yield running
    drop_database(url)


# Our published document, loaded from the app itself (the same one /openapi.json serves).
schema = schemathesis.openapi.from_dict(create_app(database_url="postgresql:///unused").openapi())


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases on every run, so CI results do not depend on luck
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_keeps_its_contract(case: schemathesis.Case, contract_server: ServerThread) -> None:
    case.call_and_validate(base_url=contract_server.url, checks=CONTRACT)
