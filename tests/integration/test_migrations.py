"""The Alembic migrations build exactly the schema the mappings expect."""

import threading

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from src.infrastructure.database import MIGRATION_LOCK_KEY
from src.infrastructure.tables import mapped_here, metadata
from tests.integration.conftest import (
    alembic_config,
    create_database,
    server_url,
    wait_until_blocked_on_a_lock,
)
from tests.integration.postgres_cluster import PostgresCluster

pytestmark = pytest.mark.postgresql


@pytest.fixture
def fresh_postgres_url(postgres_server: PostgresCluster | None) -> str:
    return create_database(server_url(postgres_server), "number_inventory_migrations")


def test_migrations_and_mapped_tables_agree(fresh_postgres_url: str) -> None:
    command.upgrade(alembic_config(fresh_postgres_url), "head")
    engine = create_engine(fresh_postgres_url)
    try:
        with engine.connect() as connection:
            # procrastinate's own tables (migration 0005) are the job queue's, not mapped by us.
            context = MigrationContext.configure(connection, opts={"include_name": mapped_here})
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_migrations_go_down_and_up_again(fresh_postgres_url: str) -> None:
    config = alembic_config(fresh_postgres_url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = create_engine(fresh_postgres_url)
    try:
        assert inspect(engine).get_table_names() == ["alembic_version"]
        command.upgrade(config, "head")
        assert "numbers" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_migrations_wait_for_the_lock_so_replicas_starting_together_do_not_race(
    fresh_postgres_url: str,
) -> None:
    engine = create_engine(fresh_postgres_url)
    try:
        with engine.connect() as first:
            first.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            config = alembic_config(fresh_postgres_url)
            second = threading.Thread(target=command.upgrade, args=(config, "head"))
            second.start()
            wait_until_blocked_on_a_lock(fresh_postgres_url, "pg_advisory_xact_lock")
            assert "numbers" not in inspect(engine).get_table_names()
            first.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            second.join(30)
        assert not second.is_alive()
        assert "numbers" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_the_country_of_numbers_stored_before_0004_is_filled_in(fresh_postgres_url: str) -> None:
    config = alembic_config(fresh_postgres_url)
    command.upgrade(config, "0003")
    engine = create_engine(fresh_postgres_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO numbers (e164, monthly_price, setup_price, currency) VALUES "
                    "('+5584912344321', 1, 2, 'BRL'), ('+442079460000', 1, 2, 'USD'), "
                    "('+80012345678', 1, 2, 'USD')"
                )
            )
        command.upgrade(config, "head")
        with engine.connect() as connection:
            countries = connection.execute(text("SELECT e164, country FROM numbers ORDER BY id")).all()
    finally:
        engine.dispose()
    assert countries == [("+5584912344321", "BR"), ("+442079460000", "GB"), ("+80012345678", None)]
