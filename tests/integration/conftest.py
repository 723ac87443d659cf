"""Integration fixtures: each test runs against SQLite and against a real PostgreSQL server.

The PostgreSQL server is started once per session (or TEST_DATABASE_URL is used), migrated once
with Alembic, and every test starts from empty tables.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, make_url, text

from src.infrastructure.database import create_database_engine
from src.infrastructure.tables import metadata
from tests.integration.postgres_cluster import PostgresCluster

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BACKENDS = [
    pytest.param("sqlite", marks=pytest.mark.sqlite),
    pytest.param("postgresql", marks=pytest.mark.postgresql),
]
# For the tests that need a real server (races, locks): the PostgreSQL backend alone.
only_postgresql = pytest.mark.parametrize("database_url", [BACKENDS[1]], indirect=True)


def alembic_config(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    return config


def migrate(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresCluster | None]:
    """The suite's own PostgreSQL cluster, or None when TEST_DATABASE_URL names one."""
    if os.environ.get("TEST_DATABASE_URL"):
        yield None
        return
    cluster = PostgresCluster()  # raises with a clear message when PostgreSQL is missing
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def create_database(server_url: str, name: str) -> str:
    """A new, empty database `name` on the server of `server_url` (whose user may create one)."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def server_url(postgres_server: PostgresCluster | None) -> str:
    """Where tests may create databases: the suite's own server, or TEST_DATABASE_URL's."""
    return postgres_server.admin_url if postgres_server else os.environ["TEST_DATABASE_URL"]


@pytest.fixture(scope="session")
def postgresql_url(postgres_server: PostgresCluster | None) -> str:
    if postgres_server is None:
        url = os.environ["TEST_DATABASE_URL"]
        drop_everything(url)
    else:
        url = create_database(postgres_server.admin_url, "number_inventory_test")
    migrate(url)
    return url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'number_inventory.sqlite3'}"
    migrate(url)
    return url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    url: str = request.getfixturevalue(f"{request.param}_url")
    yield url
    empty_tables(url)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_database_engine(database_url)
    yield engine
    engine.dispose()


def empty_tables(url: str) -> None:
    engine = create_database_engine(url)
    try:
        with engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                if connection.dialect.name == "postgresql":
                    connection.execute(text(f"TRUNCATE {table.name} RESTART IDENTITY CASCADE"))
                else:
                    connection.execute(table.delete())
            if connection.dialect.name == "sqlite":  # as RESTART IDENTITY: ids count from 1 again
                connection.execute(text("DELETE FROM sqlite_sequence"))
    finally:
        engine.dispose()


def drop_everything(url: str) -> None:
    """A given TEST_DATABASE_URL is the tests' own: start it from an empty schema."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def wait_until_blocked_on_a_lock(url: str, statement: str, seconds: float = 10) -> None:
    """Until a session of the server at `url` waits for a lock (a row of pg_locks not granted)
    while running a statement that contains `statement`: the waiter is seen waiting, whatever the
    machine's speed, where a sleep would only guess."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    blocked = text(
        "SELECT count(*) FROM pg_locks JOIN pg_stat_activity USING (pid) "
        "WHERE NOT pg_locks.granted AND pg_stat_activity.query LIKE :pattern"
    )
    deadline = time.monotonic() + seconds
    try:
        with engine.connect() as connection:
            while not connection.execute(blocked, {"pattern": f"%{statement}%"}).scalar():
                if time.monotonic() > deadline:
                    raise AssertionError(f"no session waited for a lock running {statement!r} in {seconds} s")
                time.sleep(0.02)
    finally:
        engine.dispose()
