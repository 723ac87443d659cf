"""The reliability suite's own production stack: a PostgreSQL cluster of its own (the fault tests
stop and restart it), two uWSGI instances by the container's entrypoint and nginx in front, as in
tests/e2e (whose fixtures these are) but apart from them, so that no fault reaches another suite.

Markers: every test here is `reliability`; `make reliability` runs them alone. Sizes and times are
bounded so that the suite belongs in `make test`; nothing here asserts on speed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.fixtures import *  # noqa: F403 - the stack's fixtures, registered by being imported here
from tests.e2e.fixtures import mark_suite
from tests.integration.conftest import create_database
from tests.integration.postgres_cluster import PostgresCluster


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_suite(items, Path(__file__).parent, pytest.mark.reliability)


@pytest.fixture(scope="package")
def postgres() -> Iterator[PostgresCluster]:
    """Always a cluster of the suite's own, even when TEST_DATABASE_URL is given: the fault tests
    stop it, and a shared server must not go down under another suite."""
    cluster = PostgresCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="package")
def stack_database_url(postgres: PostgresCluster) -> str:
    return create_database(postgres.admin_url, "number_inventory_reliability")
