"""Migrations that only change indexes go up and down on both databases and leave the rows as
they were: 0010 (the change log's indexes for its actor and bulk change filters) and 0011 (the
currency index that also orders by monthly price)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from tests.integration.conftest import alembic_config, create_database, server_url
from tests.integration.postgres_cluster import PostgresCluster

NEW_INDEXES = {"ix_changes_actor_email_id", "ix_changes_bulk_change_id_id"}
CURRENCY_BY_ID, CURRENCY_BY_PRICE = "ix_numbers_currency_id", "ix_numbers_currency_monthly_price_id"


@pytest.fixture(
    params=[
        pytest.param("postgresql", marks=pytest.mark.postgresql),
        pytest.param("sqlite", marks=pytest.mark.sqlite),
    ]
)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migration_indexes.sqlite3'}"
    postgres_server: PostgresCluster | None = request.getfixturevalue("postgres_server")
    return create_database(server_url(postgres_server), "number_inventory_migration_indexes")


def indexes_of(url: str, table: str = "changes") -> set[str]:
    engine = create_engine(url)
    try:
        return {index["name"] for index in inspect(engine).get_indexes(table) if index["name"]}
    finally:
        engine.dispose()


def test_0010_adds_the_filter_indexes_and_takes_them_away_again(fresh_url: str) -> None:
    config = alembic_config(fresh_url)
    command.upgrade(config, "0009")
    assert not indexes_of(fresh_url) & NEW_INDEXES
    engine = create_engine(fresh_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO changes (at, actor_email, action, subject_type, subject, fields, "
                    "bulk_change_id) VALUES ('2026-12-01 12:00:00+00:00', 'ana@example.com', "
                    "'bulk-update', 'number', '+5584912344321', '{}', 7)"
                )
            )
        command.upgrade(config, "0010")
        assert indexes_of(fresh_url) >= NEW_INDEXES
        command.downgrade(config, "0009")
        assert not indexes_of(fresh_url) & NEW_INDEXES
        command.upgrade(config, "head")
        assert indexes_of(fresh_url) >= NEW_INDEXES
        with engine.connect() as connection:
            kept = connection.execute(text("SELECT actor_email, bulk_change_id FROM changes")).all()
        assert [tuple(row) for row in kept] == [("ana@example.com", 7)]
    finally:
        engine.dispose()


def test_0011_puts_the_price_after_the_currency_and_takes_it_back(fresh_url: str) -> None:
    config = alembic_config(fresh_url)
    command.upgrade(config, "0010")
    engine = create_engine(fresh_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO numbers (e164, monthly_price, setup_price, currency, country) "
                    "VALUES ('+5584912344321', 3, 340, 'BRL', 'BR')"  # SQLite stores cents
                )
            )
            stored = connection.execute(text("SELECT * FROM numbers")).all()
        command.upgrade(config, "0011")
        assert CURRENCY_BY_PRICE in indexes_of(fresh_url, "numbers")
        assert CURRENCY_BY_ID not in indexes_of(fresh_url, "numbers")
        command.downgrade(config, "0010")
        assert CURRENCY_BY_ID in indexes_of(fresh_url, "numbers")
        assert CURRENCY_BY_PRICE not in indexes_of(fresh_url, "numbers")
        command.upgrade(config, "head")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT * FROM numbers")).all() == stored
    finally:
        engine.dispose()
