"""The pool hands out only live connections, without a ping's round trip on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from src.infrastructure.database import create_database_engine
from tests.integration.conftest import only_postgresql

pytestmark = only_postgresql  # SQLite has no server to hang up, and keeps its classic ping


def backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def terminate(database_url: str, pid: int) -> None:
    """The server ends that backend, as a restart or an operator would; waits until it is gone."""
    admin = create_database_engine(database_url)
    try:
        with admin.begin() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
    finally:
        admin.dispose()


def test_a_pooled_connection_the_server_closed_is_replaced_before_use(
    engine: Engine, database_url: str
) -> None:
    first = backend_pid(engine)  # now idle in the pool
    terminate(database_url, first)

    second = backend_pid(engine)  # no error: the dead connection was dropped at checkout

    assert second != first


def test_a_healthy_pooled_connection_is_reused_without_a_ping(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings: list[object] = []
    monkeypatch.setattr(engine.dialect, "do_ping", pings.append)
    first = backend_pid(engine)

    assert backend_pid(engine) == first
    assert pings == []
