"""Log records as text or one JSON object per line (LOG_FORMAT), to standard error.

A record is one line whatever its fields hold: clients choose some of them (a path, a header), and
a line break among them would let a client write a log line of its own. Control characters and
Unicode line separators are escaped in both formats; a traceback's lines are marked as its own."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# C0 and C1 controls, DEL, and the separators that some readers take for line breaks.
LINE_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
TRACEBACK_MARK = "    | "


def escape_controls(text: str) -> str:
    """'a\nb' -> 'a\\nb': what a client sent stays readable, and on one line."""
    return LINE_BREAKING.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), text)


class TextFormatter(logging.Formatter):
    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        return escape_controls(super().formatMessage(record))

    def formatException(self, ei: Any) -> str:  # noqa: N802
        """Every line of the traceback is marked, so that none can pass for a record of its own."""
        return "\n".join(
            TRACEBACK_MARK + escape_controls(line) for line in super().formatException(ei).split("\n")
        )

    def formatStack(self, stack_info: str) -> str:  # noqa: N802
        return "\n".join(TRACEBACK_MARK + escape_controls(line) for line in stack_info.split("\n"))


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
        # json.dumps escapes C0 controls; the rest that could break a line is escaped here, as JSON.
        return LINE_BREAKING.sub(
            lambda found: f"\\u{ord(found.group()):04x}", json.dumps(entry, ensure_ascii=False)
        )


class DevServerRequestLines(logging.Filter):
    """Drops the development server's own line per request: the app's access log already has one,
    with the request id and duration (werkzeug formats those lines as '... "%s" %s %s')."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.rstrip().endswith('"%s" %s %s'))


def configure_logging(level: str, log_format: str, context: logging.Filter) -> None:
    """One handler on the root logger; `context` adds request_id to every record."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter(TEXT_FORMAT))
    handler.addFilter(context)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "number_inventory", False)]:
        root.removeHandler(old)
    handler.number_inventory = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # Neither format shows where a record was made or by which thread or process: not working
    # those out saves each record (one per request) a walk up the stack and three look-ups
    # (the "Optimization" section of the logging HOWTO).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    dev_server = logging.getLogger("werkzeug")
    if not any(isinstance(f, DevServerRequestLines) for f in dev_server.filters):
        dev_server.addFilter(DevServerRequestLines())
