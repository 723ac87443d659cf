"""The edge as an attacker meets it: a raw uwsgi packet sent straight to an app server's socket
(from where the database or the job worker stands, bypassing nginx) cannot make uWSGI load code;
nginx with production's limits answers floods, bad requests and foreign hosts itself."""

from __future__ import annotations

import http.client
import importlib.util
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

import pytest

from tests.e2e.fixtures import MAX_BODY_BYTES
from tests.e2e.stack import PRODUCTION_LIMITS, SUITE_TLS, AppServer, Nginx, Reply, call


def _uwsgi_probe() -> ModuleType:
    """The probe the container proof pipes into containers (a script, not a package): one
    encoder of uwsgi packets for both."""
    path = Path(__file__).resolve().parents[2] / "scripts" / "containers" / "uwsgi_probe.py"
    spec = importlib.util.spec_from_file_location("uwsgi_probe", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


uwsgi_probe = _uwsgi_probe()


def send_raw(address: str, packet: bytes) -> bytes:
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(packet)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_a_uwsgi_packet_naming_a_file_to_load_runs_nothing(
    app_servers: list[AppServer], tmp_path: Path
) -> None:
    marker = tmp_path / "the attacker's app ran"
    attacker_app = tmp_path / "attacker_app.py"
    attacker_app.write_text(
        "import pathlib\n"
        f"pathlib.Path({str(marker)!r}).touch()\n"
        "def application(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'attacker app']\n"
    )
    server = app_servers[0]
    for variables in (
        {"UWSGI_FILE": str(attacker_app), "SCRIPT_NAME": "/x"},
        {"UWSGI_FILE": str(attacker_app)},
        {"UWSGI_SCRIPT": "attacker_app", "UWSGI_CHDIR": str(tmp_path), "SCRIPT_NAME": "/y"},
    ):
        packet = uwsgi_probe.uwsgi_packet({**uwsgi_probe.HEALTH_CHECK_VARIABLES, **variables})
        answer = send_raw(server.socket_address, packet)
        assert b"attacker app" not in answer, answer[:200]
    assert not marker.exists(), "uWSGI loaded and ran a file a raw packet named"
    assert server.running()


@pytest.fixture
def production_nginx(workdir: Path, app_servers: list[AppServer]) -> Iterator[Nginx]:
    """nginx in front of the suite's app servers as in production: its rate limits, HTTP
    redirected to HTTPS (with the suite's throwaway certificate)."""
    proxy = Nginx(workdir, app_servers, MAX_BODY_BYTES, {**PRODUCTION_LIMITS, "HTTP_TO_HTTPS": "on"})
    try:
        proxy.start()
        yield proxy
    finally:
        proxy.stop()


SECURITY_HEADERS = ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Content-Security-Policy")


def assert_nginx_problem(reply: Reply, status: int) -> None:
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert reply.body["status"] == status  # type: ignore[index]
    for header in SECURITY_HEADERS:
        assert header in reply.headers, header


def test_thirty_rapid_logins_from_one_client_get_429_while_the_rest_stays_fast(
    production_nginx: Nginx, admin_token: str
) -> None:
    login = {"email": "nobody@e2e.example", "password": "a wrong guess!"}
    with ThreadPoolExecutor(max_workers=10) as pool:
        replies = list(
            pool.map(
                lambda _: call("POST", f"{production_nginx.https_url}/api/v1/auth/tokens", login), range(30)
            )
        )
    refused = [reply for reply in replies if reply.status == 429]
    assert len(refused) >= 30 - 1 - 5  # the rate's first and the burst's five reach the app
    assert_nginx_problem(refused[0], 429)
    assert int(refused[0].headers["Retry-After"]) >= 1

    started = time.perf_counter()
    listed = call("GET", f"{production_nginx.https_url}/api/v1/numbers", token=admin_token)
    assert listed.status == 200
    assert time.perf_counter() - started < 2


def test_nginx_answers_a_bad_request_and_an_overlong_url_as_problems_with_security_headers(
    production_nginx: Nginx,
) -> None:
    assert_nginx_problem(call("GET", f"{production_nginx.https_url}/api/v1/numbers?q={'9' * 9000}"), 414)
    host, port = production_nginx.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nBroken header line\r\n\r\n")
        answer = connection.recv(65536).decode(errors="replace")
    head, _, body = answer.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 400")
    assert "Content-Type: application/problem+json" in head
    assert all(f"{header}:" in head for header in SECURITY_HEADERS)
    assert '"status":400' in body


def test_through_nginx_a_foreign_host_is_a_400_and_the_forwarded_port_is_not_the_clients(
    production_nginx: Nginx, supervisor_token: str
) -> None:
    connection = http.client.HTTPSConnection(
        "127.0.0.1", production_nginx.tls_port, timeout=10, context=SUITE_TLS
    )
    connection.request(
        "GET",
        "/api/v1/numbers",
        headers={"Host": "evil.example", "Authorization": f"Bearer {supervisor_token}"},
    )
    refused = connection.getresponse()
    assert refused.status == 400
    assert "evil.example" not in (refused.getheader("Link") or "")
    connection.close()

    listed = call(
        "GET",
        f"{production_nginx.https_url}/api/v1/numbers",
        headers={"X-Forwarded-Port": "6666"},
        token=supervisor_token,
    )
    assert listed.status == 200
    assert ":6666" not in listed.headers["Link"]
    assert f"{production_nginx.https_url}/api/v1/numbers" in listed.headers["Link"]


def test_https_works_with_hsts_and_plain_http_is_redirected_to_it(
    production_nginx: Nginx, supervisor_token: str
) -> None:
    over_tls = call("GET", f"{production_nginx.https_url}/api/v1/numbers", token=supervisor_token)
    assert over_tls.status == 200
    assert over_tls.headers["Strict-Transport-Security"].startswith("max-age=")
    created = call(
        "POST",
        f"{production_nginx.https_url}/api/v1/numbers",
        {"value": "+12125550199", "monthyPrice": "1", "setupPrice": "2", "currency": "U$"},
        token=supervisor_token,
    )
    assert created.status == 201, created.body
    assert created.headers["Location"].startswith(f"{production_nginx.https_url}/api/v1/numbers/")
    call("DELETE", created.headers["Location"], token=supervisor_token)

    redirected = call("GET", f"{production_nginx.url}/api/v1/numbers?page=2", follow_redirects=False)
    assert redirected.status == 308
    assert redirected.headers["Location"] == f"{production_nginx.https_url}/api/v1/numbers?page=2"
    assert "Strict-Transport-Security" not in redirected.headers
    assert call("GET", f"{production_nginx.url}/healthz").status == 200  # health checks stay on HTTP
