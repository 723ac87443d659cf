"""schemathesis fuzzes every documented operation with its default checks (no 5xx among them).

In process, against PostgreSQL, with a bounded number of examples per operation and mode. The
cases come from schemathesis' hypothesis strategies (its pytest plugin does not support pytest 9).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.modes import GenerationMode

from src.application.errors import Forbidden, Unauthenticated
from src.domain.users import Permission
from src.infrastructure.tables import metadata
from src.web.inventory import inventory
from tests.conftest import token_for
from tests.integration.conftest import empty_tables

EXAMPLES_PER_OPERATION = 40
HOSTILE_EXAMPLES_PER_OPERATION = 40
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


# Values that have broken parsers and columns before: JSON numbers whose exponent no Decimal holds
# (decimal.InvalidOperation), integers longer than Python converts, text that grows when its case
# is changed ("İ" lower-cases to two code points, "ß" upper-cases to "SS") sized to fit a column
# of the schema before normalising and overflow it after, plain over-long text, control characters.
COLUMN_LIMITS = sorted(
    {
        getattr(column.type, "length", None) or getattr(getattr(column.type, "impl", None), "length", None)
        for table in metadata.tables.values()
        for column in table.columns
    }
    - {None}
)
EXPANDING_CASE = ("İ", "ß", "ﬃ")
HUGE_EXPONENTS = ("1e1000000000000000000", "-1E-1000000000000000000", "0e1000000000000000000")


def fits_then_overflows(letter: str, limit: int, tail: str) -> str:
    return letter * max(1, limit - len(tail)) + tail


# Every one of these goes into every input of every operation, besides the random ones.
SEED_TEXTS = (
    *(
        fits_then_overflows(letter, limit, tail)
        for letter in EXPANDING_CASE
        for limit in COLUMN_LIMITS
        for tail in ({"", "@example.com"} if limit > 20 else {""})
    ),
    *HUGE_EXPONENTS,
    "9" * 5000,
    "NaN",
    "\x00",
)


class RawJson(str):
    """A JSON literal sent exactly as written (json.dumps cannot write 1e1000000000000000000)."""


SEED_JSON_VALUES: tuple[object, ...] = (
    *SEED_TEXTS,
    *(RawJson(text) for text in HUGE_EXPONENTS),
    RawJson("9" * 5000),
)


def huge_exponents() -> st.SearchStrategy[str]:
    return st.builds(
        lambda mantissa, sign, exponent: f"{mantissa}e{sign}{exponent}",
        st.sampled_from(["1", "-1", "9.99", "0.5", "0"]),
        st.sampled_from(["", "+", "-"]),
        st.integers(10**17, 10**30),
    )


def case_expanding_text() -> st.SearchStrategy[str]:
    sized = st.builds(
        fits_then_overflows,
        st.sampled_from(EXPANDING_CASE),
        st.integers(1, 300),
        st.sampled_from(["", "@example.com", "@x.io"]),
    )
    mixed = st.text(alphabet=st.sampled_from([*EXPANDING_CASE, "a", "@", "."]), max_size=300)
    return sized | mixed


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(
        case_expanding_text(),
        huge_exponents(),
        st.sampled_from([*SEED_TEXTS, "-Infinity", "1_000", " 3.40", "+" + "5" * 40]),
        st.text(min_size=250, max_size=2000),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    )


def hostile_json() -> st.SearchStrategy[object]:
    return st.one_of(
        huge_exponents().map(RawJson),
        st.just(RawJson("9" * 5000)),
        hostile_text(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.lists(st.integers(), max_size=3),
    )


def json_text(body: dict[str, object]) -> str:
    raw = {f"raw-{index}": value for index, value in enumerate(body.values()) if isinstance(value, RawJson)}
    marked = {
        key: (f"raw-{list(body).index(key)}" if isinstance(value, RawJson) else value)
        for key, value in body.items()
    }
    text = json.dumps(marked)
    for marker, literal in raw.items():
        text = text.replace(json.dumps(marker), literal)
    return text


CSV_COLUMNS = ("value", "monthyPrice", "setupPrice", "currency")


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows([list(CSV_COLUMNS), *rows])
    return out.getvalue()


def csv_with_a_hostile_cell(column: int, hostile: str) -> str:
    """A valid row, then the same row with `hostile` in `column`: both import modes meet it."""
    valid = ["+5584912340001", "0.03", "3.40", "U$"]
    bad = ["+5584912340002", "0.03", "3.40", "U$"]
    bad[column] = hostile
    return csv_text([valid, bad])


def body_fields(document: dict[str, Any], path: str, method: str) -> list[str]:
    content = document["paths"][path][method.lower()].get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return list(schema.get("properties", {}))


@pytest.mark.postgresql
def test_hostile_values_in_any_field_parameter_or_cell_get_a_4xx_never_a_5xx(app: Flask) -> None:
    """Each case is a well-formed request in which one JSON field, query parameter or CSV cell is
    replaced by a hostile value; the answer must be a success or a 4xx problem, never a 5xx."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    document = app.test_client().get("/api/v1/openapi.json").json
    assert document is not None
    fuzzed = 0
    for operation in (result.ok() for result in schema.get_all_operations()):
        target = HostileRequests(app, operation, body_fields(document, operation.path, operation.method))
        if target.inputs:
            fuzzed += 1
            with app.app_context():
                target.check()
    assert fuzzed >= 8  # every operation with a JSON body, query parameters or a CSV file


class HostileRequests:
    """Well-formed requests to one operation with one input made hostile: random ones from the
    strategies above, then every seed value in every input of the first case that succeeded (so
    that the other fields are valid and the hostile one reaches the database)."""

    def __init__(self, app: Flask, operation: Any, fields: list[str]) -> None:
        self.app = app
        self.client = app.test_client()
        self.operation = operation
        self.fields = fields
        self.imports_csv = any(body.media_type == "text/csv" for body in operation.body)
        self.inputs = [("query", parameter.name) for parameter in operation.query] + [
            ("body", name) for name in fields
        ]
        if self.imports_csv:
            self.inputs += [("csv", str(column)) for column in range(len(CSV_COLUMNS))]
        self.admin_token = token_for(app, "admin")
        self.base: schemathesis.Case | None = None
        self.base_status = 0

    def check(self) -> None:
        @given(case=self.operation.as_strategy(generation_mode=GenerationMode.POSITIVE), data=st.data())
        @settings(
            max_examples=HOSTILE_EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def refused_cleanly(case: schemathesis.Case, data: st.DataObject) -> None:
            where, name = data.draw(st.sampled_from(self.inputs))
            hostile = data.draw(hostile_text() if where != "body" else hostile_json())
            status = self.send(case, where, name, hostile)
            if self.base is None or (status < 300 and self.base_status >= 300):
                self.base, self.base_status = case, status

        refused_cleanly()
        assert self.base is not None
        for where, name in self.inputs:
            for seed in SEED_JSON_VALUES if where == "body" else SEED_TEXTS:
                self.send(self.base, where, name, seed)

    def send(self, case: schemathesis.Case, where: str, name: str, hostile: object) -> int:
        query = dict(case.query or {})
        if where == "query":
            query[name] = hostile
        body: str | None = None
        media_type = case.media_type
        if self.imports_csv:
            media_type = "text/csv"
            body = csv_with_a_hostile_cell(int(name), str(hostile)) if where == "csv" else csv_text([])
        elif self.fields:
            base = dict(case.body) if isinstance(case.body, dict) else {}
            if where == "body":
                base[name] = hostile
            body = json_text(base)
        if not still_admin(self.admin_token):
            self.admin_token = token_for(self.app, "admin")
        response = self.client.open(
            case.formatted_path,
            method=case.method,
            query_string=query,
            data=body,
            content_type=media_type,
            headers={"Authorization": f"Bearer {self.admin_token}"},
        )
        assert response.status_code < 500, f"{case.method} {case.formatted_path} {query} {body!r:.300}"
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json"
        return response.status_code
