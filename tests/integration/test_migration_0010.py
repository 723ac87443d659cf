"""Migration 0010 (the change log's indexes for its actor and bulk change filters) goes up and down
on both databases, and leaves the log's rows as they were."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from tests.integration.conftest import alembic_config, create_database, server_url
from tests.integration.postgres_cluster import PostgresCluster

NEW_INDEXES = {"ix_changes_actor_email_id", "ix_changes_bulk_change_id_id"}


@pytest.fixture(
    params=[
        pytest.param("postgresql", marks=pytest.mark.postgresql),
        pytest.param("sqlite", marks=pytest.mark.sqlite),
    ]
)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migration_0010.sqlite3'}"
    postgres_server: PostgresCluster | None = request.getfixturevalue("postgres_server")
    return create_database(server_url(postgres_server), "number_inventory_migration_0010")


def change_indexes(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {index["name"] for index in inspect(engine).get_indexes("changes") if index["name"]}
    finally:
        engine.dispose()


def test_0010_adds_the_filter_indexes_and_takes_them_away_again(fresh_url: str) -> None:
    config = alembic_config(fresh_url)
    command.upgrade(config, "0009")
    assert not change_indexes(fresh_url) & NEW_INDEXES
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
        assert change_indexes(fresh_url) >= NEW_INDEXES
        command.downgrade(config, "0009")
        assert not change_indexes(fresh_url) & NEW_INDEXES
        command.upgrade(config, "head")
        assert change_indexes(fresh_url) >= NEW_INDEXES
        with engine.connect() as connection:
            kept = connection.execute(text("SELECT actor_email, bulk_change_id FROM changes")).all()
        assert [tuple(row) for row in kept] == [("ana@example.com", 7)]
    finally:
        engine.dispose()
