"""One log line per request: method, path, status, duration, and (from the filter) the request id.

Never the query string's neighbours that could hold secrets: no headers, no body.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

logger = logging.getLogger("number_inventory.access")


def register_access_log(app: Flask) -> None:
    @app.before_request
    def _start_clock() -> None:
        g.started_at = time.perf_counter()

    @app.after_request
    def _log(response: Response) -> Response:
        duration_ms = round((time.perf_counter() - g.get("started_at", time.perf_counter())) * 1000, 2)
        http = {
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
        }
        logger.info(
            "%s %s %s %.2fms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra={"http": http},
        )
        return response
