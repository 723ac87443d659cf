"""Secrets never reach the log, and no client can write a log line of its own; no public default
key signs anything."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from src.bootstrap import create_app, engine_of
from src.infrastructure.settings import Settings, SettingsError
from src.web.inventory import inventory
from tests.conftest import TEST_PASSWORD, client_as
from tests.integration.test_numbers_api import assert_problem

FORGED = "2026-12-01 12:00:00,000 INFO number_inventory.access [-] GET /forged 200 0.01ms"


def logging_app(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> tuple[Flask, io.StringIO]:
    """An app whose log handler writes to a buffer the test reads."""
    log = io.StringIO()
    monkeypatch.setattr("sys.stderr", log)
    app = create_app(settings)
    app.config.update(TESTING=True)
    return app, log


@pytest.fixture
def disposed() -> Iterator[list[Flask]]:
    apps: list[Flask] = []
    yield apps
    for app in apps:
        with app.app_context():
            inventory().dispose()


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_line_break_in_the_path_stays_in_its_log_line(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, disposed: list[Flask], log_format: str
) -> None:
    app, log = logging_app(replace(settings, log_format=log_format), monkeypatch)
    disposed.append(app)
    before = log.getvalue().count("\n")

    app.test_client().get(f"/api/v1/numbers%0a{FORGED}%0d%e2%80%a8")

    written = log.getvalue().splitlines()[before:]
    assert len(written) == 1, written
    assert not written[0].startswith(FORGED)
    assert "\\n" + FORGED in written[0]  # escaped, still readable
    if log_format == "json":
        assert json.loads(written[0])["path"] == f"/api/v1/numbers\n{FORGED}\r\u2028"


def test_a_storage_error_while_creating_a_user_logs_neither_the_hash_nor_the_email(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, disposed: list[Flask]
) -> None:
    app, log = logging_app(settings, monkeypatch)
    disposed.append(app)
    admin = client_as(app, "admin")
    sent: list[Any] = []
    engine = engine_of(app)

    @event.listens_for(engine, "before_cursor_execute")
    def _connection_lost(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO USERS"):
            sent.append(parameters)
            raise engine.dialect.loaded_dbapi.OperationalError("server closed the connection unexpectedly")

    response = admin.post(
        "/api/v1/users",
        json={"email": "secret.person@example.com", "password": TEST_PASSWORD, "role": "viewer"},
    )

    assert_problem(response, 503)
    assert sent, "the INSERT was never tried"
    parameters = sent[0] if isinstance(sent[0], dict) else dict(enumerate(sent[0]))
    password_hash = next(value for value in parameters.values() if isinstance(value, str) and "$" in value)
    written = log.getvalue()
    assert "database unavailable" in written
    assert "secret.person@example.com" not in written
    assert password_hash not in written
    assert TEST_PASSWORD not in written


def test_without_a_secret_key_the_app_refuses_to_start(settings: Settings) -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        create_app(replace(settings, secret_key=None))


def test_in_development_a_missing_secret_key_is_made_up_and_the_log_says_so(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, disposed: list[Flask]
) -> None:
    app, log = logging_app(replace(settings, secret_key=None, development=True), monkeypatch)
    disposed.append(app)
    assert "SECRET_KEY is not set: made up a random one" in log.getvalue()
    assert client_as(app, "viewer").get("/api/v1/numbers?cursor=").status_code == 200


def test_the_environment_must_name_the_secret_key() -> None:
    assert Settings.from_env({}).secret_key is None
    assert Settings.from_env({"SECRET_KEY": "k" * 40}).secret_key == "k" * 40
    assert Settings.from_env({"DEVELOPMENT": "1"}).development
