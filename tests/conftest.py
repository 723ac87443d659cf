"""Shared fixtures (after Flask's tutorial): `app`, `client`, `runner`.

`app` needs a `database_url`, which tests/integration/conftest.py provides for each backend;
unit tests use neither Flask nor a database.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from src.infrastructure.settings import Settings
from src.web.app import create_app
from src.web.inventory import inventory


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    app.config.update(TESTING=True)
    yield app
    with app.app_context():
        inventory().engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


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
