"""The e2e stack, started once for tests/e2e: a throwaway PostgreSQL (or TEST_DATABASE_URL),
two uWSGI instances started together by the container's entrypoint, one nginx in front
(tests/e2e/fixtures.py, shared with tests/reliability).

Markers: every test here is `e2e`; `make e2e` runs them alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.fixtures import *  # noqa: F403 - the stack's fixtures, registered by being imported here
from tests.e2e.fixtures import mark_suite
from tests.integration.conftest import create_database
from tests.integration.postgres_cluster import PostgresCluster


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_suite(items, Path(__file__).parent, pytest.mark.e2e)


@pytest.fixture(scope="package")
def e2e_database_url() -> Iterator[str]:
    """An empty database, not migrated: the app servers' entrypoint migrates it, as in a container."""
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        yield create_database(given, "number_inventory_e2e")
        return
    cluster = PostgresCluster()
    cluster.start()
    try:
        yield create_database(cluster.admin_url, "number_inventory_e2e")
    finally:
        cluster.stop()


@pytest.fixture(scope="package")
def stack_database_url(e2e_database_url: str) -> str:
    return e2e_database_url
