"""Log records as text or one JSON object per line (LOG_FORMAT), to standard error."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        http = getattr(record, "http", None)
        if isinstance(http, dict):
            entry.update(http)
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class DevServerRequestLines(logging.Filter):
    """Drops the development server's own line per request: the app's access log already has one,
    with the request id and duration (werkzeug formats those lines as '... "%s" %s %s')."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.rstrip().endswith('"%s" %s %s'))


def configure_logging(level: str, log_format: str, context: logging.Filter) -> None:
    """One handler on the root logger; `context` adds request_id to every record."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(context)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "number_inventory", False)]:
        root.removeHandler(old)
    handler.number_inventory = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    dev_server = logging.getLogger("werkzeug")
    if not any(isinstance(f, DevServerRequestLines) for f in dev_server.filters):
        dev_server.addFilter(DevServerRequestLines())
