"""CSV import (POST /numbers/imports) and export (GET /numbers, Accept: text/csv)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.test import TestResponse

from src.bootstrap import create_app, engine_of
from src.infrastructure.settings import Settings
from src.web.inventory import inventory
from tests.conftest import client_as
from tests.factories import nth_phone_number
from tests.integration.test_numbers_api import NUMBERS, assert_problem, created_id

IMPORTS = f"{NUMBERS}/imports"
HEADER = "value,monthyPrice,setupPrice,currency\n"
CSV_ACCEPT = {"Accept": "text/csv"}


def upload(client: FlaskClient, body: str | bytes, mode: str | None = None) -> TestResponse:
    query = {"mode": mode} if mode else {}
    data = body.encode() if isinstance(body, str) else body
    return client.post(IMPORTS, data=data, content_type="text/csv", query_string=query)


def thousand_rows_three_bad() -> tuple[str, list[int]]:
    lines = [f"{nth_phone_number(n)},0.03,3.40,U$" for n in range(1000)]
    lines[10] = "+55 84 91234,0.03,3.40,U$"  # not a valid number
    lines[500] = f"{nth_phone_number(500)},-1,3.40,U$"  # a negative price
    lines[998] = f"{nth_phone_number(998)},0.03,3.40,XYZ"  # an unknown currency
    return HEADER + "\n".join(lines) + "\n", [12, 502, 1000]  # the header is line 1


def stored_count(app: Flask) -> int:
    with app.app_context(), engine_of(app).connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM numbers")).scalar_one())


def test_all_or_nothing_stores_nothing_and_reports_exactly_the_bad_lines(
    app: Flask, client: FlaskClient
) -> None:
    body, bad_lines = thousand_rows_three_bad()
    problem = assert_problem(upload(client, body), 422)
    assert problem["type"].endswith("import-rejected")
    assert [(error["line"], error["field"]) for error in problem["errors"]] == list(
        zip(bad_lines, ["value", "monthyPrice", "currency"], strict=True)
    )
    assert stored_count(app) == 0


def test_skip_invalid_stores_the_997_valid_rows(app: Flask, client: FlaskClient) -> None:
    body, bad_lines = thousand_rows_three_bad()
    response = upload(client, body, mode="skip-invalid")
    assert response.status_code == 200, response.json
    report: dict[str, Any] = response.json  # type: ignore[assignment]
    assert (report["received"], report["created"], report["skipped"]) == (1000, 997, 3)
    assert [error["line"] for error in report["errors"]] == bad_lines
    assert stored_count(app) == 997


def test_duplicates_in_the_file_and_in_the_inventory_are_reported_by_line(client: FlaskClient) -> None:
    created_id(client, value="+55 84 91234-4321")
    body = HEADER + "+5584912344321,1,1,U$\n+5584912340001,1,1,U$\n+55 (84) 91234-0001,1,1,U$\n"
    response = upload(client, body, mode="skip-invalid")
    report: dict[str, Any] = response.json  # type: ignore[assignment]
    assert report["created"] == 1
    assert [(error["line"], error["field"]) for error in report["errors"]] == [(2, "value"), (4, "value")]
    assert "already in the inventory" in report["errors"][0]["message"]
    assert "earlier line" in report["errors"][1]["message"]


def test_numbers_taken_mid_import_are_skipped_and_every_free_one_stored(settings: Settings) -> None:
    """On PostgreSQL batches are copied straight into the table until one meets a taken number:
    that batch is undone and stored again, skipping it, and so are the batches after it."""
    app = create_app(replace(settings, import_batch_size=64))
    client = client_as(app, "supervisor")
    taken = [150, 151, 700]  # the third batch, twice, and a later one
    for n in taken:
        created_id(client, value=nth_phone_number(n))
    body = HEADER + "".join(f"{nth_phone_number(n)},0.03,3.40,U$\n" for n in range(1000))
    response = upload(client, body, mode="skip-invalid")
    report: dict[str, Any] = response.json  # type: ignore[assignment]
    assert (report["received"], report["created"]) == (1000, 997)
    assert [error["line"] for error in report["errors"]] == [n + 2 for n in taken]
    assert stored_count(app) == 1000
    exported = client.get(NUMBERS, headers=CSV_ACCEPT).get_data(as_text=True)
    # E.164 written out by hand: nth_phone_number(n) is "+55 84 9xxxx-nnnn" with n in the last digits.
    assert {row["value"] for row in csv.DictReader(io.StringIO(exported))} == {
        f"+55849{n:08d}" for n in range(1000)
    }
    assert "+5584900000999" in exported
    with app.app_context():
        inventory().dispose()


def test_reads_a_bom_semicolons_columns_in_any_order_and_short_rows(client: FlaskClient) -> None:
    body = (
        "\ufeffcurrency;value;setupPrice;monthyPrice\r\n"
        "R$;+55 84 91234-4321;3.4;0.03\r\n"
        "U$;+5584912340000\r\n"
    )
    report: dict[str, Any] = upload(client, body.encode(), mode="skip-invalid").json  # type: ignore[assignment]
    assert (report["created"], report["errors"][0]["line"], report["errors"][0]["field"]) == (1, 3, "row")
    number = client.get(NUMBERS).json[0]  # type: ignore[index]
    assert number["value"] == "+55 84 91234-4321"
    assert (number["monthyPrice"], number["setupPrice"], number["currency"]) == ("0.03", "3.40", "R$")


@pytest.mark.parametrize(
    ("header", "named", "suggested"),
    [
        ("value,monthlyPrice,setupPrice,currency", "monthlyPrice", "monthyPrice"),  # misspelt
        ("value,monthyPrice,setupPrice", "currency", None),  # missing
        ("Value,MonthyPrice,SetupPrice,Currencey", "Currencey", "currency"),  # case, and a typo
        ("value,monthyPrice,value,currency", "value", None),  # twice
    ],
)
def test_a_bad_header_gets_a_message_naming_the_column(
    client: FlaskClient, header: str, named: str, suggested: str | None
) -> None:
    problem = assert_problem(upload(client, f"{header}\n+5584912344321,0.03,3.40,U$\n"), 422, "header")
    message = problem["errors"][0]["message"]
    assert repr(named) in message
    if suggested:
        assert f"did you mean {suggested!r}?" in message


def test_header_names_ignore_case_and_other_columns_are_noted(client: FlaskClient) -> None:
    body = "notes,VALUE, MonthyPrice ,setupprice,Currency\nfrom Ana,+5584912344321,0.03,3.40,U$\n"
    response = upload(client, body)
    assert response.status_code == 200, response.json
    report: dict[str, Any] = response.json  # type: ignore[assignment]
    assert report["created"] == 1
    assert report["notes"] == ["the column 'notes' is not one of ours: it was ignored"]
    assert client.get(NUMBERS).json[0]["monthyPrice"] == "0.03"  # type: ignore[index]


def test_a_semicolon_file_may_have_decimal_commas(client: FlaskClient) -> None:
    body = "value;monthyPrice;setupPrice;currency\r\n+5584912344321;1,50;10,00;R$\r\n"
    assert upload(client, body).status_code == 200
    number = client.get(NUMBERS).json[0]  # type: ignore[index]
    assert (number["monthyPrice"], number["setupPrice"]) == ("1.50", "10.00")


def test_a_decimal_comma_elsewhere_gets_a_hint_at_the_dot(client: FlaskClient) -> None:
    problem = assert_problem(upload(client, f'{HEADER}+5584912344321,"1,50",3.40,U$\n'), 422)
    assert problem["errors"] == [
        {
            "line": 2,
            "field": "monthyPrice",
            "message": "'1,50' is not a decimal number (write the decimals after a dot: '1.50')",
        }
    ]  # the keys in the report's order: line, field, message
    assert list(problem["errors"][0]) == ["line", "field", "message"]


@pytest.mark.parametrize(
    "content_type", ["text/csv", "application/vnd.ms-excel", "text/plain", "application/csv"]
)
def test_csv_like_content_types_are_read_as_csv(client: FlaskClient, content_type: str) -> None:
    body = f"{HEADER}+5584912344321,0.03,3.40,U$\n"
    response = client.post(IMPORTS, data=body, content_type=f"{content_type}; charset=utf-8")
    assert response.status_code == 200, response.json
    assert response.json["created"] == 1  # type: ignore[index]


def test_a_form_upload_of_one_file_imports_it(client: FlaskClient) -> None:
    file = (
        io.BytesIO(f"{HEADER}+5584912344321,0.03,3.40,U$\n".encode()),
        "numbers.csv",
        "application/vnd.ms-excel",
    )
    response = client.post(IMPORTS, data={"file": file}, content_type="multipart/form-data")
    assert response.status_code == 200, response.json
    assert response.json["created"] == 1  # type: ignore[index]
    assert client.get(NUMBERS).json[0]["value"] == "+55 84 91234-4321"  # type: ignore[index]


def test_a_form_upload_needs_exactly_one_file(client: FlaskClient) -> None:
    none = client.post(IMPORTS, data={"note": "no file"}, content_type="multipart/form-data")
    assert_problem(none, 422, "file")
    files = {name: (io.BytesIO(HEADER.encode()), f"{name}.csv") for name in ("a", "b")}
    assert_problem(client.post(IMPORTS, data=files, content_type="multipart/form-data"), 422, "file")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("", 422),  # no header
        ("number,price\n+5584912344321,1\n", 422),
        (b"value,monthyPrice,setupPrice,currency\n\xff\xfe,1,1,U$\n", 400),
        ('value,monthyPrice,setupPrice,currency\n"+5584912344321,1,1,U$\n', 400),  # quote never closed
    ],
)
def test_an_unreadable_file_is_refused_whole(client: FlaskClient, body: str | bytes, status: int) -> None:
    assert_problem(upload(client, body), status)


def test_an_import_must_be_text_csv(client: FlaskClient) -> None:
    response = client.post(IMPORTS, json={"value": "+5584912344321"})
    assert_problem(response, 415)


def test_imports_have_their_own_body_limit(settings: Settings) -> None:
    app = create_app(replace(settings, max_body_bytes=100, max_import_bytes=300))
    client = client_as(app, "supervisor")
    rows = "".join(f"{nth_phone_number(n)},1,1,U$\n" for n in range(5))  # about 150 bytes
    assert upload(client, HEADER + rows).json["created"] == 5  # type: ignore[index]
    assert_problem(upload(client, HEADER + rows * 3), 413)
    assert stored_count(app) == 5
    with app.app_context():
        inventory().dispose()


def test_viewers_may_neither_import_nor_export(app: Flask) -> None:
    viewer = client_as(app, "viewer")
    assert_problem(upload(viewer, HEADER), 403)
    assert_problem(viewer.get(NUMBERS, headers=CSV_ACCEPT), 403)
    assert viewer.get(NUMBERS).status_code == 200


def test_exports_every_matching_number_in_order_not_a_page(client: FlaskClient) -> None:
    for n in range(30):
        created_id(client, value=nth_phone_number(n), monthyPrice=f"{n % 7}.50")
    response = client.get(NUMBERS, headers=CSV_ACCEPT, query_string={"sort": "-monthyPrice", "per_page": 5})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Vary"] == "Accept"  # one URL, two representations
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 30
    prices = [row["monthyPrice"] for row in rows]
    assert prices == sorted(prices, key=float, reverse=True)
    filtered = client.get(NUMBERS, headers=CSV_ACCEPT, query_string={"monthyPrice_max": "0.50"})
    assert len(list(csv.DictReader(io.StringIO(filtered.get_data(as_text=True))))) == 5


def test_exported_prices_have_two_decimals(client: FlaskClient) -> None:
    created_id(client, value=nth_phone_number(1), monthyPrice="0", setupPrice="999999.99", currency="R$")
    created_id(client, value=nth_phone_number(2), monthyPrice="0.05", setupPrice="10.5", currency="U$")
    exported = client.get(NUMBERS, headers=CSV_ACCEPT).get_data(as_text=True)
    assert exported.splitlines()[1:] == ["+5584900000001,0.00,999999.99,R$", "+5584900000002,0.05,10.50,U$"]


def test_export_wipe_import_reproduces_the_inventory(app: Flask, client: FlaskClient, runner: Any) -> None:
    runner.invoke(args=["seed", "--count", "300"])
    before = client.get(NUMBERS, query_string={"per_page": 100, "cursor": "", "sort": "value"})
    exported = client.get(NUMBERS, headers=CSV_ACCEPT).get_data()
    with app.app_context(), engine_of(app).begin() as connection:
        connection.execute(text("DELETE FROM numbers"))
    report: dict[str, Any] = upload(client, exported).json  # type: ignore[assignment]
    assert (report["received"], report["created"], report["errors"]) == (300, 300, [])
    assert client.get(NUMBERS, headers=CSV_ACCEPT).get_data() == exported

    def without_ids(response: TestResponse) -> list[dict[str, Any]]:
        return [{k: v for k, v in number.items() if k != "id"} for number in response.json]  # type: ignore[union-attr]

    after = client.get(NUMBERS, query_string={"per_page": 100, "cursor": "", "sort": "value"})
    assert without_ids(after) == without_ids(before)


@pytest.mark.parametrize("mode", ["all-or-nothing", "skip-invalid"])
def test_small_batches_give_the_same_outcome(settings: Settings, mode: str) -> None:
    """Many batches: on PostgreSQL each is stored on a second thread while the next is validated."""
    app = create_app(replace(settings, import_batch_size=64))
    client = client_as(app, "supervisor")
    body, bad_lines = thousand_rows_three_bad()
    body += f"{nth_phone_number(3)},1,1,U$\n"  # line 1002 repeats line 5
    response = upload(client, body, mode=mode)
    errors = response.json["errors"]  # type: ignore[index]
    assert [error["line"] for error in errors] == [*bad_lines, 1002]
    assert stored_count(app) == (0 if mode == "all-or-nothing" else 997)
    with app.app_context():
        inventory().dispose()


def test_a_bad_mode_is_told_in_the_house_style(client: FlaskClient) -> None:
    problem = assert_problem(upload(client, HEADER, mode="skip"), 422, "mode")
    assert problem["errors"][0]["message"] == "must be 'all-or-nothing' or 'skip-invalid'"
