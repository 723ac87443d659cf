"""Hostile and broken input at the HTTP edge, through nginx: every answer is a 4xx (or nginx
closing a stalled connection), never a 5xx, and the inventory is byte for byte the same after
(checksum of every column of every row)."""

from __future__ import annotations

import json
import socket
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.e2e.fixtures import MAX_BODY_BYTES
from tests.e2e.stack import AppServer, Nginx, call
from tests.reliability.inventory_checks import inventory_state, new_number

NASTY_STRINGS = (
    "' OR '1'='1",
    "1; DROP TABLE numbers; --",
    "'); DELETE FROM numbers; --",
    "1 UNION SELECT password_hash FROM users --",
    '" OR ""="',
    "%27%20OR%201=1",
    "\x00",
    "abc\x00'; TRUNCATE numbers; --",
    "\r\nSet-Cookie: injected=1",
    "${jndi:ldap://127.0.0.1/a}",
    "<script>alert(1)</script>",
    "\U0001f600" * 3 + "\u202e",
    "A" * 5000,
)
NUMBER_FIELDS = ("value", "monthyPrice", "setupPrice", "currency", "id")
SLOW_CLIENTS = 20
NGINX_CLIENT_HEADER_TIMEOUT = 10  # deploy/nginx.conf


@dataclass(frozen=True)
class RawReply:
    status: int | None  # None: nginx closed the connection without an answer
    head: str
    body: bytes


def send_raw(nginx: Nginx, request: bytes, timeout: float = 15) -> RawReply:
    with socket.create_connection(("127.0.0.1", nginx.port), timeout=timeout) as connection:
        connection.sendall(request)
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    if not received:
        return RawReply(None, "", b"")
    head, _, body = received.partition(b"\r\n\r\n")
    return RawReply(int(head.split()[1]), head.decode("latin-1"), body)


def raw_request(method: str, target: str, token: str, body: bytes = b"", headers: str = "") -> bytes:
    return (
        f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{headers}\r\n"
    ).encode("latin-1") + body


def raw_get(target: bytes, token: bytes) -> bytes:
    """A GET whose target and token may hold any bytes at all."""
    return b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer %s\r\n\r\n" % (
        target,
        token,
    )


@pytest.fixture
def existing_ids(nginx: Nginx, empty_inventory: str, supervisor_token: str) -> Iterator[list[int]]:
    """Five numbers, and the promise that nothing about them changes during the test."""
    created = [
        call("POST", f"{nginx.url}/api/v1/numbers", new_number(index), token=supervisor_token)
        for index in range(5)
    ]
    assert [reply.status for reply in created] == [201] * 5, created
    ids = [reply.body["id"] for reply in created]
    before = inventory_state(empty_inventory)
    assert before.rows == 5
    yield ids
    assert inventory_state(empty_inventory) == before


def assert_client_errors(statuses: dict[str, int | None]) -> None:
    """Every answer a 4xx; shown whole when not, so that one run names every offender."""
    wrong = {what: status for what, status in statuses.items() if status is None or not 400 <= status < 500}
    assert wrong == {}


def test_oversized_headers_url_and_bodies_are_refused(
    nginx: Nginx, existing_ids: list[int], supervisor_token: str
) -> None:
    number_url = f"/api/v1/numbers/{existing_ids[0]}"
    big_body = json.dumps({**new_number(99), "pad": "x" * MAX_BODY_BYTES}).encode()
    statuses = {
        "one 20 KB header": send_raw(
            nginx, raw_request("GET", number_url, supervisor_token, headers=f"X-Filler: {'a' * 20_000}\r\n")
        ).status,
        "40 KB in 40 headers": send_raw(
            nginx,
            raw_request(
                "GET",
                number_url,
                supervisor_token,
                headers="".join(f"X-F{i}: {'b' * 1000}\r\n" for i in range(40)),
            ),
        ).status,
        "a 20 KB URL": send_raw(
            nginx, raw_request("GET", f"/api/v1/numbers?q={'c' * 20_000}", supervisor_token)
        ).status,
        "a body over the limit": send_raw(
            nginx, raw_request("POST", "/api/v1/numbers", supervisor_token, big_body)
        ).status,
        "a PATCH over the limit": send_raw(
            nginx, raw_request("PATCH", number_url, supervisor_token, big_body)
        ).status,
        "a Content-Length over the limit": send_raw(
            nginx,
            f"POST /api/v1/numbers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {10**12}\r\n\r\n{{".encode(),
        ).status,
    }
    assert_client_errors(statuses)
    assert statuses["a body over the limit"] == 413
    assert statuses["a PATCH over the limit"] == 413
    # Just under nginx's limits (4 buffers of 8 KB) the request is served: uWSGI's buffer holds it.
    under_the_limit = "".join(f"X-F{i}: {'b' * 900}\r\n" for i in range(28))
    assert (
        send_raw(nginx, raw_request("GET", number_url, supervisor_token, headers=under_the_limit)).status
        == 200
    )


def test_invalid_utf8_deep_nesting_and_huge_numbers_are_refused(
    nginx: Nginx, existing_ids: list[int], supervisor_token: str
) -> None:
    number_url = f"/api/v1/numbers/{existing_ids[0]}"
    valid = json.dumps(new_number(0))  # as a create, a duplicate of a stored number: 409 at best
    bodies = {
        "invalid UTF-8 in a string": valid.encode().replace(b"+1646", b"+1646\xff\xfe"),
        "invalid UTF-8 outside strings": b"\xff" + valid.encode(),
        "a lone surrogate": valid.replace('"U$"', '"\\ud800"').encode(),
        "100000 nested arrays": b"[" * 100_000 + b"]" * 100_000,
        "50000 nested objects in a field": b'{"value": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_001,
        "1e999999": valid.replace('"0.03"', "1e999999").encode(),
        "-1e-999999": valid.replace('"0.03"', "-1e-999999").encode(),
        "100000 digits": valid.replace('"0.03"', "9" * 100_000).encode(),
        "a huge id": valid.replace("{", '{"id": 1e999999, ', 1).encode(),
        "an id past 32 bits": valid.replace("{", '{"id": 99999999999999999999, ', 1).encode(),
        "NaN": valid.replace('"0.03"', "NaN").encode(),
        "a price as a 2000-digit string": valid.replace('"0.03"', '"' + "9" * 2000 + '"').encode(),
        "a duplicate key": valid.replace("}", ', "value": "x"}').encode(),  # the last one counts
        "not an object": b'"just a string"',
        "empty": b"",
    }
    statuses: dict[str, int | None] = {}
    for what, body in bodies.items():
        statuses[f"POST {what}"] = send_raw(
            nginx, raw_request("POST", "/api/v1/numbers", supervisor_token, body)
        ).status
        statuses[f"PUT {what}"] = send_raw(
            nginx, raw_request("PUT", number_url, supervisor_token, body)
        ).status
        statuses[f"PATCH {what}"] = send_raw(
            nginx, raw_request("PATCH", number_url, supervisor_token, body)
        ).status
    for what, target in {
        "invalid UTF-8 in the path": b"/api/v1/numbers/\xff\xfe",
        "invalid UTF-8 in the query": b"/api/v1/numbers?page=%ff%fe&per_page=\xff",
        "a page of 1e999999": b"/api/v1/numbers?page=1e999999",
        "a page past 64 bits": b"/api/v1/numbers?page=99999999999999999999999",
        "a per_page past 64 bits": b"/api/v1/numbers?per_page=99999999999999999999999",
        "an id past 64 bits": b"/api/v1/numbers/99999999999999999999999",
        "a negative id": b"/api/v1/numbers/-1",
    }.items():
        statuses[what] = send_raw(nginx, raw_get(target, supervisor_token.encode())).status
    statuses["invalid UTF-8 in the token"] = send_raw(nginx, raw_get(b"/api/v1/numbers", b"\xff\xfe")).status
    assert_client_errors(statuses)
    # The deepest page there is answers, empty: a large offset is not an error.
    last = call("GET", f"{nginx.url}/api/v1/numbers?page={2**31 - 1}&per_page=100", token=supervisor_token)
    assert (last.status, last.body) == (200, [])


def test_injection_strings_in_every_field_parameter_and_header_are_inert(
    nginx: Nginx, existing_ids: list[int], supervisor_token: str
) -> None:
    number_url = f"{nginx.url}/api/v1/numbers/{existing_ids[0]}"
    statuses: dict[str, int | None] = {}
    for nasty in NASTY_STRINGS:
        label = repr(nasty[:30])
        for field in NUMBER_FIELDS:
            body = {**new_number(0), field: nasty}  # else a duplicate: nothing may be created
            statuses[f"POST {field}={label}"] = call(
                "POST", f"{nginx.url}/api/v1/numbers", body, token=supervisor_token
            ).status
            statuses[f"PUT {field}={label}"] = call("PUT", number_url, body, token=supervisor_token).status
            statuses[f"PATCH {field}={label}"] = call(
                "PATCH", number_url, {field: nasty}, token=supervisor_token
            ).status
        statuses[f"unknown field {label}"] = call(
            "PATCH", number_url, {nasty: "1"}, token=supervisor_token
        ).status
        quoted = urllib.parse.quote(nasty, safe="")
        for param in ("page", "per_page"):
            statuses[f"?{param}={label}"] = call(
                "GET", f"{nginx.url}/api/v1/numbers?{param}={quoted}", token=supervisor_token
            ).status
        statuses[f"id {label}"] = call(
            "GET", f"{nginx.url}/api/v1/numbers/{quoted}", token=supervisor_token
        ).status
        statuses[f"DELETE id {label}"] = call(
            "DELETE", f"{nginx.url}/api/v1/numbers/{quoted}", token=supervisor_token
        ).status
        statuses[f"login email {label}"] = call(
            "POST", f"{nginx.url}/api/v1/auth/tokens", {"email": nasty, "password": "x"}
        ).status
        statuses[f"login password {label}"] = call(
            "POST", f"{nginx.url}/api/v1/auth/tokens", {"email": "nobody@example.com", "password": nasty}
        ).status
        header_safe = (
            nasty.encode("latin-1", "replace")
            .decode("latin-1")
            .replace("\r", "")
            .replace("\n", "")
            .replace("\x00", "")
        )
        for header in ("If-Match", "Idempotency-Key"):
            if header_safe:
                statuses[f"{header}: {label}"] = call(
                    "PATCH", number_url, {"setupPrice": "-1"}, {header: header_safe}, token=supervisor_token
                ).status
        statuses[f"token {label}"] = call("GET", number_url, token=header_safe or "x").status
    # None of these may answer 200, reads included: each carries a malformed value, an unknown
    # field, or a token that is no token.
    assert_client_errors(statuses)
    # A nasty extra parameter, or a nasty value of a known one, is named in a 422 problem body and
    # never reaches a header (the Link URLs echo only parameters that were accepted).
    for query in ("x=%0D%0ASet-Cookie:%20a=1", "%0D%0ASet-Cookie:%20a=1=1", "q=%0D%0ASet-Cookie:%20a=1"):
        listed = call("GET", f"{nginx.url}/api/v1/numbers?{query}", token=supervisor_token)
        assert listed.status == 422, query
        assert "Set-Cookie" not in listed.headers
        assert "Link" not in listed.headers


def test_header_injection_through_raw_bytes_sets_nothing(
    nginx: Nginx, existing_ids: list[int], supervisor_token: str
) -> None:
    number = f"/api/v1/numbers/{existing_ids[0]}"
    replies = {
        "CRLF in the path": send_raw(
            nginx, raw_request("GET", number + "%0D%0ASet-Cookie:%20a=1", supervisor_token)
        ),
        "a request id that smuggles a header": send_raw(
            nginx,
            raw_request("GET", number, supervisor_token, headers="X-Request-ID: a\rSet-Cookie: b=1\r\n"),
        ),
        "a bare LF in a header": send_raw(
            nginx,
            raw_request("GET", number, supervisor_token, headers="X-Request-ID: a\nSet-Cookie: b=1\r\n"),
        ),
        "a request id with a NUL": send_raw(
            nginx, raw_request("GET", number, supervisor_token, headers="X-Request-ID: a\x00b\r\n")
        ),
        "two Content-Lengths": send_raw(
            nginx,
            raw_request(
                "PATCH", number, supervisor_token, b'{"setupPrice": "9.99"}', "Content-Length: 5\r\n"
            ),
        ),
        "Transfer-Encoding with Content-Length": send_raw(
            nginx,
            raw_request(
                "PATCH", number, supervisor_token, b'{"setupPrice": "9.99"}', "Transfer-Encoding: chunked\r\n"
            ),
        ),
    }
    for what, reply in replies.items():
        assert "set-cookie" not in reply.head.lower(), what
    # A smuggled header may be answered as a 200 read (nginx drops the bad line): never a 5xx.
    assert all(reply.status is None or reply.status < 500 for reply in replies.values())
    assert replies["CRLF in the path"].status == 404
    assert replies["two Content-Lengths"].status == 400


def every_worker_idle_soon(app_servers: list[AppServer]) -> bool:
    """No uWSGI worker busy within a second: a worker that just answered may still be logging,
    but one held by a stalled client would stay busy."""
    deadline = time.monotonic() + 1
    while any(server.busy_worker_pids() for server in app_servers):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_slow_clients_hold_no_worker_and_are_dropped(
    nginx: Nginx, app_servers: list[AppServer], existing_ids: list[int], supervisor_token: str
) -> None:
    """Slowloris, bounded: SLOW_CLIENTS connections dribble their headers, as many stall in their
    bodies. nginx holds them all, no uWSGI worker is busy, others are served meanwhile, and the
    dribblers are cut off after nginx's client_header_timeout."""
    dribblers = [socket.create_connection(("127.0.0.1", nginx.port), timeout=30) for _ in range(SLOW_CLIENTS)]
    stallers = [socket.create_connection(("127.0.0.1", nginx.port), timeout=30) for _ in range(SLOW_CLIENTS)]
    try:
        for connection in dribblers:
            connection.sendall(b"GET /api/v1/numbers HTTP/1.1\r\nHost: x\r\n")
        for connection in stallers:
            connection.sendall(
                raw_request(
                    "PATCH", f"/api/v1/numbers/{existing_ids[0]}", supervisor_token, b'{"setupPrice": "9.99"}'
                )[:-5]
            )
        started = time.monotonic()
        served = []
        while time.monotonic() - started < 2:
            for connection in dribblers:
                connection.sendall(b"X-a: b\r\n")
            assert every_worker_idle_soon(app_servers)
            served.append(
                call("GET", f"{nginx.url}/api/v1/numbers/{existing_ids[1]}", token=supervisor_token).status
            )
            time.sleep(0.5)  # the dribblers' pace (the attack itself), not a wait for something
        assert set(served) == {200}

        def dropped(connection: socket.socket) -> bytes:
            received = b""
            try:
                while chunk := connection.recv(65536):
                    received += chunk
            except (ConnectionResetError, TimeoutError):
                pass
            return received

        with ThreadPoolExecutor(SLOW_CLIENTS) as pool:
            answers = list(pool.map(dropped, dribblers))
        assert time.monotonic() - started < NGINX_CLIENT_HEADER_TIMEOUT + 10
        # nginx closes a connection whose headers never ended (a 408 in its log) without an answer.
        assert all(answer == b"" or answer.startswith(b"HTTP/1.1 408") for answer in answers)
    finally:
        for connection in dribblers + stallers:
            connection.close()
