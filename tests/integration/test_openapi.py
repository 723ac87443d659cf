"""The OpenAPI document: valid, complete, and true to what the app answers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from src.web.errors import PROBLEM_TYPE

OPENAPI = "/api/v1/openapi.json"
MAPPING = (Path(__file__).resolve().parents[2] / "src" / "web" / "errors.py").read_text()


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
        content = create["responses"][status]["content"]["application/problem+json"]
        assert content["schema"] == {"$ref": "#/components/schemas/Problem"}
        assert content["example"]["status"] == int(status)


def operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_parameter_of_every_operation_has_a_description_and_an_example(client: FlaskClient) -> None:
    document = client.get(OPENAPI).json
    assert document is not None
    shared = document["components"]["parameters"]
    undocumented = []
    for label, operation in operations(document):
        for parameter in operation.get("parameters", []):
            if "$ref" in parameter:
                parameter = shared[parameter["$ref"].rsplit("/", 1)[-1]]
            has_example = "example" in parameter or parameter.get("examples")
            if not parameter.get("description") or not has_example:
                undocumented.append(f"{label} {parameter['name']}")
    assert undocumented == []


def test_each_error_status_shows_its_own_example_problem(client: FlaskClient) -> None:
    document = client.get(OPENAPI).json
    assert document is not None
    examples: dict[int, dict[str, Any]] = {}
    for label, operation in operations(document):
        for status, response in operation["responses"].items():
            problem = response.get("content", {}).get("application/problem+json")
            if problem is not None:
                example = problem["example"]
                assert example["status"] == int(status), label
                assert example["title"] == HTTPStatus(int(status)).phrase
                kind = example["type"].removeprefix(PROBLEM_TYPE)
                assert kind == "about:blank" or f'kind="{kind}"' in MAPPING, label  # a type we emit
                examples[int(status)] = example
    details = [example["detail"] for example in examples.values()]
    assert len(set(details)) == len(details)  # not one example shown for every status
    assert {401, 403, 404, 409, 412, 422, 503} <= set(examples)


def test_error_examples_name_the_problem_each_operation_really_gives(client: FlaskClient) -> None:
    paths = client.get(OPENAPI).json["paths"]  # type: ignore[index]

    def example_type(path: str, method: str, status: str) -> str:
        content = paths[path][method]["responses"][status]["content"]["application/problem+json"]
        return str(content["example"]["type"]).rsplit(":", 1)[-1]

    assert example_type("/api/v1/numbers/{number_id}", "get", "404") == "number-not-found"
    assert example_type("/api/v1/users/{user_id}", "get", "404") == "user-not-found"
    assert example_type("/api/v1/numbers/imports/{job_id}", "get", "404") == "import-job-not-found"
    assert example_type("/api/v1/numbers/imports", "post", "422") == "import-rejected"
    assert example_type("/api/v1/auth/tokens", "post", "401") == "invalid-credentials"
    assert example_type("/api/v1/numbers", "get", "400") == "invalid-cursor"


def test_try_it_out_logs_in_as_the_local_admin_and_the_page_says_how(client: FlaskClient) -> None:
    document = client.get(OPENAPI).json
    assert document is not None
    login = document["components"]["schemas"]["TokenRequest"]["properties"]
    assert login["email"]["examples"] == ["admin@localhost"]
    assert login["password"]["examples"] == ["local-admin-password"]  # as `make run` creates it
    assert "Authorize" in document["info"]["description"]
    assert "/api/v1/auth/tokens" in document["info"]["description"]


def test_the_import_body_has_a_csv_example_and_currencies_are_listed(client: FlaskClient) -> None:
    document = client.get(OPENAPI).json
    assert document is not None
    body = document["paths"]["/api/v1/numbers/imports"]["post"]["requestBody"]["content"]
    assert body["text/csv"]["example"].startswith("value,monthyPrice,setupPrice,currency\n+")
    assert body["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
    currency = document["components"]["schemas"]["NumberIn"]["properties"]["currency"]
    assert "`U$` (USD)" in currency["description"]
    assert "`R$` (BRL)" in currency["description"]


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
    assert set(imports["requestBody"]["content"]) == {
        "text/csv",
        "application/csv",
        "text/plain",
        "application/vnd.ms-excel",
        "multipart/form-data",
    }
    assert imports["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ImportReportOut"
    }
    assert "write-numbers" in imports["description"]
