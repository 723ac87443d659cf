"""The reads every request makes are prepared once per connection on PostgreSQL, and stay right
when a run fails, when the server replaces a connection and when a connection holds many; the
direct reads (the driver without the engine's execution path) keep the engine's bookkeeping, its
errors and its result types."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    bindparam,
    cast,
    exc,
    func,
    literal,
    make_url,
    select,
    text,
)

from src.bootstrap import create_app, engine_of
from src.domain.money import Currency
from src.domain.users import EmailAddress, Role
from src.infrastructure import database
from src.infrastructure.database import PREPARE, DirectRead, create_database_engine
from src.infrastructure.settings import Settings
from src.infrastructure.storage_errors import is_unavailable
from src.infrastructure.types import CurrencyCode, EmailType, RoleType, UtcDateTime
from tests.conftest import client_as
from tests.integration.conftest import only_postgresql
from tests.integration.test_connection_pool import terminate
from tests.integration.test_numbers_api import EXAMPLE

pytestmark = only_postgresql  # SQLite has no server-side prepared statements

NEXT = text("SELECT CAST(:value AS integer) + 1 AS next").execution_options(**{PREPARE: True})
NEXT_SELECT = select((cast(bindparam("value"), Integer) + 1).label("next")).execution_options(
    **{PREPARE: True}
)


@pytest.fixture
def read_engine(database_url: str) -> Iterator[Engine]:
    engine = create_database_engine(database_url, autocommit=True, prepared=True)
    yield engine
    engine.dispose()


def prepared_on(connection: Connection) -> list[str]:
    return list(connection.execute(text("SELECT statement FROM pg_prepared_statements")).scalars())


def test_a_marked_statement_is_prepared_once_and_then_only_executed(read_engine: Engine) -> None:
    with read_engine.connect() as connection:
        assert [connection.execute(NEXT, {"value": value}).scalar_one() for value in (1, 2, 3)] == [2, 3, 4]
        statements = prepared_on(connection)
        assert connection.execute(text("SELECT 1"), {}).scalar_one() == 1  # not marked: not prepared
        assert prepared_on(connection) == statements

    assert len(statements) == 1
    assert "AS SELECT CAST($1 AS integer) + 1 AS next" in statements[0]


def test_a_statement_whose_first_run_failed_is_prepared_again_under_another_name(read_engine: Engine) -> None:
    missing = text("SELECT count(*) FROM not_there_yet").execution_options(**{PREPARE: True})
    with read_engine.connect() as connection:
        with pytest.raises(exc.ProgrammingError):
            connection.execute(missing)  # PREPARE itself failed: there is nothing to EXECUTE
        connection.execute(text("CREATE TEMPORARY TABLE not_there_yet (id integer)"))  # not marked
        assert connection.execute(missing).scalar_one() == 0

        with pytest.raises(exc.DataError):
            connection.execute(NEXT, {"value": "not a number"})  # prepared, then its EXECUTE failed
        assert connection.execute(NEXT, {"value": 41}).scalar_one() == 42


def test_a_connection_the_server_replaced_prepares_again(read_engine: Engine, database_url: str) -> None:
    with read_engine.connect() as connection:
        assert connection.execute(NEXT, {"value": 1}).scalar_one() == 2
        first = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    terminate(database_url, first)

    with read_engine.connect() as connection:
        assert connection.execute(NEXT, {"value": 2}).scalar_one() == 3
        assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != first


def test_a_connection_that_prepared_too_many_starts_over(
    read_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "MAX_PREPARED_PER_CONNECTION", 2)
    plus = [
        text(f"SELECT CAST(:value AS integer) + {step} AS next").execution_options(**{PREPARE: True})
        for step in (1, 2, 3)
    ]
    with read_engine.connect() as connection:
        assert [connection.execute(statement, {"value": 10}).scalar_one() for statement in plus] == [
            11,
            12,
            13,
        ]
        assert len(prepared_on(connection)) == 1  # the third started over
        assert [connection.execute(statement, {"value": 20}).scalar_one() for statement in plus] == [
            21,
            22,
            23,
        ]
        assert len(prepared_on(connection)) <= 2


def test_a_direct_read_is_prepared_once_on_the_record_the_engine_keeps(read_engine: Engine) -> None:
    read = DirectRead(read_engine, NEXT_SELECT)
    assert [read.first({"value": value}) for value in (1, 2, 3)] == [(2,), (3,), (4,)]
    with read_engine.connect() as connection:  # the pool's one connection, the same record
        assert connection.execute(NEXT_SELECT, {"value": 4}).scalar_one() == 5
        statements = prepared_on(connection)
    assert len(statements) == 1
    assert "AS SELECT CAST($1 AS INTEGER) + $2 AS next" in statements[0]


def test_a_direct_read_whose_run_failed_raises_as_the_engine_does_and_runs_again(read_engine: Engine) -> None:
    read = DirectRead(read_engine, NEXT_SELECT)
    with pytest.raises(exc.DataError):
        read.first({"value": "not a number"})  # prepared, then its EXECUTE failed
    assert read.first({"value": 41}) == (42,)
    with pytest.raises(exc.DataError):
        read.first({"value": "not a number"})
    assert read.first({"value": 1}) == (2,)


def test_a_direct_read_that_loses_its_connection_is_unavailable_and_the_next_one_reconnects(
    read_engine: Engine,
) -> None:
    backend = select(func.pg_backend_pid())
    first = DirectRead(read_engine, backend).first({})
    with pytest.raises(exc.OperationalError) as lost:
        DirectRead(read_engine, select(func.pg_terminate_backend(func.pg_backend_pid()))).first({})
    assert lost.value.connection_invalidated
    assert is_unavailable(lost.value)
    assert DirectRead(read_engine, backend).first({}) != first


def test_a_direct_read_of_a_database_that_does_not_answer_is_unavailable(database_url: str) -> None:
    nowhere = make_url(database_url).set(host="127.0.0.1", port=1)
    engine = create_database_engine(
        nowhere.render_as_string(hide_password=False), autocommit=True, prepared=True
    )
    try:
        with pytest.raises(exc.OperationalError) as refused:
            DirectRead(engine, NEXT_SELECT).first({"value": 1})
        assert is_unavailable(refused.value)
    finally:
        engine.dispose()


def test_a_direct_read_applies_the_statements_bind_and_result_types_to_every_row(read_engine: Engine) -> None:
    at = datetime(2026, 12, 2, 1, 30, tzinfo=UTC)
    typed = select(
        func.generate_series(1, 3).label("n"),
        literal(at, UtcDateTime()).label("at"),
        literal("admin@example.com", EmailType()).label("email"),
        literal(Role.ADMIN, RoleType()).label("role"),
        bindparam("currency", type_=CurrencyCode()).label("currency"),  # the driver cannot adapt a Currency
    )
    rows = DirectRead(read_engine, typed).all({"currency": Currency("BRL")})
    assert rows == [
        (n, at, EmailAddress("admin@example.com"), Role.ADMIN, Currency("BRL")) for n in (1, 2, 3)
    ]


def test_a_direct_read_on_an_engine_that_does_not_prepare_prepares_nothing(database_url: str) -> None:
    engine = create_database_engine(database_url, autocommit=True, prepared=False)
    try:
        read = DirectRead(engine, NEXT_SELECT)
        assert [read.first({"value": value}) for value in range(7)] == [(value + 1,) for value in range(7)]
        with engine.connect() as connection:
            assert prepared_on(connection) == []
    finally:
        engine.dispose()


def last_statements(app: Flask) -> list[str]:
    """The last statement of each of the app's other connections to the database."""
    with engine_of(app).connect() as connection:
        return list(
            connection.execute(
                text(
                    "SELECT query FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalars()
        )


def test_the_apps_reads_of_one_number_and_of_a_page_are_executed_prepared(
    app: Flask, client: FlaskClient
) -> None:
    created = client.post("/api/v1/numbers", json=EXAMPLE).json
    assert created is not None
    for _ in range(2):
        assert client.get(f"/api/v1/numbers/{created['id']}").status_code == 200
    assert any(query.startswith("EXECUTE read_") for query in last_statements(app))

    for _ in range(2):
        assert (
            client.get("/api/v1/numbers?currency=U$&sort=-monthyPrice&monthyPrice_max=5").json[0]["id"]
            == created["id"]
        )
    assert any(query.startswith("EXECUTE read_") for query in last_statements(app))

    assert client.get("/api/v1/numbers?q=91234").json[0]["id"] == created["id"]  # planned per value
    assert not any(query.startswith("EXECUTE read_") for query in last_statements(app))


def test_prepared_reads_can_be_turned_off(settings: Settings) -> None:
    unprepared = create_app(replace(settings, prepared_reads=False))
    supervisor = client_as(unprepared, "supervisor")
    created = supervisor.post("/api/v1/numbers", json=EXAMPLE).json
    assert created is not None
    for _ in range(7):  # past the five runs after which PostgreSQL may keep a generic plan
        assert supervisor.get(f"/api/v1/numbers/{created['id']}").status_code == 200
        assert supervisor.get("/api/v1/numbers").status_code == 200
    assert not any(query.startswith(("PREPARE", "EXECUTE")) for query in last_statements(unprepared))
