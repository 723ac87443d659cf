"""Responses every blueprint builds the same way."""

from __future__ import annotations

from flask import Response
from pydantic import BaseModel


def json_response(body: BaseModel, status: int = 200) -> Response:
    return Response(body.model_dump_json(), status=status, mimetype="application/json")


def empty_response(status: int, etag: str | None = None) -> Response:
    response = Response(status=status)
    del response.headers["Content-Type"]  # there is no body to describe
    if etag is not None:
        response.set_etag(etag)
    return response
