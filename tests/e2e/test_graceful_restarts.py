"""A reload (SIGHUP) or a stop (SIGTERM, what Docker sends) lets the request in flight finish.

How a request is held in flight without a slow path in the app: the client sends the headers and
only part of the body straight to one instance's HTTP socket. The worker that took it is then
inside the app, reading the body (uWSGI's stats server reports it busy), and stays so until the
client sends the rest, which it does only once uWSGI has logged that it is reloading or stopping
that very worker. Through nginx this cannot be done, by design: nginx reads the whole body before
it involves a worker.
"""

from __future__ import annotations

import json
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import start_app_servers
from tests.e2e.stack import AppServer, call

NUMBER = {"value": "+12124001234", "monthyPrice": "0.03", "setupPrice": "3.40", "currency": "U$"}


class HalfSentRequest:
    """A POST whose body is only partly sent, so that the server is mid-request."""

    def __init__(self, server: AppServer, body: dict[str, str], token: str) -> None:
        self.payload = json.dumps(body).encode()
        self.connection = socket.create_connection(("127.0.0.1", server.http_port), timeout=15)
        head = (
            "POST /api/v1/numbers HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(self.payload)}\r\nX-Request-ID: in-flight\r\nConnection: close\r\n"
            f"Authorization: Bearer {token}\r\n\r\n"
        )
        self.connection.sendall(head.encode() + self.payload[:10])
        self.worker_pid = self._wait_for_busy_worker(server)

    @staticmethod
    def _wait_for_busy_worker(server: AppServer) -> int:
        deadline = time.monotonic() + 5
        while not (busy := server.busy_worker_pids()):
            if time.monotonic() > deadline:
                raise server.failure("never started serving the half-sent request")
            time.sleep(0.02)
        return busy[0]

    def finish(self) -> tuple[int, dict[str, object]]:
        self.connection.sendall(self.payload[10:])
        response = b""
        while chunk := self.connection.recv(65536):
            response += chunk
        self.connection.close()
        assert response, "the server closed the connection without answering the request in flight"
        head, _, body = response.partition(b"\r\n\r\n")
        return int(head.split()[1]), json.loads(body)


@pytest.fixture
def spare_server(workdir: Path, e2e_database_url: str, app_servers: list[AppServer]) -> Iterator[AppServer]:
    """An instance of its own, since the test stops it (app_servers have migrated the database)."""
    (server,) = start_app_servers(workdir, e2e_database_url, ["uwsgi-spare"])
    yield server
    server.stop()


def test_a_request_in_flight_during_a_graceful_reload_completes(
    app_servers: list[AppServer], empty_inventory: str, supervisor_token: str
) -> None:
    server = app_servers[0]
    request = HalfSentRequest(server, NUMBER, supervisor_token)

    server.send(signal.SIGHUP)
    server.wait_for_log("...gracefully killing workers...")
    server.wait_for_log(f"(pid: {request.worker_pid})...")  # "Gracefully killing worker N (pid: P)..."
    status, body = request.finish()

    assert status == 201
    assert body["value"] == "+1 212-400-1234"
    server.wait_for_log("binary reloading uWSGI")
    server.wait_until_ready()
    assert request.worker_pid not in [worker["pid"] for worker in server.stats()["workers"]]
    assert call("GET", f"{server.http_url}/api/v1/numbers/{body['id']}", token=supervisor_token).body == body


def test_sigterm_lets_the_request_in_flight_finish_then_stops(
    spare_server: AppServer, app_servers: list[AppServer], empty_inventory: str, supervisor_token: str
) -> None:
    request = HalfSentRequest(spare_server, NUMBER, supervisor_token)

    spare_server.send(signal.SIGTERM)
    # uWSGI's log says it has acted on the signal, gracefully or not (without the hook in
    # uwsgi.ini, SIGTERM kills the workers and this request with them).
    spare_server.wait_for_log("graceful shutdown triggered", "killing workers")
    time.sleep(0.2)  # let a worker being killed die before the rest of the body is sent
    status, body = request.finish()

    assert status == 201
    assert spare_server.wait(timeout=30) == 0
    reread = call("GET", f"{app_servers[0].http_url}/api/v1/numbers/{body['id']}", token=supervisor_token)
    assert reread.body == body
