"""GET /numbers as the supervisors' table: filters, sort, keyset cursors and the total count."""

from __future__ import annotations

import base64
import re
from decimal import Decimal
from typing import Any

import phonenumbers
import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from werkzeug.test import TestResponse

from src.application.create_number import CreateNumberCommand
from src.application.number_fields import NumberData
from src.bootstrap import engine_of
from src.infrastructure.demo_data import demo_numbers
from src.web.inventory import inventory
from tests.factories import nth_phone_number
from tests.integration.conftest import only_postgresql
from tests.integration.test_numbers_api import NUMBERS, assert_problem, created_id

# A pool of valid numbers of ten countries; inventories are drawn from it.
POOL = [
    phonenumbers.format_number(phonenumbers.parse(str(data.value)), phonenumbers.PhoneNumberFormat.E164)
    for data in demo_numbers(60, ("USD", "BRL", "EUR"))
]
# Few, to make ties; 2.00 and 12.34 are in the opposite order as text.
PRICES = [Decimal(p) for p in ("0.00", "0.50", "1.00", "1.50", "2.00", "12.34")]
SYMBOLS = {"USD": "U$", "BRL": "R$", "EUR": "€"}
SORT_WIRE = {"id": "id", "value": "e164", "monthyPrice": "monthly", "setupPrice": "setup"}


def links(response: TestResponse) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["Link"])}


def store(app: Flask, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Store the rows through the use case; each row gets its id."""
    with app.app_context():
        for row in rows:
            data = NumberData(row["e164"], row["monthly"], row["setup"], row["currency"])
            row["id"] = inventory().create_number(CreateNumberCommand(data)).number.id
    return rows


def brute_force(rows: list[dict[str, Any]], params: dict[str, str]) -> list[int]:
    """What GET /numbers must answer, computed the obvious way."""

    def keep(row: dict[str, Any]) -> bool:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(row["e164"]))
        checks = [
            ("q", lambda v: v in row["e164"]),
            ("country", lambda v: region == v.upper()),
            ("prefix", lambda v: row["e164"].startswith("+" + v)),
            ("currency", lambda v: row["currency"] == v),
            ("monthyPrice_min", lambda v: row["monthly"] >= Decimal(v)),
            ("monthyPrice_max", lambda v: row["monthly"] <= Decimal(v)),
            ("setupPrice_min", lambda v: row["setup"] >= Decimal(v)),
            ("setupPrice_max", lambda v: row["setup"] <= Decimal(v)),
        ]
        return all(check(params[name]) for name, check in checks if name in params)

    keys = [(k.lstrip("-"), k.startswith("-")) for k in params.get("sort", "id").split(",")]
    if "id" not in [name for name, _ in keys]:
        keys.append(("id", keys[-1][1]))
    kept = [row for row in rows if keep(row)]
    for name, descending in reversed(keys):
        kept.sort(key=lambda row, name=name: row[SORT_WIRE[name]], reverse=descending)
    return [row["id"] for row in kept]


def walk(client: FlaskClient, params: dict[str, Any]) -> tuple[list[int], str]:
    """Every id, following the keyset `next` links from an empty cursor; and the first total."""
    response = client.get(NUMBERS, query_string={**params, "cursor": ""})
    assert response.status_code == 200, response.json
    total = response.headers["X-Total-Count"]
    seen = [number["id"] for number in response.json]  # type: ignore[union-attr]
    while "next" in links(response):
        assert len(seen) <= 100, "the next links go round in circles"
        response = client.get(links(response)["next"])
        assert response.status_code == 200, response.json
        seen += [number["id"] for number in response.json]  # type: ignore[union-attr]
    return seen, total


inventories = st.lists(
    st.tuples(
        st.sampled_from(POOL),
        st.sampled_from(PRICES),
        st.sampled_from(PRICES),
        st.sampled_from(list(SYMBOLS)),
    ),
    max_size=25,
    unique_by=lambda row: row[0],
)
sort_keys = st.lists(st.sampled_from(list(SORT_WIRE)), unique=True, max_size=3).flatmap(
    lambda names: st.tuples(*[st.sampled_from([name, "-" + name]) for name in names])
)
filters = st.fixed_dictionaries(
    {},
    optional={
        "q": st.sampled_from(["1", "55", "912", "00", "4"]),
        "country": st.sampled_from(["BR", "us", "GB", "DE", "FR", "CA"]),
        "prefix": st.sampled_from(["1", "55", "5584", "44", "49", "+33"]),
        "currency": st.sampled_from(list(SYMBOLS)),
        "monthyPrice_min": st.sampled_from([str(p) for p in PRICES]),
        "monthyPrice_max": st.sampled_from([str(p) for p in PRICES]),
        "setupPrice_min": st.sampled_from([str(p) for p in PRICES]),
        "setupPrice_max": st.sampled_from([str(p) for p in PRICES]),
    },
)


def test_filters_sort_and_keyset_pages_agree_with_a_brute_force_filter(
    app: Flask, client: FlaskClient
) -> None:
    @given(rows=inventories, params=filters, sort=sort_keys, per_page=st.integers(1, 7))
    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def agrees(
        rows: list[tuple[str, Decimal, Decimal, str]],
        params: dict[str, str],
        sort: tuple[str, ...],
        per_page: int,
    ) -> None:
        with inventory_engine(app).begin() as connection:
            connection.execute(text("DELETE FROM numbers"))
        stored = store(app, [{"e164": e, "monthly": m, "setup": s, "currency": c} for e, m, s, c in rows])
        if sort:
            params = {**params, "sort": ",".join(sort)}
        wire = {**params, "currency": SYMBOLS[params["currency"]]} if "currency" in params else params
        wire = {**wire, "prefix": wire["prefix"]} if "prefix" in wire else wire
        expected = brute_force(
            stored, {**params, "prefix": params["prefix"].lstrip("+")} if "prefix" in params else params
        )
        seen, total = walk(client, {**wire, "per_page": per_page})
        assert seen == expected
        assert total == str(len(expected))
        first_page = client.get(NUMBERS, query_string={**wire, "per_page": per_page})
        assert [n["id"] for n in first_page.json] == expected[:per_page]  # type: ignore[union-attr]

    agrees()


@pytest.mark.parametrize("sort", ["monthyPrice", "-monthyPrice", "setupPrice", "-setupPrice"])
@pytest.mark.parametrize("paging", [{"page": 1}, {"cursor": ""}])
def test_prices_sort_by_amount_not_by_their_text(
    client: FlaskClient, sort: str, paging: dict[str, Any]
) -> None:
    amounts = ["9.00", "100.00", "10.50", "0.99", "10.05"]
    for index, amount in enumerate(amounts):
        created_id(client, value=nth_phone_number(index), monthyPrice=amount, setupPrice=amount)
    field = sort.lstrip("-")
    for per_page in (2, 10):  # pages of every kind: counted or not, with more to follow or not
        seen, response = [], client.get(NUMBERS, query_string={"sort": sort, "per_page": per_page, **paging})
        while True:
            seen += [number[field] for number in response.json]  # type: ignore[union-attr]
            if "next" not in links(response):
                break
            response = client.get(links(response)["next"])
        assert seen == sorted(amounts, key=Decimal, reverse=sort.startswith("-"))


def inventory_engine(app: Flask) -> Any:
    with app.app_context():
        return engine_of(app)


def test_filters_combine(client: FlaskClient) -> None:
    wanted = created_id(client, value="+55 84 91234-4321", monthyPrice="1.00", currency="R$")
    created_id(client, value="+55 84 91234-4322", monthyPrice="9.00", currency="R$")
    created_id(client, value="+1 201 555 0123", monthyPrice="1.00", currency="U$")
    response = client.get(NUMBERS, query_string={"country": "br", "monthyPrice_max": "2", "q": "91234"})
    assert [number["id"] for number in response.json] == [wanted]  # type: ignore[union-attr]
    assert response.headers["X-Total-Count"] == "1"


@pytest.mark.parametrize(
    "query_string",
    # a "+" left unencoded arrives as a space; people paste numbers as they are written
    [
        "q=+5584&prefix=+55",
        "q=%2B55%2084&prefix=%2B55",
        "q=(84)%209123&prefix=55-84",
        "q=55.84&prefix=+55%20(84)",
    ],
)
def test_digit_filters_ignore_formatting(client: FlaskClient, query_string: str) -> None:
    wanted = created_id(client, value="+55 84 91234-4321")
    created_id(client, value="+1 201 555 0123")
    response = client.get(f"{NUMBERS}?{query_string}")
    assert response.status_code == 200, response.json
    assert [number["id"] for number in response.json] == [wanted]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "9x"}, "q"),
        ({"country": "ZZ"}, "country"),
        ({"country": "BRA"}, "country"),
        ({"prefix": "55/84"}, "prefix"),
        ({"q": " + "}, "q"),
        ({"q": "1234567890123456"}, "q"),
        ({"currency": "XYZ"}, "currency"),
        ({"monthyPrice_min": "-1"}, "monthyPrice_min"),
        ({"setupPrice_max": "1e3"}, "setupPrice_max"),
        ({"sort": "price"}, "sort"),
        ({"sort": "id,-id"}, "sort"),
        ({"page": 2, "cursor": ""}, "cursor"),
    ],
)
def test_invalid_filters_and_sorts_are_422_naming_the_parameter(
    client: FlaskClient, params: dict[str, Any], field: str
) -> None:
    assert_problem(client.get(NUMBERS, query_string=params), 422, field)


def test_keyset_pages_link_to_the_next_until_the_last(client: FlaskClient) -> None:
    ids = [created_id(client, value=f"+55 84 91234-{n:04d}") for n in range(5)]
    seen, total = walk(client, {"per_page": 2, "sort": "-id"})
    assert seen == ids[::-1]
    assert total == "5"
    last = client.get(NUMBERS, query_string={"per_page": 5, "cursor": ""})
    assert set(links(last)) == {"first"}


def test_a_tampered_or_foreign_cursor_is_a_400(client: FlaskClient) -> None:
    for n in range(3):
        created_id(client, value=f"+55 84 91234-{n:04d}")
    first = client.get(NUMBERS, query_string={"per_page": 1, "cursor": "", "sort": "monthyPrice"})
    cursor = re.search(r"cursor=([^&>]+)", links(first)["next"]).group(1)  # type: ignore[union-attr]
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", cursor)  # URL-safe as it is: written unquoted
    _payload, mac = cursor.split(".")
    forged = base64.urlsafe_b64encode(b'["0.00",1]').rstrip(b"=").decode() + "." + mac
    for params in (
        {"cursor": forged, "sort": "monthyPrice"},
        {"cursor": cursor, "sort": "setupPrice"},  # made for another sort
        {"cursor": cursor, "sort": "monthyPrice", "q": "91234"},  # and another filter
        {"cursor": "not-a-cursor"},
        {"cursor": "%%%.%%%"},
    ):
        body = assert_problem(client.get(NUMBERS, query_string=params), 400)
        assert body["type"].endswith("invalid-cursor")
    assert client.get(NUMBERS, query_string={"cursor": cursor, "sort": "monthyPrice"}).status_code == 200


def test_a_viewer_reads_the_filtered_table(app: Flask, client: FlaskClient) -> None:
    created_id(client)
    from tests.conftest import client_as

    response = client_as(app, "viewer").get(NUMBERS, query_string={"country": "BR", "cursor": ""})
    assert response.status_code == 200
    assert len(response.json) == 1  # type: ignore[arg-type]


@only_postgresql
def test_past_1000_matches_postgresql_estimates_the_total_and_says_so(client: FlaskClient) -> None:
    rows = "".join(f"{nth_phone_number(n)},1,1,U$\n" for n in range(1200))
    imported = client.post(
        f"{NUMBERS}/imports", data="value,monthyPrice,setupPrice,currency\n" + rows, content_type="text/csv"
    )
    assert imported.json["created"] == 1200  # type: ignore[index]
    many = client.get(NUMBERS, query_string={"country": "BR", "q": "84"})
    assert many.headers["X-Total-Count-Estimated"] == "true"
    assert int(many.headers["X-Total-Count"]) > 1000
    assert len(many.json) == 20  # type: ignore[arg-type]
    few = client.get(NUMBERS, query_string={"q": "8491234"})
    assert "X-Total-Count-Estimated" not in few.headers
    assert few.headers["X-Total-Count"] == "0"


@only_postgresql
def test_a_numbered_page_is_read_even_past_a_stale_estimate_of_the_total(
    client: FlaskClient, engine: Engine
) -> None:
    """Planner statistics lag behind writes: here they say no number costs 5 to set up, while 1200
    do. An estimated total (1001, the least it may be) must not make page 23 look past the end."""
    rows = "".join(f"{nth_phone_number(n)},1,1,U$\n" for n in range(1200))
    imported = client.post(
        f"{NUMBERS}/imports", data="value,monthyPrice,setupPrice,currency\n" + rows, content_type="text/csv"
    )
    assert imported.json["created"] == 1200  # type: ignore[index]
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE numbers SET (autovacuum_enabled = false)"))
    try:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE numbers"))
            connection.execute(text("UPDATE numbers SET setup_price = 5"))
        params = {"setupPrice_min": "5", "per_page": "50", "page": "23"}
        response = client.get(NUMBERS, query_string=params)
    finally:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE numbers RESET (autovacuum_enabled)"))
    assert response.headers["X-Total-Count-Estimated"] == "true"
    assert int(response.headers["X-Total-Count"]) <= 1100  # the estimate is below the page's offset
    values = [number["value"] for number in response.json]  # type: ignore[union-attr]
    assert values == [nth_phone_number(n) for n in range(1100, 1150)]  # rows 1101 to 1150
