"""Slow bodies through nginx, as an attacker sends them: many connections from one address, each
trickling a request body a byte at a time or stalling mid-body. nginx caps how many one address
holds (the next is a 429 problem at once), closes one that stops sending, and buffers every body
itself, so no uWSGI worker waits on a trickle and the API stays fast for everyone else."""

from __future__ import annotations

import http.client
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.fixtures import MAX_BODY_BYTES
from tests.e2e.stack import TEST_LIMITS, AppServer, Nginx

CONNECTIONS_PER_CLIENT = 20
CLIENT_BODY_TIMEOUT_SECONDS = 10  # deploy/nginx.conf
TRICKLE_INTERVAL_SECONDS = 1.0
ANOTHER_CLIENT = "127.0.0.2"  # the loopback network is all of 127/8: a second address to come from


@pytest.fixture
def capped_nginx(workdir: Path, app_servers: list[AppServer]) -> Iterator[Nginx]:
    """A connection cap of 20 per address (production's is 50), over HTTP; rates it cannot reach,
    so that a 429 here can only be the cap's."""
    limits = {
        **TEST_LIMITS,
        "CONNECTIONS_PER_CLIENT": str(CONNECTIONS_PER_CLIENT),
        "HTTP_TO_HTTPS": "off",
    }
    proxy = Nginx(workdir, app_servers, MAX_BODY_BYTES, limits)
    try:
        proxy.start()
        yield proxy
    finally:
        proxy.stop()


class Trickler:
    """A POST whose 1,000-byte body comes one byte per `trickle()` call."""

    def __init__(self, nginx: Nginx) -> None:
        self.connection = socket.create_connection(("127.0.0.1", nginx.port), timeout=5)
        self.connection.sendall(
            b"POST /api/v1/numbers HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{"
        )

    def trickle(self) -> None:
        self.connection.sendall(b" ")

    def heard(self) -> bytes | None:
        """What nginx has sent back so far (b"" once it closed), None if nothing yet."""
        readable, _, _ = select.select([self.connection], [], [], 0)
        return self.connection.recv(200, socket.MSG_PEEK) if readable else None

    def close(self) -> None:
        self.connection.close()


def get(
    nginx: Nginx, path: str, source: str = "127.0.0.1", token: str | None = None
) -> tuple[int, dict[str, str], float]:
    """Status, headers and seconds taken of one GET from `source`, on a connection of its own."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", nginx.port, timeout=10, source_address=(source, 0))
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
        response = connection.getresponse()
        response.read()
        return response.status, dict(response.getheaders()), time.perf_counter() - started
    finally:
        connection.close()


def never_refused(answer: tuple[int, dict[str, str], float], tricklers: list[Trickler], nginx: Nginx) -> str:
    warnings = [line for line in nginx.log().splitlines() if not line.startswith("{")]  # not access lines
    return (
        f"the 21st connection was never refused: {answer}; the tricklers heard "
        f"{[trickler.heard() for trickler in tricklers]}; nginx's warnings and errors:\n"
        + "\n".join(warnings)[-3000:]
    )


def closed_by_server(connection: socket.socket, timeout: float) -> float | None:
    """Seconds until the server closed (or reset, or answered and closed) the connection; None if
    it was still open after `timeout`."""
    started = time.monotonic()
    connection.settimeout(timeout)
    try:
        while connection.recv(65536):
            pass
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - started


def assert_no_worker_stays_busy(app_servers: list[AppServer], within_seconds: float = 2) -> None:
    """Every uWSGI worker is idle at some moment within the time given (one may be finishing an
    answer of a moment ago; one waiting on a trickled body would stay busy)."""
    deadline = time.monotonic() + within_seconds
    while busy := [pid for server in app_servers for pid in server.busy_worker_pids()]:
        assert time.monotonic() < deadline, f"uWSGI workers {busy} stayed busy"
        time.sleep(0.05)


def test_tricklers_from_one_address_are_capped_a_stalled_one_closed_and_the_api_stays_fast(
    capped_nginx: Nginx, app_servers: list[AppServer], supervisor_token: str
) -> None:
    tricklers = [Trickler(capped_nginx) for _ in range(CONNECTIONS_PER_CLIENT)]
    try:
        # The cap: once nginx holds the 20 requests, a 21st connection from that address is a 429
        # problem at once (nginx counts a request when its headers are read: wait for that).
        # While they are being counted, a probe in flight holds a place too, and a trickler read
        # at that moment is itself the one over the cap: it goes in again.
        deadline = time.monotonic() + 10
        while (refused := get(capped_nginx, "/healthz"))[0] != 429:
            assert time.monotonic() < deadline, never_refused(refused, tricklers, capped_nginx)
            for index, trickler in enumerate(tricklers):
                if (heard := trickler.heard()) is None:
                    trickler.trickle()
                    continue
                assert heard.startswith(b"HTTP/1.1 429 "), heard
                trickler.close()
                tricklers[index] = Trickler(capped_nginx)
            time.sleep(0.05)
        status, headers, seconds = refused
        assert headers["Content-Type"] == "application/problem+json"
        assert int(headers["Retry-After"]) >= 1
        assert seconds < 1

        # Meanwhile: no uWSGI worker waits on a trickle (nginx holds the bodies), and another
        # client gets its answers as fast as ever.
        assert_no_worker_stays_busy(app_servers)
        status, _, seconds = get(capped_nginx, "/api/v1/numbers", ANOTHER_CLIENT, supervisor_token)
        assert (status, seconds < 2) == (200, True), (status, seconds)

        # One stalls; the rest keep trickling. nginx closes the stalled one after
        # client_body_timeout without a byte, and the slot it held takes a new connection.
        stalled, trickling = tricklers[0], tricklers[1:]
        started = time.monotonic()
        closed_after = None
        while closed_after is None:
            assert time.monotonic() - started < CLIENT_BODY_TIMEOUT_SECONDS + 5, (
                "the stalled body was never cut"
            )
            for trickler in trickling:
                trickler.trickle()
            closed_after = closed_by_server(stalled.connection, TRICKLE_INTERVAL_SECONDS)
        elapsed = time.monotonic() - started
        assert CLIENT_BODY_TIMEOUT_SECONDS - 2 < elapsed < CLIENT_BODY_TIMEOUT_SECONDS + 5, elapsed
        assert get(capped_nginx, "/healthz")[0] == 200
        assert_no_worker_stays_busy(app_servers)
    finally:
        for trickler in tricklers:
            trickler.close()
