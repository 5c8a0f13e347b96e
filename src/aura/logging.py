"""Structured JSON logs to stdout and to a size-rotated file in the process's logs folder.

Every record carries the request id of the HTTP request it belongs to (if any), so one
request can be followed through the logs. Nothing here ever logs a header or a secret.
"""

from __future__ import annotations

import contextvars
import logging
import logging.handlers
import re
import sys
from pathlib import Path

from pythonjsonlogger.json import JsonFormatter

from aura.layout import LOG_FILENAME

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "aura_request_id", default=None
)

_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
_HANDLER_MARK = "_aura_handler"


class RequestIdFilter(logging.Filter):
    """Adds the request id; drops uvicorn's terminal-only ``color_message`` duplicate."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.__dict__.pop("color_message", None)
        return True


# A credential in a message: ``?api_key=...`` (uvicorn logs a WebSocket's path with its query
# string), a bearer token, or an Aura key anywhere. Replaced before any handler writes.
_SECRETS = (
    (
        re.compile(r"(?i)([?&#](?:api_key|apikey|key|token|access_token|signin)=)[^&\s\"'#]+"),
        r"\1[redacted]",
    ),
    (re.compile(r"(?i)(bearer\s+)[\w.~+/=-]+"), r"\1[redacted]"),
    (re.compile(r"\baura_[\w-]{16,}"), "aura_[redacted]"),
)


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Masks keys and tokens in the message of every record (found by test_security.py:
    uvicorn's WebSocket lines carried ``?api_key=``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def _formatter() -> JsonFormatter:
    return JsonFormatter(
        _FORMAT,
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        timestamp=False,
    )


def configure_logging(
    level: str,
    logs_dir: Path | None,
    *,
    max_bytes: int = 10 * 1024 * 1024,
    backups: int = 5,
    stream: bool = True,
) -> Path | None:
    """Install Aura's handlers on the root logger (replacing earlier Aura handlers).

    Returns the log file path, or None when no logs folder is given.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            root.removeHandler(handler)
            handler.close()
    handlers: list[logging.Handler] = []
    if stream:
        handlers.append(logging.StreamHandler(sys.stdout))
    log_file = None
    if logs_dir is not None:
        logs_dir.mkdir(parents=True, exist_ok=True)
        log_file = logs_dir / LOG_FILENAME
        handlers.append(
            logging.handlers.RotatingFileHandler(
                log_file, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
            )
        )
    for handler in handlers:
        handler.setFormatter(_formatter())
        handler.addFilter(RequestIdFilter())
        handler.addFilter(RedactSecrets())
        setattr(handler, _HANDLER_MARK, True)
        root.addHandler(handler)
    root.setLevel(level)
    # uvicorn's own loggers propagate to ours; its access log is replaced by Aura's.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    return log_file
