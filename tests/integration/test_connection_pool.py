"""The pool hands out only live connections, without a ping's round trip on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from src.infrastructure.database import create_database_engine

pytestmark = pytest.mark.postgresql


@pytest.fixture
def pg_engine(postgresql_url: str) -> Iterator[Engine]:
    engine = create_database_engine(postgresql_url)
    yield engine
    engine.dispose()


def backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_pooled_connection_the_server_closed_is_replaced_before_use(
    pg_engine: Engine, postgresql_url: str
) -> None:
    first = backend_pid(pg_engine)  # now idle in the pool
    admin = create_database_engine(postgresql_url)
    try:
        with admin.begin() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": first}
            )  # waits for it
    finally:
        admin.dispose()

    second = backend_pid(pg_engine)  # no error: the dead connection was dropped at checkout

    assert second != first


def test_a_healthy_pooled_connection_is_reused_without_a_ping(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings: list[object] = []
    monkeypatch.setattr(pg_engine.dialect, "do_ping", pings.append)
    first = backend_pid(pg_engine)

    assert backend_pid(pg_engine) == first
    assert pings == []
