"""The e2e stack, started once for tests/e2e: a throwaway PostgreSQL (or TEST_DATABASE_URL),
two uWSGI instances started together by the container's entrypoint, one nginx in front.

Markers: every test here is `e2e`; `make e2e` runs them alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from src.infrastructure.database import create_database_engine
from src.infrastructure.settings import Settings
from tests.e2e.stack import AppServer, Nginx, call, log_in
from tests.integration.conftest import create_database
from tests.integration.postgres_cluster import PostgresCluster

MAX_BODY_BYTES = Settings().max_body_bytes
SUPERVISOR_EMAIL = "supervisor@e2e.example"
SUPERVISOR_PASSWORD = "e2e-supervisor-password"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="package")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


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


def start_app_servers(workdir: Path, database_url: str, names: list[str]) -> list[AppServer]:
    """Started together, as replicas are: they share one database, possibly not yet migrated."""
    servers = [AppServer(name, workdir, database_url, {}) for name in names]
    try:
        for server in servers:
            server.start()
        for server in servers:
            server.wait_until_ready()
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers


@pytest.fixture(scope="package")
def app_servers(workdir: Path, e2e_database_url: str) -> Iterator[list[AppServer]]:
    servers = start_app_servers(workdir, e2e_database_url, ["uwsgi-a", "uwsgi-b"])
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture(scope="package")
def nginx(workdir: Path, app_servers: list[AppServer]) -> Iterator[Nginx]:
    proxy = Nginx(workdir, app_servers, MAX_BODY_BYTES)
    try:
        proxy.start()
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture
def empty_inventory(e2e_database_url: str, app_servers: list[AppServer]) -> str:
    """Each test that counts numbers starts from none (the database is the suite's own); the
    users and their tokens stay."""
    engine = create_database_engine(e2e_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("TRUNCATE numbers, idempotency_keys RESTART IDENTITY"))
    finally:
        engine.dispose()
    return e2e_database_url


@pytest.fixture(scope="package")
def admin_token(app_servers: list[AppServer]) -> str:
    """The first admin's, whom the app servers made from ADMIN_EMAIL/ADMIN_PASSWORD."""
    return log_in(app_servers[0].http_url)


@pytest.fixture(scope="package")
def supervisor_token(app_servers: list[AppServer], admin_token: str) -> str:
    """A supervisor's, as the people who change the inventory have."""
    base_url = app_servers[0].http_url
    user = {"email": SUPERVISOR_EMAIL, "password": SUPERVISOR_PASSWORD, "role": "supervisor"}
    created = call("POST", f"{base_url}/api/v1/users", user, token=admin_token)
    assert created.status == 201, created.body
    return log_in(base_url, SUPERVISOR_EMAIL, SUPERVISOR_PASSWORD)
