"""The /api/v1/numbers contract (docs/api.md) through the Flask test client."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

NUMBERS = "/api/v1/numbers"
EXAMPLE = {"value": "+55 84 91234-4321", "monthyPrice": "0.03", "setupPrice": "3.40", "currency": "U$"}


def create(client: FlaskClient, **fields: Any) -> TestResponse:
    return client.post(NUMBERS, json={**EXAMPLE, **fields})


def created_id(client: FlaskClient, **fields: Any) -> int:
    response = create(client, **fields)
    assert response.status_code == 201, response.json
    number_id: int = response.json["id"]  # type: ignore[index]
    return number_id


def inventory_snapshot(client: FlaskClient) -> list[dict[str, Any]]:
    response = client.get(NUMBERS, query_string={"per_page": 100})
    assert response.status_code == 200
    return response.json  # type: ignore[return-value]


def assert_problem(response: TestResponse, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.data
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    assert {"type", "title", "status", "detail", "requestId"} <= body.keys()
    assert body["status"] == status
    if field is not None:
        assert field in [error["field"] for error in body["errors"]], body
    return body


def test_creates_the_agreed_example_exactly(client: FlaskClient) -> None:
    response = create(client)
    assert response.status_code == 201
    assert response.mimetype == "application/json"
    assert list(json.loads(response.data)) == ["id", "value", "monthyPrice", "setupPrice", "currency"]
    assert response.json == {"id": response.json["id"], **EXAMPLE}  # type: ignore[index]
    fetched = client.get(response.headers["Location"])
    assert fetched.status_code == 200
    assert fetched.json == response.json


@pytest.mark.parametrize(
    ("monthly", "setup", "written"),
    [
        ("0.1", "999999.99", ("0.10", "999999.99")),
        ("0", "0.05", ("0.00", "0.05")),
        ("10", "100.5", ("10.00", "100.50")),
    ],
)
def test_a_json_number_price_is_read_exactly_and_returned_as_text(
    client: FlaskClient, monthly: str, setup: str, written: tuple[str, str]
) -> None:
    response = client.post(
        NUMBERS,
        data=f'{{"value": "+5584912344321", "monthyPrice": {monthly}, "setupPrice": {setup}, '
        '"currency": "USD"}',
        content_type="application/json",
    )
    assert response.status_code == 201
    assert (response.json["monthyPrice"], response.json["setupPrice"]) == written  # type: ignore[index]
    assert response.json["currency"] == "U$"  # type: ignore[index]
    # The reads write prices their own way (the database writes them as text): the same text.
    assert client.get(response.headers["Location"]).json == response.json
    assert client.get(NUMBERS).json == [response.json]
    for sort in ("monthyPrice", "-setupPrice"):
        assert client.get(NUMBERS, query_string={"sort": sort, "cursor": ""}).json == [response.json]


def test_id_in_a_create_body_is_ignored(client: FlaskClient) -> None:
    response = create(client, id=999)
    assert response.status_code == 201
    assert response.json["id"] != 999  # type: ignore[index]


@pytest.mark.parametrize("spelling", ["+5584912344321", "+55 (84) 91234-4321", "+55 84 91234-4321"])
def test_a_second_spelling_of_a_stored_number_is_a_conflict(client: FlaskClient, spelling: str) -> None:
    created_id(client)
    before = inventory_snapshot(client)
    body = assert_problem(create(client, value=spelling), 409)
    assert "+55 84 91234-4321" in body["detail"]
    assert inventory_snapshot(client) == before


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"monthyPrice": "-1"}, "monthyPrice", "must not be negative"),
        ({"setupPrice": "0.001"}, "setupPrice", "at most 2 decimal places"),
        ({"setupPrice": "abc"}, "setupPrice", "not a decimal number"),
        ({"monthyPrice": "NaN"}, "monthyPrice", "not a decimal number"),
        ({"monthyPrice": "1000000"}, "monthyPrice", "must not exceed 999999.99"),
        ({"monthyPrice": True}, "monthyPrice", "must be a decimal number"),
        ({"monthyPrice": None}, "monthyPrice", "must be a decimal number"),
        ({"value": "+55 84 1234"}, "value", "not a valid phone number"),
        ({"value": "84 91234-4321"}, "value", "not an international phone number"),
        ({"value": 5584912344321}, "value", "must be a string"),
        ({"currency": "GBP"}, "currency", "U$ (USD), R$ (BRL), € (EUR)"),
        ({"monthlyPrice": "0.03"}, "monthlyPrice", "did you mean 'monthyPrice'?"),
        ({"id": "seven"}, "id", "must be a whole number"),
    ],
)
def test_rejects_invalid_fields_naming_them(
    client: FlaskClient, fields: dict[str, Any], field: str, message: str
) -> None:
    created_id(client, value="+55 84 91234-0000")
    before = inventory_snapshot(client)
    body = assert_problem(create(client, **fields), 422, field)
    assert any(message in error["message"] for error in body["errors"]), body["errors"]
    assert body["type"].endswith("validation-error")
    assert inventory_snapshot(client) == before


def test_a_missing_field_is_named(client: FlaskClient) -> None:
    body = assert_problem(client.post(NUMBERS, json={"value": EXAMPLE["value"]}), 422)
    assert {error["field"] for error in body["errors"]} == {"monthyPrice", "setupPrice", "currency"}
    assert {error["message"] for error in body["errors"]} == {"is required"}


@pytest.mark.parametrize("number", ["1e400", "1e999999", "1" * 5000, "-0.0001"])
def test_huge_or_tiny_json_numbers_are_refused_without_a_float(client: FlaskClient, number: str) -> None:
    raw = f'{{"value": "+5584912344321", "monthyPrice": {number}, "setupPrice": "1", "currency": "U$"}}'
    assert_problem(client.post(NUMBERS, data=raw, content_type="application/json"), 422, "monthyPrice")
    assert inventory_snapshot(client) == []


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        ("{", "not valid JSON"),
        ("[1, 2]", "must be a JSON object, not an array"),
        ('"text"', "must be a JSON object, not a string"),
        ("null", "must be a JSON object, not null"),  # in JSON's words, not Python's
        ("7", "must be a JSON object, not a number"),
        ("7.5", "must be a JSON object, not a number"),
        ("1" * 5000, "must be a JSON object, not a number"),
        ('{"monthyPrice": NaN}', "not valid JSON"),
        (b"\xff\xfe\xfa", "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_bad_request(
    client: FlaskClient, data: str | bytes, detail: str
) -> None:
    body = assert_problem(client.post(NUMBERS, data=data, content_type="application/json"), 400)
    assert detail in body["detail"]


def test_a_body_that_is_not_json_is_unsupported(client: FlaskClient) -> None:
    assert_problem(client.post(NUMBERS, data=json.dumps(EXAMPLE), content_type="text/plain"), 415)
    assert_problem(client.post(NUMBERS, data="value=1"), 415)


def test_a_body_over_the_limit_is_too_large(client: FlaskClient) -> None:
    oversized = json.dumps({**EXAMPLE, "padding": "x" * (2 * 1024 * 1024)})
    assert_problem(client.post(NUMBERS, data=oversized, content_type="application/json"), 413)
    assert inventory_snapshot(client) == []


def test_a_missing_number_is_not_found(client: FlaskClient) -> None:
    for response in (
        client.get(f"{NUMBERS}/12345"),
        client.put(f"{NUMBERS}/12345", json=EXAMPLE),
        client.patch(f"{NUMBERS}/12345", json={"currency": "R$"}),
        client.delete(f"{NUMBERS}/12345"),
        client.get(f"{NUMBERS}/99999999999999999999"),
        client.get(f"{NUMBERS}/abc"),
    ):
        assert_problem(response, 404)


def test_a_method_not_allowed_says_which_are(client: FlaskClient) -> None:
    response = client.put(NUMBERS, json=EXAMPLE)
    assert_problem(response, 405)
    assert {"GET", "POST"} <= {method.strip() for method in response.headers["Allow"].split(",")}


def test_put_replaces_every_field(client: FlaskClient) -> None:
    number_id = created_id(client)
    new = {"value": "+49 151 23456789", "monthyPrice": 1, "setupPrice": "2.5", "currency": "EUR"}
    response = client.put(f"{NUMBERS}/{number_id}", json=new)
    assert response.status_code == 200
    expected = {"id": number_id, "value": "+49 1512 3456789", "monthyPrice": "1.00", "setupPrice": "2.50"}
    assert response.json == {**expected, "currency": "€"}
    assert client.get(f"{NUMBERS}/{number_id}").json == response.json


def test_put_needs_every_field(client: FlaskClient) -> None:
    number_id = created_id(client)
    assert_problem(client.put(f"{NUMBERS}/{number_id}", json={"currency": "R$"}), 422, "value")
    assert client.get(f"{NUMBERS}/{number_id}").json["currency"] == "U$"  # type: ignore[index]


def test_an_id_in_the_body_must_match_the_url(client: FlaskClient) -> None:
    number_id = created_id(client)
    assert client.put(f"{NUMBERS}/{number_id}", json={**EXAMPLE, "id": number_id}).status_code == 200
    assert_problem(client.put(f"{NUMBERS}/{number_id}", json={**EXAMPLE, "id": number_id + 1}), 422, "id")
    assert_problem(client.patch(f"{NUMBERS}/{number_id}", json={"id": number_id + 1}), 422, "id")


def test_put_onto_another_numbers_value_is_a_conflict(client: FlaskClient) -> None:
    created_id(client)
    other = created_id(client, value="+55 84 91234-0000")
    assert_problem(client.put(f"{NUMBERS}/{other}", json={**EXAMPLE, "value": "+5584912344321"}), 409)
    assert client.get(f"{NUMBERS}/{other}").json["value"] == "+55 84 91234-0000"  # type: ignore[index]


def test_patch_is_a_json_merge_patch(client: FlaskClient) -> None:
    number_id = created_id(client)
    response = client.patch(
        f"{NUMBERS}/{number_id}",
        data=json.dumps({"setupPrice": "10", "currency": "R$"}),
        content_type="application/merge-patch+json",
    )
    assert response.status_code == 200
    assert response.json == {**EXAMPLE, "id": number_id, "setupPrice": "10.00", "currency": "R$"}


def test_patch_cannot_remove_a_field(client: FlaskClient) -> None:
    number_id = created_id(client)
    body = assert_problem(
        client.patch(f"{NUMBERS}/{number_id}", json={"monthyPrice": None}), 422, "monthyPrice"
    )
    assert "must not be null" in body["errors"][0]["message"]
    assert client.get(f"{NUMBERS}/{number_id}").json["monthyPrice"] == "0.03"  # type: ignore[index]


def test_patch_refuses_unknown_fields(client: FlaskClient) -> None:
    number_id = created_id(client)
    assert_problem(client.patch(f"{NUMBERS}/{number_id}", json={"setup_price": "1"}), 422, "setup_price")


def test_delete_removes_the_number(client: FlaskClient) -> None:
    number_id = created_id(client)
    response = client.delete(f"{NUMBERS}/{number_id}")
    assert response.status_code == 204
    assert response.data == b""
    assert "Content-Type" not in response.headers
    assert_problem(client.get(f"{NUMBERS}/{number_id}"), 404)


def links(response: TestResponse) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["Link"])}


def test_lists_with_total_count_and_links(client: FlaskClient) -> None:
    ids = [created_id(client, value=f"+55 84 91234-{n:04d}") for n in range(5)]
    response = client.get(NUMBERS, query_string={"per_page": 2, "page": 2, "currency": "U$"})
    assert response.status_code == 200
    assert [number["id"] for number in response.json] == ids[2:4]  # type: ignore[union-attr]
    assert response.headers["X-Total-Count"] == "5"
    rels = links(response)
    assert set(rels) == {"first", "prev", "next", "last"}
    assert rels["last"] == "http://localhost/api/v1/numbers?currency=U%24&page=3&per_page=2"
    assert rels["first"].startswith("http://localhost/api/v1/numbers?currency=U%24&page=1")
    assert "page=1" in rels["prev"]
    assert "page=3" in rels["next"]


def test_the_default_page_size_is_20(client: FlaskClient) -> None:
    for n in range(21):
        created_id(client, value=f"+55 84 91234-{n:04d}")
    response = client.get(NUMBERS)
    assert len(response.json) == 20  # type: ignore[arg-type]
    assert set(links(response)) == {"first", "next", "last"}


def test_a_page_past_the_end_is_empty(client: FlaskClient) -> None:
    created_id(client)
    response = client.get(NUMBERS, query_string={"page": 2_000_000_000})
    assert response.status_code == 200
    assert response.json == []
    assert response.headers["X-Total-Count"] == "1"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"per_page": 0}, "per_page"),
        ({"per_page": 101}, "per_page"),
        ({"per_page": 1000}, "per_page"),
        ({"page": 0}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": 2**63}, "page"),
    ],
)
def test_rejects_page_parameters_out_of_range(
    client: FlaskClient, params: dict[str, Any], field: str
) -> None:
    assert_problem(client.get(NUMBERS, query_string=params), 422, field)


def test_a_query_string_that_is_not_utf8_is_a_bad_request(client: FlaskClient) -> None:
    """Raw bytes, not percent-escapes: what a client bypassing every library can send (a 500 before)."""
    response = client.get(NUMBERS, environ_overrides={"QUERY_STRING": "page=\xff\xfe"})
    body = assert_problem(response, 400)
    assert "UTF-8" in body["detail"]


def test_paging_through_800_numbers_visits_each_once(client: FlaskClient, runner: Any) -> None:
    assert "seeded 800 new numbers" in runner.invoke(args=["seed"]).output
    seen: list[int] = []
    url: str | None = f"{NUMBERS}?per_page=50"
    while url:
        response = client.get(url)
        assert response.headers["X-Total-Count"] == "800"
        seen += [number["id"] for number in response.json]  # type: ignore[union-attr]
        url = links(response).get("next")
    assert len(seen) == 800
    assert len(set(seen)) == 800


def test_seeding_again_adds_nothing(runner: Any, client: FlaskClient) -> None:
    assert "seeded 30 new numbers" in runner.invoke(args=["seed", "--count", "30"]).output
    assert "seeded 0 new numbers" in runner.invoke(args=["seed", "--count", "30"]).output
    countries = {number["value"].split()[0] for number in inventory_snapshot(client)}
    assert len(countries) >= 3
