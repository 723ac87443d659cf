"""The errors nginx answers itself are problems like the app's: no app server answering, a method
nginx never serves, headers too large to read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from src.web.http_policies import API_POLICY
from tests.e2e.fixtures import MAX_BODY_BYTES
from tests.e2e.stack import Nginx, Reply, call
from tests.integration.postgres_cluster import free_port

# The app's (src/web/http_policies.py), which nginx's own answers repeat.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": API_POLICY,
    "Cache-Control": "no-store",
}


def assert_nginx_problem(reply: Reply, status: int, request_id: str) -> None:
    """nginx's own answer, with the headers the app's problems carry."""
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert reply.headers["X-Request-ID"] == request_id
    for header, value in SECURITY_HEADERS.items():
        assert reply.headers[header] == value, header
    assert reply.body["type"] == "about:blank"
    assert reply.body["status"] == status
    assert reply.body["requestId"] == request_id
    assert reply.body["title"]
    assert reply.body["detail"]


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


def test_trace_and_connect_which_nginx_refuses_itself_are_405_problems(
    nginx_without_app_servers: Nginx,
) -> None:
    # No app server is needed: a 503 would mean the request went on to one.
    for method in ("TRACE", "CONNECT"):
        reply = call(
            method, f"{nginx_without_app_servers.url}/api/v1/changes", headers={"X-Request-ID": "trace-1"}
        )
        assert_nginx_problem(reply, 405, "trace-1")
        assert reply.body["title"] == "Method Not Allowed"
        # The methods a URL allows are the app's to list (OPTIONS, or its own 405); nginx names none.
        assert "Allow" not in reply.headers


def test_headers_over_nginx_buffers_are_a_431_problem(nginx_without_app_servers: Nginx) -> None:
    url = f"{nginx_without_app_servers.url}/api/v1/changes"
    one_long_line = {"X-Request-ID": "big-1", "X-Big": "a" * 9000}  # over one 8 KiB buffer
    many_lines = {"X-Request-ID": "big-2", **{f"X-Big-{n}": "a" * 7000 for n in range(6)}}  # over 4 of them
    for headers in (one_long_line, many_lines):
        reply = call("GET", url, headers=headers)
        assert_nginx_problem(reply, 431, headers["X-Request-ID"])
        assert reply.body["title"] == "Request Header Fields Too Large"


def test_a_method_nginx_lets_through_gets_the_apps_own_405_with_its_allow(nginx: Nginx) -> None:
    """error_page 405 is for nginx's own refusals: the app's 405, with the URL's Allow, passes as is."""
    reply = call("FOO", f"{nginx.url}/api/v1/changes", headers={"X-Request-ID": "foo-1"})
    assert reply.status == 405
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert reply.body["requestId"] == "foo-1"
    assert set(reply.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
