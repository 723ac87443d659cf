"""Migration 0011 (import job files stored uncompressed) goes up and down on PostgreSQL, and a file
stored before it reads back whole after it."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, text

from tests.integration.conftest import alembic_config, create_database, server_url
from tests.integration.postgres_cluster import PostgresCluster

pytestmark = pytest.mark.postgresql


def storage_of_job_files(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(
            connection.execute(
                text(
                    "SELECT attstorage FROM pg_attribute "
                    "WHERE attrelid = 'import_job_chunks'::regclass AND attname = 'data'"
                )
            ).scalar_one()
        )


def test_0011_stores_job_files_uncompressed_and_back(postgres_server: PostgresCluster | None) -> None:
    url = create_database(server_url(postgres_server), "number_inventory_migration_0011")
    config = alembic_config(url)
    command.upgrade(config, "0010")
    engine = create_engine(url)
    chunk = b"value,monthyPrice,setupPrice,currency\n" + b"+5584912344321,0.03,3.40,U$\n" * 40_000
    try:
        assert storage_of_job_files(engine) == "x"  # extended: compressed when large
        with engine.begin() as connection:
            job_id = connection.execute(
                text(
                    "INSERT INTO import_jobs (status, mode, bytes, rows_done, attempts, created_at, "
                    "updated_at) VALUES ('queued', 'all-or-nothing', 0, 0, 0, now(), now()) RETURNING id"
                )
            ).scalar_one()
            connection.execute(
                text("INSERT INTO import_job_chunks (job_id, seq, data) VALUES (:job, 0, :data)"),
                {"job": job_id, "data": chunk},
            )
        command.upgrade(config, "0011")
        assert storage_of_job_files(engine) == "e"  # external: out of line, never compressed
        command.downgrade(config, "0010")
        assert storage_of_job_files(engine) == "x"
        command.upgrade(config, "head")
        assert storage_of_job_files(engine) == "e"
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT data FROM import_job_chunks")).scalar_one()
        assert bytes(stored) == chunk
    finally:
        engine.dispose()
