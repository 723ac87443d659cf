"""Engines and sessions, built by the composition root: nothing here runs at import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from src.application.errors import StorageUnavailable

# Bounded waits, so that a database that is down answers 503 quickly instead of hanging requests.
CONNECT_TIMEOUT_SECONDS = 3
POOL_TIMEOUT_SECONDS = 5
SQLITE_BUSY_TIMEOUT_MS = 5000
# Held by whoever runs the migrations on PostgreSQL (migrations/env.py), so that replicas starting
# together migrate one at a time. Any constant bigint, the same everywhere.
MIGRATION_LOCK_KEY = 0x6E756D73


def create_database_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _create_sqlite_engine(url)
    connect_args: dict[str, Any] = {}
    if parsed.get_driver_name() == "psycopg2":
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    return create_engine(
        url,
        pool_pre_ping=True,  # a restarted server costs one ping per pooled connection, not a 5xx
        pool_timeout=POOL_TIMEOUT_SECONDS,
        connect_args=connect_args,
    )


def _create_sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # WAL lets the dev server's threads read while one writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")  # so a deleted user's tokens go with them
        cursor.close()

    return engine


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    # Results are built before commit; expiring on commit would only cost reloads.
    return sessionmaker(bind=engine, expire_on_commit=False)


def ping(engine: Engine) -> None:
    """Raise StorageUnavailable unless the database answers a trivial query."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (exc.DBAPIError, exc.TimeoutError) as error:
        raise StorageUnavailable("the database does not answer") from error
