"""Security headers, CORS for configured origins only, and one access-log line per request."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

from src.bootstrap import create_app
from src.infrastructure.settings import Settings
from tests.conftest import client_as

FRONTEND = "https://inventory.frontend.test"


@pytest.fixture
def cors_client(settings: Settings) -> FlaskClient:
    return create_app(Settings(database_url=settings.database_url, cors_origins=(FRONTEND,))).test_client()


@pytest.mark.parametrize("path", ["/api/v1/numbers", "/api/v1/numbers/1", "/healthz", "/docs", "/nowhere"])
def test_every_response_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in headers["Content-Security-Policy"]


def test_api_responses_are_not_stored_by_caches(client: FlaskClient) -> None:
    assert client.get("/api/v1/numbers").headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/numbers/1").headers["Cache-Control"] == "no-store"


def test_api_responses_may_load_nothing(client: FlaskClient) -> None:
    assert client.get("/api/v1/numbers").headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_no_origin_is_allowed_by_default(client: FlaskClient) -> None:
    response = client.get("/api/v1/numbers", headers={"Origin": FRONTEND})
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options(
        "/api/v1/numbers", headers={"Origin": FRONTEND, "Access-Control-Request-Method": "POST"}
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_a_configured_origin_may_call_and_read_the_headers(cors_client: FlaskClient) -> None:
    response = cors_client.get("/api/v1/numbers", headers={"Origin": FRONTEND})
    assert response.headers["Access-Control-Allow-Origin"] == FRONTEND
    assert "X-Total-Count" in response.headers["Access-Control-Expose-Headers"]
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    assert "Origin" in response.headers.get_all("Vary")


def test_a_configured_origin_gets_a_preflight_answer(cors_client: FlaskClient) -> None:
    preflight = cors_client.options(
        "/api/v1/numbers/1",
        headers={
            "Origin": FRONTEND,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "content-type, if-match",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == FRONTEND
    assert "PATCH" in preflight.headers["Access-Control-Allow-Methods"]
    assert "If-Match" in preflight.headers["Access-Control-Allow-Headers"]


def test_another_origin_is_not_allowed_even_when_some_are(cors_client: FlaskClient) -> None:
    response = cors_client.get("/api/v1/numbers", headers={"Origin": "https://evil.test"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_each_request_is_logged_once_with_its_id_and_no_body(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    secret_body = {"value": "+5584912344321", "monthyPrice": "0.03", "setupPrice": "1", "currency": "U$"}
    supervisor = client_as(app, "supervisor")
    token = supervisor.environ_base["HTTP_AUTHORIZATION"].removeprefix("Bearer ")
    with caplog.at_level(logging.INFO, logger="number_inventory.access"):
        supervisor.post("/api/v1/numbers?x=1", json=secret_body, headers={"X-Request-ID": "log-1"})
    lines = [r for r in caplog.records if r.name == "number_inventory.access"]
    assert len(lines) == 1
    record = lines[0]
    assert record.http["method"] == "POST"  # type: ignore[attr-defined]
    assert record.http["path"] == "/api/v1/numbers"  # type: ignore[attr-defined]
    assert record.http["status"] == 201  # type: ignore[attr-defined]
    assert record.http["duration_ms"] >= 0  # type: ignore[attr-defined]
    assert record.request_id == "log-1"  # type: ignore[attr-defined]
    assert "5584912344321" not in caplog.text
    assert token not in caplog.text


def test_json_logs_are_one_object_per_line(settings: Settings, capfd: pytest.CaptureFixture[str]) -> None:
    app = create_app(Settings(database_url=settings.database_url, log_format="json"))
    app.test_client().get("/healthz", headers={"X-Request-ID": "json-1"})
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "number_inventory.access"]
    assert access == [
        {
            **access[0],
            "method": "GET",
            "path": "/healthz",
            "status": 200,
            "request_id": "json-1",
            "level": "INFO",
        }
    ]


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://localhost:3000", True),
        ("http://localhost:5173", True),
        ("http://127.0.0.1:8080", True),
        ("https://localhost:3000", False),  # another scheme is another origin
        ("http://localhost.evil.test:3000", False),
        ("http://127.0.0.1:3000.evil.test", False),
        ("http://localhost:", False),
    ],
)
def test_a_host_listed_with_any_port_allows_exactly_that_host(
    settings: Settings, origin: str, allowed: bool
) -> None:
    local = Settings(
        database_url=settings.database_url, cors_origins=("http://localhost:*", "http://127.0.0.1:*")
    )
    client = create_app(local).test_client()
    preflight = client.options(
        "/api/v1/numbers", headers={"Origin": origin, "Access-Control-Request-Method": "GET"}
    )
    assert (preflight.headers.get("Access-Control-Allow-Origin") == origin) is allowed


def test_a_browser_may_read_the_download_name_and_the_auth_challenge(cors_client: FlaskClient) -> None:
    response = cors_client.get("/api/v1/numbers", headers={"Origin": FRONTEND})
    exposed = {name.strip() for name in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"Content-Disposition", "WWW-Authenticate", "Link", "X-Total-Count", "Location"} <= exposed


def test_no_origin_is_allowed_unless_configured(settings: Settings) -> None:
    assert Settings.from_env({}).cors_origins == ()
