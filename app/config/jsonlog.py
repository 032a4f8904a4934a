"""A stdlib-only JSON log formatter: one JSON object per line on stdout.

It imports nothing from Django so that gunicorn.conf.py can use it for the
gunicorn.error and gunicorn.access loggers before Django is loaded. CloudWatch
Logs (the awslogs driver) then receives one parseable JSON object per event;
newlines inside messages and tracebacks are escaped by json.dumps.
"""
import json
import logging
from datetime import datetime, timezone

# Attributes every LogRecord has; anything else was passed with extra= and is
# worth keeping when it serialises (e.g. Django's status_code).
_RESERVED = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys()
) | {"message", "asctime", "request", "server_time"}


class JsonFormatter(logging.Formatter):
    """Formats a record as JSON with time, level, logger and message keys."""

    def format(self, record):
        payload = {
            "time": datetime.fromtimestamp(record.created, tz=timezone.utc)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        for key, value in vars(record).items():
            if key in _RESERVED or key.startswith("_") or key in payload:
                continue
            if isinstance(value, (str, int, float, bool)) or value is None:
                payload[key] = value
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(payload, ensure_ascii=False, default=str)
