"""The stack's fixtures, shared by every suite that runs the production stack on 127.0.0.1
(tests/e2e, tests/reliability): two uWSGI instances started together by the container's
entrypoint, one nginx in front, and the users who call them.

A suite's conftest imports these and provides `stack_database_url`: an empty database, not
migrated (the app servers' entrypoint migrates it, as in a container). Each fixture is scoped to
the package whose conftest imports it, so every suite gets its own stack.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from src.infrastructure.database import create_database_engine
from src.infrastructure.settings import Settings
from tests.e2e.stack import WORKER_COMMAND, AppServer, Nginx, call, log_in

__all__ = [  # the fixtures a suite's conftest imports with *
    "admin_token",
    "app_servers",
    "empty_inventory",
    "job_worker",
    "nginx",
    "stack_processes",
    "supervisor_token",
    "workdir",
]
MAX_BODY_BYTES = Settings().max_body_bytes
SUPERVISOR_EMAIL = "supervisor@e2e.example"
SUPERVISOR_PASSWORD = "e2e-supervisor-password"


def mark_suite(items: list[pytest.Item], suite: Path, marker: pytest.MarkDecorator) -> None:
    """Give every test under `suite` (a conftest's folder) the suite's marker."""
    for item in items:
        if suite in Path(item.fspath).parents:
            item.add_marker(marker)


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
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stack")


@dataclass(frozen=True)
class StackProcesses:
    app_servers: list[AppServer]
    job_worker: AppServer


@pytest.fixture(scope="package")
def stack_processes(workdir: Path, stack_database_url: str) -> Iterator[StackProcesses]:
    """The app servers with a job worker beside them, started by the same entrypoint (`make
    worker`'s command), as the production compose file's `worker` service is, for the imports
    that run as jobs."""
    servers = start_app_servers(workdir, stack_database_url, ["uwsgi-a", "uwsgi-b"])
    heartbeat = ("--heartbeat-file", str(workdir / "worker.alive"))
    worker = AppServer("worker", workdir, stack_database_url, {}, command=(*WORKER_COMMAND, *heartbeat))
    try:
        worker.start()
        worker.wait_for_log("Starting worker", timeout=30)
        yield StackProcesses(servers, worker)
    finally:
        worker.stop()
        for server in servers:
            server.stop()


@pytest.fixture(scope="package")
def app_servers(stack_processes: StackProcesses) -> list[AppServer]:
    return stack_processes.app_servers


@pytest.fixture(scope="package")
def job_worker(stack_processes: StackProcesses) -> AppServer:
    """The process that runs the import jobs (its PID is the worker's own: the entrypoint execs it)."""
    return stack_processes.job_worker


@pytest.fixture(scope="package")
def nginx(workdir: Path, app_servers: list[AppServer]) -> Iterator[Nginx]:
    proxy = Nginx(workdir, app_servers, MAX_BODY_BYTES)
    try:
        proxy.start()
        yield proxy
    finally:
        proxy.stop()


def truncate_inventory(database_url: str) -> None:
    """No numbers, no idempotency keys and no change history (whose number ids would otherwise be
    those of the next test's numbers, the ids restarting); the users and their tokens stay."""
    engine = create_database_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("TRUNCATE numbers, idempotency_keys, changes RESTART IDENTITY"))
    finally:
        engine.dispose()


@pytest.fixture
def empty_inventory(stack_database_url: str, app_servers: list[AppServer]) -> str:
    """Each test that counts numbers starts from none (the database is the suite's own)."""
    truncate_inventory(stack_database_url)
    return stack_database_url


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
