"""The framework floor: the least a Flask view can do to answer GET /api/v1/numbers/<id> from
PostgreSQL — one plain SQL SELECT through a pooled connection, the row as JSON. No auth, no ORM, no
use case, no logging of our own. Served by uWSGI with deploy/uwsgi.ini behind the same nginx
config, it is what the real app could reach on this machine; `make bench` reports each scenario
as a ratio to it."""

from __future__ import annotations

import os

from flask import Flask, Response, jsonify
from sqlalchemy import create_engine, text

_ROW = text("SELECT id, e164, monthly_price, setup_price, currency FROM numbers WHERE id = :id")


def create_app() -> Flask:
    app = Flask(__name__)
    engine = create_engine(os.environ["DATABASE_URL"])

    @app.get("/api/v1/numbers/<int:number_id>")
    def get_number(number_id: int) -> Response:
        with engine.connect() as connection:
            row = connection.execute(_ROW, {"id": number_id}).one()
        return jsonify(
            id=row.id,
            value=row.e164,
            monthyPrice=str(row.monthly_price),
            setupPrice=str(row.setup_price),
            currency=row.currency,
        )

    @app.get("/healthz")
    @app.get("/readyz")
    def probe() -> Response:
        return jsonify(status="ok")

    return app
