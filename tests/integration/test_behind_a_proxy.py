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
    app = create_app(replace(settings, trust_proxy_headers=1, allowed_hosts=("inventory.example.com",)))
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


@pytest.mark.parametrize(
    "headers", [{"Host": "evil.example"}, {**FORWARDED, "X-Forwarded-Host": "evil.example"}]
)
def test_a_host_not_allowed_is_a_400_and_never_reaches_a_url(
    settings: Settings, headers: dict[str, str]
) -> None:
    app = create_app(replace(settings, trust_proxy_headers=1, allowed_hosts=("inventory.example.com",)))
    try:
        client = client_as(app, "supervisor")
        refused = client.post("/api/v1/numbers", json=NUMBER, headers=headers)
        assert refused.status_code == 400
        assert refused.mimetype == "application/problem+json"
        assert "evil.example" not in refused.headers.get("Location", "")
        assert (
            client.get(
                "/api/v1/numbers", headers={**FORWARDED, "X-Forwarded-Host": "evil.example"}
            ).status_code
            == 400
        )
    finally:
        with app.app_context():
            inventory().dispose()


def test_allowed_hosts_default_to_a_developers_machine_and_are_read_from_the_environment() -> None:
    assert Settings.from_env({}).allowed_hosts == ("localhost", "127.0.0.1", "[::1]")
    assert Settings.from_env({"ALLOWED_HOSTS": "API.example.com, .example.org"}).allowed_hosts == (
        "api.example.com",
        ".example.org",
    )
