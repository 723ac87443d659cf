"""One log line per request: method, path, status, duration, and (from the filter) the request id.

Never the query string's neighbours that could hold secrets: no headers, no body.
"""

from __future__ import annotations

import logging
import time

from flask import Response, g, request

logger = logging.getLogger("number_inventory.access")


def start_clock() -> None:
    g.started_at = time.perf_counter()


def log_request(response: Response) -> None:
    duration_ms = round((time.perf_counter() - g.get("started_at", time.perf_counter())) * 1000, 2)
    method, path, status = request.method, request.path, response.status_code
    http = {"method": method, "path": path, "status": status, "duration_ms": duration_ms}
    logger.info("%s %s %s %.2fms", method, path, status, duration_ms, extra={"http": http})
