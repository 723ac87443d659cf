"""The API's own description: the OpenAPI document and Swagger UI, served with no internet."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, url_for

from src.web.inventory import inventory
from src.web.openapi import Operation, Reply, build_openapi, documented

bp = Blueprint("docs", __name__, static_folder="../static", static_url_path="/docs/static")
OPENAPI_KEY = "number_inventory_openapi"


@bp.get("/api/v1/openapi.json")
@documented(
    Operation(
        "openapiDocument",
        "This API's OpenAPI 3.1 document",
        "docs",
        {200: Reply("The document.", schema={"type": "object"})},
        permission=None,
    )
)
def openapi_document() -> Response:
    document: dict[str, Any] | None = current_app.extensions.get(OPENAPI_KEY)
    if document is None:  # built once, when the URL map is complete
        document = build_openapi(current_app, inventory().settings)
        current_app.extensions[OPENAPI_KEY] = document
    return jsonify(document)


@bp.get("/docs")
@documented(
    Operation(
        "swaggerUi",
        "Swagger UI",
        "docs",
        {200: Reply("The page.", media_type="text/html", schema={"type": "string"})},
        permission=None,
    )
)
def swagger_ui() -> str:
    return render_template("docs.html")


@bp.get("/")
@documented(
    Operation(
        "root",
        "Redirects to the documentation",
        "docs",
        {302: Reply("To /docs.", headers=("Location",))},
        permission=None,
    )
)
def root() -> Response:
    return redirect(url_for("docs.swagger_ui"))  # type: ignore[return-value]
