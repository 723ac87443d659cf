"""Every request gets an id: the caller's X-Request-ID when it is sane, else a new one."""

from __future__ import annotations

import logging
import re
import uuid

from flask import Response, g, has_request_context, request

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestIdFilter(logging.Filter):
    """Stamps each log record with the id of the request being served ("-" outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def assign_request_id() -> None:
    given = request.headers.get(HEADER, "")
    g.request_id = given if _SANE.fullmatch(given) else uuid.uuid4().hex


def echo_request_id(response: Response) -> None:
    response.headers[HEADER] = g.get("request_id", "")
