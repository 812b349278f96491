"""Structured logs: one JSON object per line, with the request id when there is one.

Log shippers (Loki, Elasticsearch, CloudWatch) parse JSON lines without a grammar per
service; the request id joins a log line to the problem+json answer a caller reports
and to the timeline event the request wrote.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

from orderwell.store.request_context import REQUEST_ID

ACCESS = logging.getLogger("orderwell.access")

# Attributes every LogRecord has; anything else was passed in ``extra=`` and is kept.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure(level: str = "info", stream: Any = None) -> logging.Handler:
    """Send every logger (uvicorn's included) to one JSON handler on stderr."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Our access line has the route, the status, the time taken and the request id;
    # uvicorn's own would only repeat part of it.
    logging.getLogger("uvicorn.access").disabled = True
    return handler
