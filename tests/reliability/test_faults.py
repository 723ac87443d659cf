"""Faults under load: the database goes away and comes back, a uWSGI worker is killed mid-request.

Every test asserts on the rows afterwards: a write acknowledged with a 2xx is there, a request cut
short left nothing half-written. The database is the suite's own cluster (conftest.py), stopped
and started again on the same port and data directory, with the app servers left running.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import urllib.error
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Connection, text

from tests.e2e.stack import AppServer, HalfSentRequest, Nginx, Reply, call
from tests.integration.postgres_cluster import PostgresCluster
from tests.reliability.inventory_checks import database, new_number, stored_numbers

# Bounds, not speed targets: connect timeout 3 s + pool timeout 5 s, with room for a busy machine.
LONGEST_ANSWER_SECONDS = 12
RECOVERY_SECONDS = 20


@dataclass
class LoadRecord:
    """What the clients saw: every status, every acknowledged create, the slowest answer."""

    statuses: Counter[int] = field(default_factory=Counter)
    acknowledged: dict[str, int] = field(default_factory=dict)
    bad_unavailable_answers: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    slowest: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, reply: Reply, seconds: float) -> None:
        with self.lock:
            self.statuses[reply.status] += 1
            self.slowest = max(self.slowest, seconds)
            if reply.status == 503 and not (
                reply.headers.get("Content-Type") == "application/problem+json"
                and reply.headers.get("Retry-After")
                and reply.body["status"] == 503
            ):
                self.bad_unavailable_answers.append(f"{reply.headers} {reply.body}")


def run_load(nginx: Nginx, token: str, record: LoadRecord, stop: threading.Event, worker: int) -> None:
    index = worker * 100_000
    while not stop.is_set():
        index += 1
        number = new_number(index)
        for method, url, body in (
            ("POST", f"{nginx.url}/api/v1/numbers", number),
            ("GET", f"{nginx.url}/api/v1/numbers?per_page=50", None),
        ):
            started = time.monotonic()
            try:
                reply = call(method, url, body, token=token)
            except (urllib.error.URLError, OSError) as error:  # no answer at all: never acceptable
                with record.lock:
                    record.failures.append(f"{method} {url}: {error!r}")
                continue
            record.note(reply, time.monotonic() - started)
            if method == "POST" and reply.status == 201:
                with record.lock:
                    record.acknowledged[number["value"]] = reply.body["id"]


def wait_until_ready(nginx: Nginx) -> float:
    started = time.monotonic()
    while call("GET", f"{nginx.url}/readyz").status != 200:
        if time.monotonic() - started > RECOVERY_SECONDS:
            pytest.fail(f"the service did not recover within {RECOVERY_SECONDS} s of the database's return")
        time.sleep(0.2)
    return time.monotonic() - started


def counts(record: LoadRecord) -> dict[int, int]:
    with record.lock:
        return dict(record.statuses)


def wait_for_answers(record: LoadRecord, statuses: set[int], after: dict[int, int] | None = None) -> None:
    """Until the clients have had at least one more answer of each status (more than `after`
    counted); failing the test after RECOVERY_SECONDS."""
    seen_before = after or {}
    deadline = time.monotonic() + RECOVERY_SECONDS
    while True:
        with record.lock:
            missing = {status for status in statuses if record.statuses[status] <= seen_before.get(status, 0)}
        if not missing:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"no answer {sorted(missing)} within {RECOVERY_SECONDS} s: {dict(record.statuses)}")
        time.sleep(0.05)


def test_a_database_outage_answers_503_and_loses_no_acknowledged_write(
    postgres: PostgresCluster,
    nginx: Nginx,
    app_servers: list[AppServer],
    empty_inventory: str,
    supervisor_token: str,
) -> None:
    masters = [server.pid for server in app_servers]
    before, during, after = LoadRecord(), LoadRecord(), LoadRecord()

    # Each phase lasts until its clients have seen what it is about: reads and creates served
    # (before), the outage answered (during), reads and creates served again (after).
    phases = (
        (before, None, {200, 201}),
        (during, postgres.stop_server, {503}),
        (after, postgres.start_server, {200, 201}),
    )
    for phase, (record, action, awaited) in enumerate(phases):
        stop = threading.Event()
        with ThreadPoolExecutor(4) as pool:
            for worker in range(4):
                pool.submit(run_load, nginx, supervisor_token, record, stop, 4 * phase + worker)
            wait_for_answers(record, {200, 201} if action is None else {200, 201, 503} - awaited)
            if action is not None:
                action()
            if action == postgres.start_server:
                wait_until_ready(nginx)
            wait_for_answers(record, awaited, after=counts(record))
            stop.set()

    everything = [before, during, after]
    assert [record.failures for record in everything] == [[], [], []]
    assert set(before.statuses) == {200, 201}
    assert 503 in during.statuses, "the outage was never seen"
    assert set(during.statuses) <= {200, 201, 503}  # 2xx: answered before the server was down
    assert set(after.statuses) <= {200, 201, 503}
    assert after.statuses[201] > 0, "the service did not recover"
    assert after.statuses[200] > 0, "the service did not recover"
    assert [record.bad_unavailable_answers for record in everything] == [[], [], []]
    assert max(record.slowest for record in everything) < LONGEST_ANSWER_SECONDS
    # Recovered without a restart: the same uWSGI masters serve.
    assert [server.pid for server in app_servers] == masters
    assert all(server.running() for server in app_servers)
    stored = stored_numbers(empty_inventory)
    for record in everything:
        assert set(record.acknowledged) <= set(stored)
    with database(empty_inventory) as connection:
        ids = {row.e164: row.id for row in connection.execute(text("SELECT e164, id FROM numbers"))}
    for record in everything:
        assert all(ids[value] == number_id for value, number_id in record.acknowledged.items())


def respawned(server: AppServer, killed_pid: int) -> None:
    """The master replaced the killed worker, and every worker has loaded the app again."""
    server.wait_for_log(f"(pid: {killed_pid}) died, killed by signal 9")
    deadline = time.monotonic() + RECOVERY_SECONDS
    while True:
        workers = server.stats()["workers"]
        if killed_pid not in [worker["pid"] for worker in workers] and all(
            worker["apps"] for worker in workers
        ):
            break
        if time.monotonic() > deadline:
            pytest.fail(f"{server.name} did not respawn the killed worker: {workers}")
        time.sleep(0.1)
    assert server.running()


def test_a_worker_killed_while_reading_the_body_leaves_nothing(
    app_servers: list[AppServer], empty_inventory: str, supervisor_token: str
) -> None:
    server = app_servers[0]
    number = new_number(1)
    request = HalfSentRequest(server, number, supervisor_token)

    os.kill(request.worker_pid, signal.SIGKILL)
    respawned(server, request.worker_pid)
    try:
        request.connection.sendall(request.payload[10:])
        answer = request.connection.recv(65536)
    except OSError:
        answer = b""  # reset: the clean error a client can retry on
    finally:
        request.connection.close()

    assert answer == b""
    assert stored_numbers(empty_inventory) == {}
    assert call("GET", f"{server.http_url}/api/v1/numbers", token=supervisor_token).body == []


@pytest.fixture
def numbers_locked(empty_inventory: str) -> Iterator[Connection]:
    """A transaction holding a lock that lets reads through but makes every INSERT wait."""
    with database(empty_inventory) as connection:
        connection.execute(text("LOCK TABLE numbers IN EXCLUSIVE MODE"))
        yield connection
        connection.rollback()


def wait_for_blocked_insert(connection: Connection) -> None:
    deadline = time.monotonic() + 10
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO numbers%'"
    )
    while not connection.execute(query).scalar():
        connection.execute(text("SELECT pg_stat_clear_snapshot()"))  # else one snapshot per transaction
        if time.monotonic() > deadline:
            pytest.fail("the create never reached its INSERT")
        time.sleep(0.05)


def test_a_worker_killed_in_the_middle_of_its_insert_leaves_nothing_half_written(
    nginx: Nginx,
    app_servers: list[AppServer],
    empty_inventory: str,
    numbers_locked: Connection,
    supervisor_token: str,
) -> None:
    number = new_number(2)
    with ThreadPoolExecutor(1) as pool:
        reply = pool.submit(call, "POST", f"{nginx.url}/api/v1/numbers", number, token=supervisor_token)
        wait_for_blocked_insert(numbers_locked)
        busy = {pid: server for server in app_servers for pid in server.busy_worker_pids()}
        assert len(busy) == 1, busy
        ((worker_pid, server),) = busy.items()

        os.kill(worker_pid, signal.SIGKILL)
        answer = reply.result(timeout=30)
    numbers_locked.rollback()

    # nginx answers for the dead worker, as a problem; it does not send a POST to another server.
    assert answer.status == 503
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert "Retry-After" in answer.headers
    respawned(server, worker_pid)
    assert stored_numbers(empty_inventory) == {}
    again = call("POST", f"{nginx.url}/api/v1/numbers", number, token=supervisor_token)
    assert again.status == 201
    assert list(stored_numbers(empty_inventory)) == [number["value"]]
