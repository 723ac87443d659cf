"""The OpenAPI document: valid, complete, and true to what the app answers."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

OPENAPI = "/api/v1/openapi.json"


def test_the_document_is_valid_openapi_3_1(client: FlaskClient) -> None:
    response = client.get(OPENAPI)
    assert response.status_code == 200
    document = response.json
    assert document["openapi"] == "3.1.0"  # type: ignore[index]
    validate(document)  # type: ignore[arg-type]


def test_every_route_is_documented_with_every_method(app: Flask, client: FlaskClient) -> None:
    paths = client.get(OPENAPI).json["paths"]  # type: ignore[index]
    served: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.endswith("static"):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            served.setdefault(path, set()).update(
                m.lower() for m in (rule.methods or set()) - {"HEAD", "OPTIONS"}
            )
    assert {path: set(operations) for path, operations in paths.items()} == served


def test_the_number_schemas_are_the_pydantic_ones(client: FlaskClient) -> None:
    schemas = client.get(OPENAPI).json["components"]["schemas"]  # type: ignore[index]
    assert list(schemas["NumberOut"]["properties"]) == [
        "id",
        "value",
        "monthyPrice",
        "setupPrice",
        "currency",
    ]
    assert set(schemas["NumberIn"]["required"]) == {"value", "monthyPrice", "setupPrice", "currency"}
    assert schemas["NumberIn"]["additionalProperties"] is False
    assert "required" not in schemas["NumberPatch"]


def test_headers_and_problems_are_described(client: FlaskClient) -> None:
    document = client.get(OPENAPI).json
    create = document["paths"]["/api/v1/numbers"]["post"]  # type: ignore[index]
    assert set(create["responses"]["201"]["headers"]) == {
        "X-Request-ID",
        "Location",
        "ETag",
        "Idempotent-Replayed",
    }
    assert {"$ref": "#/components/parameters/Idempotency-Key"} in create["parameters"]
    listing = document["paths"]["/api/v1/numbers"]["get"]  # type: ignore[index]
    assert {"X-Total-Count", "Link"} <= set(listing["responses"]["200"]["headers"])
    per_page = next(p for p in listing["parameters"] if p["name"] == "per_page")
    assert per_page["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
    for status in ("409", "422", "500", "503"):
        content = create["responses"][status]["content"]
        assert content == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def test_swagger_ui_is_served_from_our_own_files(client: FlaskClient) -> None:
    assert client.get("/").headers["Location"] == "/docs"
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    scripts = re.findall(r'src="([^"]+)"', html)
    assert scripts == ["/docs/static/swagger-ui/swagger-ui-bundle.js", "/docs/static/docs/initializer.js"]
    for asset in [*scripts, *re.findall(r'href="([^"]+)"', html)]:
        with client.get(asset) as response:
            assert response.status_code == 200, asset
    assert "http" not in html  # nothing from the internet


def test_403_is_documented_only_where_some_role_is_refused(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").json["paths"]  # type: ignore[index]
    assert "403" not in paths["/api/v1/numbers/{number_id}"]["get"]["responses"]  # every role reads numbers
    assert "403" not in paths["/api/v1/auth/me"]["get"]["responses"]
    # Every role lists numbers, but the CSV export of that listing is for writers: a viewer gets 403.
    assert "403" in paths["/api/v1/numbers"]["get"]["responses"]
    assert "403" in paths["/api/v1/numbers"]["post"]["responses"]  # not a viewer
    assert "403" in paths["/api/v1/users"]["get"]["responses"]  # only an admin
    assert "(roles: admin, supervisor)" in paths["/api/v1/numbers"]["post"]["description"]


def test_the_table_operations_are_described(client: FlaskClient) -> None:
    document = client.get(OPENAPI).json
    listing = document["paths"]["/api/v1/numbers"]["get"]  # type: ignore[index]
    names = {parameter.get("name") for parameter in listing["parameters"]}
    assert {
        "q",
        "country",
        "prefix",
        "currency",
        "sort",
        "cursor",
        "monthyPrice_min",
        "setupPrice_max",
    } <= names
    assert set(listing["responses"]["200"]["content"]) == {"application/json", "text/csv"}
    assert "X-Total-Count-Estimated" in listing["responses"]["200"]["headers"]
    imports = document["paths"]["/api/v1/numbers/imports"]["post"]  # type: ignore[index]
    assert set(imports["requestBody"]["content"]) == {"text/csv"}
    assert imports["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ImportReportOut"
    }
    assert "write-numbers" in imports["description"]
