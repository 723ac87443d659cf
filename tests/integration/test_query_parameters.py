"""A query parameter the endpoint does not know is a 422 naming it, as an unknown body field is:
silently ignoring `limit` would hand the client a page size it never asked for."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

NUMBERS = "/api/v1/numbers"


def field_errors(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.data
    assert response.mimetype == "application/problem+json"
    return {error["field"]: error["message"] for error in response.json["errors"]}


def test_each_unknown_list_parameter_is_named_with_what_was_meant(client: FlaskClient) -> None:
    errors = field_errors(client.get(f"{NUMBERS}?limit=10&offset=5&foo=bar"))
    assert set(errors) == {"limit", "offset", "foo"}
    assert errors["limit"].endswith("did you mean 'per_page'?")
    assert errors["offset"].endswith("did you mean 'page'?")
    assert errors["foo"].startswith(
        "is not a query parameter of GET /numbers (the parameters are page, per_page"
    )
    assert "did you mean" not in errors["foo"]


def test_a_misspelt_parameter_gets_the_closest_name(client: FlaskClient) -> None:
    errors = field_errors(client.get(f"{NUMBERS}?monthlyPrice_min=1"))
    assert errors["monthlyPrice_min"].endswith("did you mean 'monthyPrice_min'?")


def test_a_misspelt_sort_key_gets_the_agreed_name(client: FlaskClient) -> None:
    errors = field_errors(client.get(f"{NUMBERS}?sort=monthlyPrice"))
    assert errors["sort"].endswith("did you mean 'monthyPrice'?")
    errors = field_errors(client.get(f"{NUMBERS}?sort=-setup_price"))
    assert errors["sort"].endswith("did you mean 'setupPrice'?")


@pytest.mark.parametrize("query", ["modes=skip-invalid", "skip_invalid=1"])
def test_an_unknown_import_parameter_is_refused_before_the_file_is_read(
    client: FlaskClient, query: str
) -> None:
    response = client.post(
        f"{NUMBERS}/imports?{query}", data="value,monthyPrice,setupPrice,currency\n", content_type="text/csv"
    )
    [field] = field_errors(response)
    assert field == query.partition("=")[0]


def test_known_parameters_still_work_and_links_keep_them(client: FlaskClient) -> None:
    response = client.get(f"{NUMBERS}?per_page=5&sort=-monthyPrice&country=BR")
    assert response.status_code == 200
    assert "sort=-monthyPrice&country=BR" in response.headers["Link"]
