"""Probes, request ids, and the errors no client causes on purpose: 500 and 503."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

from src.bootstrap import create_app
from src.infrastructure.settings import Settings
from tests.conftest import client_as

DEAD_DATABASE = "postgresql+psycopg2://nobody@127.0.0.1:1/none"


def test_healthz_and_readyz_answer(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json == {"status": "ready"}
    assert client.get("/api/v1/readyz").status_code == 200


def test_every_response_carries_a_request_id(client: FlaskClient) -> None:
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/nowhere", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    for insane in ("x" * 500, "has spaces", "<script>"):
        assert client.get("/healthz", headers={"X-Request-ID": insane}).headers["X-Request-ID"] != insane


def test_an_unexpected_error_is_a_500_without_internals_logged_with_the_request_id(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    def explode() -> str:
        raise RuntimeError("secret internals")

    app.add_url_rule("/boom", view_func=explode)  # undocumented, hence admin-only
    with caplog.at_level(logging.ERROR):
        response = client_as(app, "admin").get("/boom", headers={"X-Request-ID": "req-500"})
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert response.json["requestId"] == "req-500"  # type: ignore[index]
    assert b"secret internals" not in response.data
    assert b"Traceback" not in response.data
    record = next(r for r in caplog.records if r.exc_info)
    assert "req-500" in record.getMessage()
    assert "secret internals" in caplog.text


@pytest.mark.postgresql
def test_a_database_that_is_down_is_a_503_with_retry_after() -> None:
    client = create_app(Settings(database_url=DEAD_DATABASE)).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = "Bearer any-token"  # checking it needs the database
    assert client.get("/healthz").status_code == 200
    for response in (
        client.get("/readyz"),
        client.get("/api/v1/numbers"),
        client.post(
            "/api/v1/numbers",
            json={"value": "+5584912344321", "monthyPrice": "1", "setupPrice": "1", "currency": "U$"},
        ),
    ):
        assert response.status_code == 503
        assert response.mimetype == "application/problem+json"
        assert response.headers["Retry-After"] == "5"
        assert response.json["type"].endswith(":database-unavailable")  # type: ignore[index]
        assert response.json["status"] == 503  # type: ignore[index]
