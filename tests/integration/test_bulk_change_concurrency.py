"""A bulk change and single writes at the same time, on PostgreSQL: no write is lost, and no
number ends up half from one and half from the other."""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from werkzeug.test import TestResponse

from tests.conftest import at_once, client_as
from tests.integration.conftest import only_postgresql

NUMBERS = "/api/v1/numbers"
BULK = "/api/v1/numbers/bulk-changes"


def stock(client: FlaskClient, count: int) -> list[int]:
    ids = []
    for n in range(count):
        body = {
            "value": f"+55 84 91234-{n:04d}",
            "monthyPrice": "0.03",
            "setupPrice": "3.40",
            "currency": "U$",
        }
        response = client.post(NUMBERS, json=body)
        assert response.status_code == 201
        ids.append(response.json["id"])  # type: ignore[index]
    return ids


def wait_for_a_lock_wait(engine: Engine, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    with engine.connect() as connection:
        while time.monotonic() < deadline:
            waiting = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND query LIKE 'WITH locked%'"
                )
            ).scalar_one()
            if waiting:
                return
            connection.rollback()
            time.sleep(0.01)
    raise AssertionError("the bulk change never waited for the row lock")


@only_postgresql
def test_a_bulk_change_waits_for_a_write_in_flight_and_keeps_its_result(
    app: Flask, client: FlaskClient, engine: Engine
) -> None:
    first, second = stock(client, 2)
    outcome: dict[str, Any] = {}
    with engine.connect() as writer:
        writer.execute(
            text("UPDATE numbers SET setup_price = 9, version = version + 1 WHERE id = :id"), {"id": first}
        )
        body = {"filter": {"country": "BR"}, "set": {"monthyPrice": "0.05"}, "expectedCount": 2}
        bulk = threading.Thread(target=lambda: outcome.setdefault("response", client.post(BULK, json=body)))
        bulk.start()
        wait_for_a_lock_wait(engine)
        writer.commit()
    bulk.join(timeout=30)
    response: TestResponse = outcome["response"]
    assert response.status_code == 200, response.data
    changed = client.get(f"{NUMBERS}/{first}")
    assert (changed.json["monthyPrice"], changed.json["setupPrice"]) == ("0.05", "9.00")  # type: ignore[index]
    assert changed.headers["ETag"] == f'"{first}.3"'
    assert client.get(f"{NUMBERS}/{second}").json["monthyPrice"] == "0.05"  # type: ignore[index]
    (entry,) = [e for e in client.get(f"{NUMBERS}/{first}/history").json if e["action"] == "bulk-update"]  # type: ignore[union-attr]
    assert entry["fields"] == {"monthyPrice": {"before": "0.03", "after": "0.05"}}


@only_postgresql
def test_single_writes_racing_a_bulk_change_are_never_lost(app: Flask, client: FlaskClient) -> None:
    ids = stock(client, 6)
    patchers = [client_as(app, "supervisor") for _ in ids]
    body = {"filter": {"country": "BR"}, "set": {"monthyPrice": "0.05"}, "expectedCount": len(ids)}
    calls = [lambda: client.post(BULK, json=body)] + [
        lambda patcher=patcher, number_id=number_id: patcher.patch(
            f"{NUMBERS}/{number_id}", json={"setupPrice": f"{number_id}.00"}
        )
        for patcher, number_id in zip(patchers, ids, strict=True)
    ]
    bulk, *patches = at_once(calls)
    assert bulk.status_code == 200, bulk.data
    for number_id, patch in zip(ids, patches, strict=True):
        assert patch.status_code in (200, 409), patch.data  # 409: the bulk change came first
        stored = client.get(f"{NUMBERS}/{number_id}").json
        assert stored["monthyPrice"] == "0.05"  # type: ignore[index]
        assert stored["setupPrice"] == (f"{number_id}.00" if patch.status_code == 200 else "3.40")  # type: ignore[index]
