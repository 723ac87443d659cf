"""Logins that cannot be turned against their users, over HTTP: limits per client, exact under
concurrency; passwords that are not the first guesses; changing one's own; purging what is stale."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Engine, func, select

from src.infrastructure.tables import access_tokens, login_attempts
from tests.conftest import TEST_PASSWORD, at_once
from tests.integration.conftest import only_postgresql
from tests.integration.test_numbers_api import assert_problem

TOKENS = "/api/v1/auth/tokens"
ATTACKER, USERS_OWN = "203.0.113.9", "192.0.2.1"


def from_address(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def log_in(client: FlaskClient, email: str, password: str) -> Any:
    return client.post(TOKENS, json={"email": email, "password": password})


@pytest.fixture
def admin_email(admin_client: FlaskClient) -> str:
    email: str = admin_client.get("/api/v1/auth/me").json["email"]  # type: ignore[index]
    return email


def test_five_wrong_admin_passwords_from_one_client_do_not_lock_the_admin_out(
    app: Flask, admin_email: str
) -> None:
    attacker = from_address(app, ATTACKER)
    for _ in range(5):
        assert log_in(attacker, admin_email, "a wrong guess!").status_code == 401
    refused = assert_problem(log_in(attacker, admin_email, TEST_PASSWORD), 429)
    assert 0 < int(refused["detail"].split(" in ")[1].split()[0]) <= 15 * 60

    assert log_in(from_address(app, USERS_OWN), admin_email, TEST_PASSWORD).status_code == 201


def test_the_429_says_how_long_to_wait(app: Flask, admin_email: str) -> None:
    attacker = from_address(app, ATTACKER)
    for _ in range(5):
        log_in(attacker, admin_email, "a wrong guess!")
    refused = log_in(attacker, admin_email, "a wrong guess!")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60


@only_postgresql
def test_sixteen_concurrent_guesses_get_exactly_five_checked(app: Flask, admin_email: str) -> None:
    attackers = [from_address(app, ATTACKER) for _ in range(16)]
    responses = at_once(
        [lambda client=client: log_in(client, admin_email, "a wrong guess!") for client in attackers]
    )  # type: ignore[misc]
    assert Counter(response.status_code for response in responses) == {401: 5, 429: 11}


@pytest.mark.parametrize("password", [" " * 10, "1234567890", "password12", "qwertyuiop"])
def test_blank_and_common_passwords_are_refused(admin_client: FlaskClient, password: str) -> None:
    response = admin_client.post(
        "/api/v1/users", json={"email": "ana@example.com", "password": password, "role": "viewer"}
    )
    assert_problem(response, 422, "password")


def test_a_user_changes_their_password_and_every_other_token_stops_working(
    app: Flask, admin_client: FlaskClient
) -> None:
    admin_client.post(
        "/api/v1/users", json={"email": "ana@example.com", "password": TEST_PASSWORD, "role": "viewer"}
    )
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        token = log_in(device, "ana@example.com", TEST_PASSWORD).json["token"]
        device.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    wrong = laptop.put(
        "/api/v1/auth/me/password",
        json={"currentPassword": "not it at all", "newPassword": "a new long passphrase"},
    )
    assert_problem(wrong, 422, "currentPassword")
    weak = laptop.put(
        "/api/v1/auth/me/password", json={"currentPassword": TEST_PASSWORD, "newPassword": "password12"}
    )
    assert_problem(weak, 422, "newPassword")
    changed = laptop.put(
        "/api/v1/auth/me/password",
        json={"currentPassword": TEST_PASSWORD, "newPassword": "a new long passphrase"},
    )

    assert changed.status_code == 204
    assert laptop.get("/api/v1/auth/me").status_code == 200
    assert phone.get("/api/v1/auth/me").status_code == 401
    assert log_in(app.test_client(), "ana@example.com", TEST_PASSWORD).status_code == 401
    assert log_in(app.test_client(), "ana@example.com", "a new long passphrase").status_code == 201


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def test_flask_purge_deletes_revoked_tokens(
    app: Flask, runner: FlaskCliRunner, admin_client: FlaskClient, admin_email: str, engine: Engine
) -> None:
    client = app.test_client()
    token = log_in(client, admin_email, TEST_PASSWORD).json["token"]
    client.delete(f"{TOKENS}/current", headers={"Authorization": f"Bearer {token}"})
    log_in(client, admin_email, "a wrong guess!")
    tokens_before = count(engine, access_tokens)

    result = runner.invoke(args=["purge"])

    assert result.exit_code == 0, result.output
    assert "purged 1 tokens" in result.output
    assert count(engine, access_tokens) == tokens_before - 1
    assert count(engine, login_attempts) > 0  # windows still open are kept
    assert admin_client.get("/api/v1/auth/me").status_code == 200
