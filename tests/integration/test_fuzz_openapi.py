"""schemathesis fuzzes every documented operation with its default checks (no 5xx among them).

In process, against PostgreSQL, with a bounded number of examples per operation and mode. The
cases come from schemathesis' hypothesis strategies (its pytest plugin does not support pytest 9).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.modes import GenerationMode

from src.application.errors import Forbidden, Unauthenticated
from src.domain.users import Permission
from src.web.inventory import inventory
from tests.conftest import token_for
from tests.integration.conftest import empty_tables

EXAMPLES_PER_OPERATION = 40
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            # The schema cannot say which phone numbers are valid or which ids are stored, so
            # well-formed data may still be refused by the domain (422), miss (404), collide
            # (409) or name a stale version (412); a well-formed cursor need not be one the API
            # made (400).
            "positive_data_acceptance": {
                "expected-statuses": ["2XX", "302", "304", "400", "401", "404", "409", "412", "422", "429"]
            },
        },
    }
)


def still_admin(token: str) -> bool:
    try:
        inventory().authorize_request(token, Permission.MANAGE_USERS)
    except (Unauthenticated, Forbidden):
        return False
    return True


@pytest.fixture
def database_url(postgresql_url: str) -> Iterator[str]:
    yield postgresql_url
    empty_tables(postgresql_url)


@pytest.mark.postgresql
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_conforms_to_the_document(app: Flask, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)

    class WorkingAdminToken:
        """Whatever a case does to users or tokens (deactivate, delete, log out), the next case gets
        an admin token that works; schemathesis may still leave it out on purpose."""

        token: str | None = None

        def get(self, case: schemathesis.Case, context: object) -> str:
            if self.token is None or not still_admin(self.token):
                self.token = token_for(app, "admin")
            return self.token

        def set(self, case: schemathesis.Case, token: str, context: object) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}

    schema.auth(refresh_interval=None)(WorkingAdminToken)
    operations = [result.ok() for result in schema.get_all_operations()]
    paths = app.test_client().get("/api/v1/openapi.json").json["paths"]  # type: ignore[index]
    documented = {f"{method.upper()} {path}" for path, methods in paths.items() for method in methods}
    # schemathesis leaves out the schema's own endpoint; every other operation is fuzzed.
    assert {operation.label for operation in operations} == documented - {"GET /api/v1/openapi.json"}
    for operation in operations:
        # Any X-Request-ID is accepted (a bad one is replaced), so it alone gives nothing to break.
        headers = [header for header in operation.headers if header.name != "X-Request-ID"]
        has_input = operation.path_parameters or operation.query or headers or operation.body
        if mode is GenerationMode.NEGATIVE and not has_input:
            continue

        @given(case=operation.as_strategy(generation_mode=mode, auth_storage=schema.auth))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def conforms(case: schemathesis.Case) -> None:
            case.call_and_validate()

        with app.app_context():
            conforms()
