"""Probes for orchestrators: /healthz says the process is alive, /readyz that the database answers."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from src.infrastructure.database import ping
from src.web.inventory import inventory

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@bp.get("/api/v1/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@bp.get("/readyz")
@bp.get("/api/v1/readyz")
def readyz() -> Response:
    ping(inventory().engine)
    return jsonify(status="ready")
