"""The Alembic migrations build exactly the schema the mappings expect."""

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from src.infrastructure.tables import metadata
from tests.integration.conftest import alembic_config, create_database
from tests.integration.postgres_cluster import PostgresCluster

pytestmark = pytest.mark.postgresql


@pytest.fixture
def fresh_postgres_url(postgres_server: PostgresCluster | None) -> str:
    if postgres_server is None:
        pytest.fail("the migration checks need the suite's own server: unset TEST_DATABASE_URL to run them")
    return create_database(postgres_server, "number_inventory_migrations")


def test_migrations_and_mapped_tables_agree(fresh_postgres_url: str) -> None:
    command.upgrade(alembic_config(fresh_postgres_url), "head")
    engine = create_engine(fresh_postgres_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
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
