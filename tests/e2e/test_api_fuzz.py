"""OpenAPI fuzzing: whatever schemathesis sends to any route, the answer is never a 5xx.

Every operation of the app's own OpenAPI document gets generated requests (valid and
invalid), with an admin token so they reach the handlers instead of stopping at 401. Bad
input must come back as a 4xx problem, never as a server error. (Schemathesis' own pytest
plugin does not run under this pytest, so the operations are driven with Hypothesis here.)
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from orderwell.domain.roles import Role
from orderwell.store.db import Database
from tests.helpers import seed

EXAMPLES_PER_OPERATION = 40


# Thousands of generated requests: minutes on a busy shared machine, so more time than
# the suite's default; a server error still fails at once.
@pytest.mark.timeout(1200)
def test_no_route_answers_with_a_server_error(
    app: FastAPI, db: Database, tokens: dict[Role, str]
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 50, ("SKU-2", "WH2"): 50})
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {tokens[Role.ADMIN]}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40  # the whole API, not an empty document

    for operation in operations:
        _fuzz(operation, headers)


def _fuzz(operation: schemathesis.APIOperation, headers: dict[str, str]) -> None:
    """Send one operation its generated requests; any 5xx fails with a curl to reproduce."""

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,  # the same requests every run: a CI failure reproduces
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=operation.as_strategy())
    def fuzz(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=[not_a_server_error])

    fuzz()
