"""The errors nginx answers itself are problems like the app's: here, no app server answering."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.fixtures import MAX_BODY_BYTES
from tests.e2e.stack import Nginx, call
from tests.integration.postgres_cluster import free_port


@dataclass(frozen=True)
class NobodyListening:
    """An upstream address where no app server runs."""

    socket_address: str


@pytest.fixture
def nginx_without_app_servers(workdir: Path) -> Iterator[Nginx]:
    proxy = Nginx(workdir, [NobodyListening(f"127.0.0.1:{free_port()}")], MAX_BODY_BYTES)  # type: ignore[list-item]
    try:
        proxy.start_listening()
        yield proxy
    finally:
        proxy.stop()


def test_with_no_app_server_answering_nginx_says_503_problem_with_retry_after(
    nginx_without_app_servers: Nginx,
) -> None:
    for method, path in (("GET", "/api/v1/numbers"), ("POST", "/api/v1/numbers"), ("GET", "/healthz")):
        reply = call(method, f"{nginx_without_app_servers.url}{path}", headers={"X-Request-ID": "no-app-1"})
        assert reply.status == 503
        assert reply.headers["Content-Type"] == "application/problem+json"
        assert reply.headers["Retry-After"] == "5"
        assert reply.headers["X-Request-ID"] == "no-app-1"
        assert reply.body == {
            "type": "about:blank",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "no app server is answering; try again shortly",
            "requestId": "no-app-1",
        }
