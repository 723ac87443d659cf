"""A reload (SIGHUP) or a stop (SIGTERM, what Docker sends) lets the request in flight finish.

How a request is held in flight without a slow path in the app: the client sends the headers and
only part of the body straight to one instance's HTTP socket. The worker that took it is then
inside the app, reading the body (uWSGI's stats server reports it busy), and stays so until the
client sends the rest, which it does only once uWSGI has logged that it is reloading or stopping
that very worker. Through nginx this cannot be done, by design: nginx reads the whole body before
it involves a worker.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.fixtures import start_app_servers
from tests.e2e.stack import AppServer, HalfSentRequest, call

NUMBER = {"value": "+12124001234", "monthyPrice": "0.03", "setupPrice": "3.40", "currency": "U$"}


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
    # Only once uWSGI has dealt with that very worker ("Gracefully killing worker N (pid: P)...",
    # or its death) is the rest of the body sent: sent sooner, it would prove nothing.
    spare_server.wait_for_log(f"(pid: {request.worker_pid})")
    status, body = request.finish()

    assert status == 201
    assert spare_server.wait(timeout=30) == 0
    reread = call("GET", f"{app_servers[0].http_url}/api/v1/numbers/{body['id']}", token=supervisor_token)
    assert reread.body == body
