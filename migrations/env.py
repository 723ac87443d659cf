"""Alembic environment: the URL comes from the settings (DATABASE_URL), or a caller passes
a connection in config.attributes["connection"] (the tests do)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from src.infrastructure.database import MIGRATION_LOCK_KEY, create_database_engine
from src.infrastructure.settings import Settings
from src.infrastructure.tables import mapped_here, metadata

config = context.config


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
        include_name=mapped_here,
    )
    with context.begin_transaction():
        # Several app replicas start at once and each runs `alembic upgrade head`
        # (deploy/entrypoint.sh): they queue here until the first one's migrations commit, and
        # the others then find the schema at head instead of racing to create it.
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=Settings.from_env().database_url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    engine = create_database_engine(config.attributes.get("database_url") or Settings.from_env().database_url)
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # SQLite rebuilds a table to alter it (batch mode), and dropping the old copy
                # would cascade to the rows that refer to it (a user's tokens). The pragma only
                # takes effect outside a transaction, so it goes straight to the driver.
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
            run_migrations(connection)
            connection.commit()
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
