"""Probes for orchestrators: /healthz says the process is alive, /readyz that the database answers."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from src.web.inventory import inventory
from src.web.openapi import Operation, Reply, documented

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@bp.get("/api/v1/healthz")
@documented(
    Operation(
        "healthz",
        "Is the process alive? (no database)",
        "probes",
        {200: Reply("Alive.", "HealthStatus")},
        permission=None,
    )
)
def healthz() -> Response:
    return jsonify(status="ok")


@bp.get("/readyz")
@bp.get("/api/v1/readyz")
@documented(
    Operation(
        "readyz",
        "Can the service reach its database?",
        "probes",
        {200: Reply("Ready.", "HealthStatus")},
        permission=None,
    )
)
def readyz() -> Response:
    inventory().check_storage()
    return jsonify(status="ready")
