"""Shared fixtures (after Flask's tutorial): `app`, `client`, `runner`.

`app` needs a `database_url`, which tests/integration/conftest.py provides for each backend;
unit tests use neither Flask nor a database. `client` is a supervisor with a real bearer token,
so specs of the inventory read as before; `client_as(app, role)` gives any other caller.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.serving import make_server

from src.application.create_user import NewUser
from src.application.issue_token import Credentials
from src.bootstrap import create_app
from src.infrastructure.settings import Settings
from src.web.inventory import inventory

T = TypeVar("T")

# Production hashes with scrypt; tests use a cheap hash so that logging in costs microseconds.
FAST_PASSWORD_HASH = "pbkdf2:sha256:1000"
TEST_PASSWORD = "correct horse battery"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, password_hash_method=FAST_PASSWORD_HASH)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    app.config.update(TESTING=True)
    yield app
    with app.app_context():
        inventory().dispose()


def token_for(app: Flask, role: str) -> str:
    """A new user of `role` and a bearer token of theirs."""
    email = f"{role}-{uuid.uuid4().hex[:10]}@test.example"
    with app.app_context():
        inventory().create_user(NewUser(email, TEST_PASSWORD, role))
        # A client of its own: the tests' many logins must not meet the limits of one client.
        return inventory().issue_token(Credentials(email, TEST_PASSWORD, f"tests-{email}")).token


def at_once(calls: list[Callable[[], T]]) -> list[T]:
    """Make the calls at the same moment, each in a thread of its own; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: dict[int, T] = {}

    def make(index: int, call: Callable[[], T]) -> None:
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=make, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == len(calls), "a call failed or hung: see the thread's traceback above"
    return [results[index] for index in range(len(calls))]


def client_as(app: Flask, role: str | None) -> FlaskClient:
    """A test client sending a token of a new `role` user; None for an anonymous one."""
    client = app.test_client()
    if role is not None:
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(app, role)}"
    return client


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return client_as(app, "supervisor")


@pytest.fixture
def anonymous_client(app: Flask) -> FlaskClient:
    return client_as(app, None)


@pytest.fixture
def viewer_client(app: Flask) -> FlaskClient:
    return client_as(app, "viewer")


@pytest.fixture
def admin_client(app: Flask) -> FlaskClient:
    return client_as(app, "admin")


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    """The app served over real HTTP by Werkzeug's threaded server, the one `make run` starts."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many tests ran against each real database, so nobody mistakes a skip for a pass."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") != "call" and outcome != "error":
                continue
            for backend in ("postgresql", "sqlite"):
                if backend in getattr(report, "keywords", {}):
                    counts.setdefault(backend, {}).setdefault(outcome, 0)
                    counts[backend][outcome] += 1
    for backend, outcomes in sorted(counts.items()):
        summary = ", ".join(f"{count} {outcome}" for outcome, count in outcomes.items())
        terminalreporter.write_line(f"integration tests on {backend}: {summary}")
