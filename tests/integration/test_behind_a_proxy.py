"""Behind nginx (TRUST_PROXY_HEADERS=1) the URLs the API gives out use the client's host and scheme."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask.testing import FlaskClient

from src.bootstrap import create_app
from src.infrastructure.settings import Settings, SettingsError
from src.web.inventory import inventory
from tests.conftest import client_as

NUMBER = {"value": "+5584912344321", "monthyPrice": "0.03", "setupPrice": "3.40", "currency": "U$"}
FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "inventory.example.com:8443"}


def test_behind_a_trusted_proxy_location_and_links_use_the_forwarded_host_and_scheme(
    settings: Settings,
) -> None:
    app = create_app(replace(settings, trust_proxy_headers=1))
    try:
        client = client_as(app, "supervisor")
        created = client.post("/api/v1/numbers", json=NUMBER, headers=FORWARDED)
        assert (
            created.headers["Location"]
            == f"https://inventory.example.com:8443/api/v1/numbers/{created.json['id']}"
        )  # type: ignore[index]
        links = client.get("/api/v1/numbers", headers=FORWARDED).headers["Link"]
        assert links.startswith("<https://inventory.example.com:8443/api/v1/numbers?page=1")
    finally:
        with app.app_context():
            inventory().dispose()


def test_with_no_trusted_proxy_forwarded_headers_are_ignored(client: FlaskClient) -> None:
    created = client.post("/api/v1/numbers", json=NUMBER, headers=FORWARDED)
    assert created.headers["Location"].startswith("http://localhost/api/v1/numbers/")


def test_trust_proxy_headers_is_read_from_the_environment() -> None:
    assert Settings.from_env({}).trust_proxy_headers == 0
    assert Settings.from_env({"TRUST_PROXY_HEADERS": "1"}).trust_proxy_headers == 1
    with pytest.raises(SettingsError, match="TRUST_PROXY_HEADERS"):
        Settings.from_env({"TRUST_PROXY_HEADERS": "-1"})
