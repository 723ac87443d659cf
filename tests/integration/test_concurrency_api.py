"""Safe concurrent edits (ETag, If-Match, If-None-Match) and safe retries (Idempotency-Key)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from werkzeug.test import TestResponse

from src.application.errors import ConcurrentUpdate
from src.domain.money import Currency, Money
from src.infrastructure.database import create_session_factory
from src.infrastructure.orm import start_mappers
from src.infrastructure.tables import numbers
from src.infrastructure.unit_of_work import SqlAlchemyUnitOfWork
from tests.conftest import at_once, client_as, token_for
from tests.factories import NumberFactory
from tests.integration.conftest import only_postgresql

NUMBERS = "/api/v1/numbers"
EXAMPLE = {"value": "+55 84 91234-4321", "monthyPrice": "0.03", "setupPrice": "3.40", "currency": "U$"}


def created(client: FlaskClient) -> TestResponse:
    response = client.post(NUMBERS, json=EXAMPLE)
    assert response.status_code == 201
    return response


def url_of(response: TestResponse) -> str:
    return f"{NUMBERS}/{response.json['id']}"  # type: ignore[index]


def race(app: Flask, count: int, request: Callable[[FlaskClient], TestResponse]) -> list[TestResponse]:
    """Send `count` requests at once, each from its own thread and client."""
    clients = [client_as(app, "supervisor") for _ in range(count)]
    return at_once([lambda client=client: request(client) for client in clients])  # type: ignore[misc]


def test_every_number_response_carries_a_strong_etag(client: FlaskClient) -> None:
    post = created(client)
    number_id = post.json["id"]  # type: ignore[index]
    assert post.headers["ETag"] == f'"{number_id}.1"'
    assert client.get(url_of(post)).headers["ETag"] == f'"{number_id}.1"'
    assert client.patch(url_of(post), json={"setupPrice": "1"}).headers["ETag"] == f'"{number_id}.2"'
    assert client.put(url_of(post), json=EXAMPLE).headers["ETag"] == f'"{number_id}.3"'


def test_a_patch_that_changes_nothing_keeps_the_etag(client: FlaskClient) -> None:
    post = created(client)
    assert client.patch(url_of(post), json={"setupPrice": "3.4"}).headers["ETag"] == post.headers["ETag"]


def test_get_with_the_current_etag_is_not_modified(client: FlaskClient) -> None:
    post = created(client)
    response = client.get(url_of(post), headers={"If-None-Match": post.headers["ETag"]})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == post.headers["ETag"]
    client.patch(url_of(post), json={"setupPrice": "1"})
    changed = client.get(url_of(post), headers={"If-None-Match": post.headers["ETag"]})
    assert changed.status_code == 200
    assert changed.json["setupPrice"] == "1.00"  # type: ignore[index]


@pytest.mark.parametrize(
    ("method", "body"),
    [("put", {**EXAMPLE, "setupPrice": "9"}), ("patch", {"setupPrice": "9"}), ("delete", None)],
)
def test_a_stale_if_match_is_412_and_changes_nothing(client: FlaskClient, method: str, body: Any) -> None:
    post = created(client)
    client.patch(url_of(post), json={"monthyPrice": "0.05"})
    current = client.get(url_of(post)).json
    response = getattr(client, method)(url_of(post), json=body, headers={"If-Match": post.headers["ETag"]})
    assert response.status_code == 412
    assert response.mimetype == "application/problem+json"
    assert response.json["type"].endswith("version-mismatch")
    assert client.get(url_of(post)).json == current


@pytest.mark.parametrize("if_match", ["{etag}", "*", '"0.0", {etag}'])
def test_a_matching_if_match_lets_the_write_through(client: FlaskClient, if_match: str) -> None:
    post = created(client)
    header = if_match.format(etag=post.headers["ETag"])
    patched = client.patch(url_of(post), json={"currency": "R$"}, headers={"If-Match": header})
    assert patched.status_code == 200
    assert client.get(url_of(post)).json == {**post.json, "currency": "R$"}  # type: ignore[dict-item]
    assert client.delete(url_of(post), headers={"If-Match": "*"}).status_code == 204
    assert client.get(url_of(post)).status_code == 404


@pytest.mark.parametrize("if_match", ['W/"{id}.1"', '"{other}.1"', '"garbage"', '""', "no quotes", ","])
def test_weak_foreign_or_garbled_tags_never_match(client: FlaskClient, if_match: str) -> None:
    post = created(client)
    number_id = post.json["id"]  # type: ignore[index]
    header = if_match.format(id=number_id, other=number_id + 1)
    refused = client.patch(url_of(post), json={"currency": "R$"}, headers={"If-Match": header})
    assert refused.status_code == 412
    assert refused.json["type"].endswith(":version-mismatch")  # type: ignore[index]
    assert client.get(url_of(post)).json == post.json  # nothing changed


@only_postgresql
def test_two_writers_of_one_version_cannot_both_commit(engine: Engine) -> None:
    """The database itself refuses the second write (UPDATE ... WHERE version = 1)."""
    start_mappers()
    sessions = create_session_factory(engine)
    with SqlAlchemyUnitOfWork(sessions) as setup:
        number = NumberFactory()
        setup.numbers.add(number)
        setup.commit()
    first, second = SqlAlchemyUnitOfWork(sessions), SqlAlchemyUnitOfWork(sessions)
    with first, second:
        mine, theirs = first.numbers.get(number.id), second.numbers.get(number.id)  # type: ignore[arg-type]
        assert mine is not None
        assert theirs is not None
        assert mine.version == theirs.version == 1
        for copy, amount in ((mine, "1.00"), (theirs, "2.00")):
            price = Money.parse(amount, Currency("USD"))
            copy.change(copy.phone_number, price, price)
        first.commit()
        with pytest.raises(ConcurrentUpdate):
            second.commit()
    with SqlAlchemyUnitOfWork(sessions) as check:
        stored = check.numbers.get(number.id)  # type: ignore[arg-type]
        assert stored is not None
        assert (stored.version, str(stored.setup_price.amount)) == (2, "1.00")


@only_postgresql
def test_racing_patches_on_one_version_have_exactly_one_winner(app: Flask, client: FlaskClient) -> None:
    post = created(client)
    etag = post.headers["ETag"]
    responses = race(
        app,
        8,
        lambda racer: racer.patch(
            url_of(post), json={"setupPrice": str(threading.get_ident() % 1000)}, headers={"If-Match": etag}
        ),
    )
    assert Counter(r.status_code for r in responses) == {200: 1, 412: 7}
    winner = next(r for r in responses if r.status_code == 200)
    assert client.get(url_of(post)).json == winner.json
    assert winner.headers["ETag"] == etag.replace(".1", ".2")


def test_a_retried_create_replays_the_first_response(client: FlaskClient, engine: Engine) -> None:
    headers = {"Idempotency-Key": "7a1f0c1e-retry"}
    first = client.post(NUMBERS, json=EXAMPLE, headers=headers)
    again = client.post(NUMBERS, json=EXAMPLE, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.data == first.data
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(numbers)) == 1


def test_the_same_key_with_another_body_is_422(client: FlaskClient) -> None:
    headers = {"Idempotency-Key": "reused"}
    first = client.post(NUMBERS, json=EXAMPLE, headers=headers)
    assert first.status_code == 201
    response = client.post(NUMBERS, json={**EXAMPLE, "value": "+55 84 91234-0000"}, headers=headers)
    assert response.status_code == 422
    assert response.json["errors"] == [  # type: ignore[index]
        {"field": "Idempotency-Key", "message": "was already used with a different request body"}
    ]
    assert client.get(NUMBERS).json == [first.json]


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "ключ"])
def test_a_malformed_idempotency_key_is_422(client: FlaskClient, key: str) -> None:
    response = client.post(NUMBERS, json=EXAMPLE, headers={"Idempotency-Key": key})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "Idempotency-Key"  # type: ignore[index]
    assert client.get(NUMBERS).headers["X-Total-Count"] == "0"


@only_postgresql
def test_simultaneous_retries_with_one_key_create_one_number(app: Flask, engine: Engine) -> None:
    # Retries of one client's request: one user, one token, six threads.
    headers = {"Idempotency-Key": "k", "Authorization": f"Bearer {token_for(app, 'supervisor')}"}
    responses = at_once([lambda: app.test_client().post(NUMBERS, json=EXAMPLE, headers=headers)] * 6)
    assert {r.status_code for r in responses} == {201}
    assert len({r.data for r in responses}) == 1
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(numbers)) == 1


def http(
    method: str,
    url: str,
    token: str,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request over real HTTP: (status, headers, body), errors included."""
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None)
    request.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_racing_patches_over_http_on_the_threaded_server_have_exactly_one_winner(
    app: Flask, client: FlaskClient, live_url: str
) -> None:
    """What `make run` serves (Werkzeug's threaded server, SQLite by default): eight clients send
    PATCH with the same current If-Match at once; the database lets exactly one through."""
    post = created(client)
    etag = post.headers["ETag"]
    tokens = [token_for(app, "supervisor") for _ in range(8)]
    replies = at_once(
        [
            lambda token=token, price=index: http(
                "PATCH", live_url + url_of(post), token, {"setupPrice": str(price + 1)}, {"If-Match": etag}
            )
            for index, token in enumerate(tokens)
        ]
    )
    assert Counter(status for status, _, _ in replies) == {200: 1, 412: 7}
    winner = next(json.loads(body) for status, _, body in replies if status == 200)
    assert client.get(url_of(post)).json == winner


@pytest.mark.parametrize("etag_use", ["If-Match", "If-None-Match"])
def test_a_deleted_numbers_id_and_etag_never_name_a_new_number(client: FlaskClient, etag_use: str) -> None:
    """Ids are never reused (AUTOINCREMENT on SQLite, a sequence on PostgreSQL), so a tag held for a
    deleted number cannot delete, change or revalidate the number created after it."""
    first = created(client)
    old_etag, old_url = first.headers["ETag"], url_of(first)
    assert client.delete(old_url).status_code == 204
    second = created(client)
    assert second.json["id"] != first.json["id"]  # type: ignore[index]
    assert second.headers["ETag"] != old_etag
    new_url = url_of(second)
    if etag_use == "If-Match":
        assert client.delete(new_url, headers={"If-Match": old_etag}).status_code == 412
        assert (
            client.patch(new_url, json={"setupPrice": "1"}, headers={"If-Match": old_etag}).status_code == 412
        )
        assert client.get(new_url).json == second.json
    else:
        assert client.get(new_url, headers={"If-None-Match": old_etag}).status_code == 200
        assert client.get(old_url, headers={"If-None-Match": old_etag}).status_code == 404


def test_the_highest_id_is_not_reused_after_deletes(client: FlaskClient) -> None:
    """The last rows deleted: SQLite without AUTOINCREMENT would hand out max(id) + 1 again."""
    ids = [created_number(client, f"+55 84 91234-43{index:02}").json["id"] for index in range(3)]  # type: ignore[index]
    for number_id in ids[1:]:
        assert client.delete(f"{NUMBERS}/{number_id}").status_code == 204
    assert created_number(client, "+55 84 91234-4399").json["id"] > max(ids)  # type: ignore[index]


def created_number(client: FlaskClient, value: str) -> TestResponse:
    response = client.post(NUMBERS, json={**EXAMPLE, "value": value})
    assert response.status_code == 201
    return response
