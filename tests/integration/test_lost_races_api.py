"""Races a request loses, over HTTP: the answers name what happened, and the winner's data stands."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, text

from src.bootstrap import engine_of
from src.web.inventory import inventory
from tests.conftest import FAST_PASSWORD_HASH, TEST_PASSWORD, at_once, client_as
from tests.integration.conftest import only_postgresql
from tests.integration.test_numbers_api import NUMBERS, assert_problem, created_id

EXAMPLE = {"value": "+55 84 91234-4321", "monthyPrice": "0.03", "setupPrice": "3.40", "currency": "U$"}


@pytest.fixture
def another_writer_changes_it_first(app: Flask, engine: Engine) -> Iterator[list[int]]:
    """Just before the app writes number N (the id put in the list), another connection changes
    N and commits: the app read version 1, and version 1 is gone by the time its write lands."""
    target: list[int] = []

    def change_it_first(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if target and statement.startswith(("UPDATE numbers", "DELETE FROM numbers")):
            with engine.begin() as other:
                other.execute(
                    text("UPDATE numbers SET setup_price = 7, version = version + 1 WHERE id = :id"),
                    {"id": target.pop()},
                )

    app_engine = engine_of(app)
    event.listen(app_engine, "before_cursor_execute", change_it_first)
    yield target
    event.remove(app_engine, "before_cursor_execute", change_it_first)


@only_postgresql
@pytest.mark.parametrize(
    ("method", "body"),
    [("patch", {"monthyPrice": "0.05"}), ("put", {**EXAMPLE, "monthyPrice": "0.05"}), ("delete", None)],
)
def test_a_write_without_if_match_that_loses_a_race_is_409_and_the_winner_stands(
    client: FlaskClient, another_writer_changes_it_first: list[int], method: str, body: Any
) -> None:
    number_id = created_id(client, **EXAMPLE)
    another_writer_changes_it_first.append(number_id)
    response = getattr(client, method)(f"{NUMBERS}/{number_id}", json=body)
    problem = assert_problem(response, 409)
    assert problem["type"].endswith(":number-changed-meanwhile")
    assert problem["detail"] == (
        f"number {number_id} was changed by another request at the same time; fetch it and retry"
    )
    stored = client.get(f"{NUMBERS}/{number_id}")
    assert stored.headers["ETag"] == f'"{number_id}.2"'
    assert (stored.json["monthyPrice"], stored.json["setupPrice"]) == ("0.03", "7.00")  # type: ignore[index]


@only_postgresql
def test_a_write_with_if_match_that_loses_a_race_is_412(
    client: FlaskClient, another_writer_changes_it_first: list[int]
) -> None:
    number_id = created_id(client, **EXAMPLE)
    another_writer_changes_it_first.append(number_id)
    response = client.patch(
        f"{NUMBERS}/{number_id}", json={"monthyPrice": "0.05"}, headers={"If-Match": f'"{number_id}.1"'}
    )
    assert assert_problem(response, 412)["type"].endswith(":version-mismatch")
    assert client.get(f"{NUMBERS}/{number_id}").json["setupPrice"] == "7.00"  # type: ignore[index]


@only_postgresql
def test_racing_creates_of_one_user_make_one_and_tell_the_others_409(app: Flask) -> None:
    body = {"email": "ana@example.com", "password": TEST_PASSWORD, "role": "viewer"}
    admins = [client_as(app, "admin") for _ in range(6)]
    responses = at_once([lambda admin=admin: admin.post("/api/v1/users", json=body) for admin in admins])  # type: ignore[misc]
    assert Counter(response.status_code for response in responses) == {201: 1, 409: 5}
    for response in responses:
        if response.status_code == 409:
            assert response.json["type"].endswith(":user-already-exists")  # type: ignore[index]
    users = admins[0].get("/api/v1/users").json
    assert [user["email"] for user in users].count("ana@example.com") == 1  # type: ignore[union-attr]


@only_postgresql
def test_replicas_starting_together_make_one_first_admin(database_url: str) -> None:
    from src.bootstrap import build_inventory, create_app, create_first_admin
    from src.infrastructure.settings import Settings

    settings = Settings(
        database_url=database_url,
        password_hash_method=FAST_PASSWORD_HASH,
        admin_email="root@example.com",
        admin_password=TEST_PASSWORD,
    )
    # Replicas are processes, each with its own engines; what they share and race on is the
    # database. Only the first admin's creation runs at once here: whole apps built in threads
    # also race in Flask's route compiling, which CPython 3.11's parser does not make safe across
    # threads ("AST constructor recursion depth mismatch").
    replicas = [build_inventory(settings) for _ in range(4)]
    at_once([lambda served=served: create_first_admin(served, settings) for served in replicas])
    app = create_app(settings)  # one more replica, after them: finds the admin there
    client = app.test_client()
    login = client.post("/api/v1/auth/tokens", json={"email": "root@example.com", "password": TEST_PASSWORD})
    users = client.get("/api/v1/users", headers={"Authorization": f"Bearer {login.json['token']}"}).json  # type: ignore[index]
    assert [(user["email"], user["role"]) for user in users] == [("root@example.com", "admin")]  # type: ignore[union-attr]
    for served in replicas:
        served.dispose()
    with app.app_context():
        inventory().dispose()
