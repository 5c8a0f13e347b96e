"""Structured JSON logs to a size-rotated file in the process's logs folder and to stdout.

On a terminal, stdout gets one readable line per record instead (time, level, logger,
message, then the record's fields as ``key=value``); the log file, and stdout when it is a
pipe or a file (containers, CI, log collectors), stay JSON. Every record carries the request
id of the HTTP request it belongs to (if any), so one request can be followed through the logs.
Nothing here ever logs a header or a secret.
"""

from __future__ import annotations

import contextvars
import logging
import logging.handlers
import os
import re
import sys
from pathlib import Path

from pythonjsonlogger.json import JsonFormatter

from aura.config import quiet_library_environment
from aura.layout import LOG_FILENAME, NATIVE_STDERR_FILENAME

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "aura_request_id", default=None
)

_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
_HANDLER_MARK = "_aura_handler"
# Attributes every LogRecord has: whatever else a record carries came from ``extra=``.
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "color_message",
    "taskName",
}


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


class HumanFormatter(logging.Formatter):
    """``12:03:04 INFO  aura.startup  startup phase done  phase=vision seconds=0.31``.

    A structured field (a dict, a list) longer than :data:`FIELD_CHARS` is cut with "…"
    (the log file has it whole); text fields (reasons, fixes, paths) are shown whole.
    """

    def format(self, record: logging.LogRecord) -> str:
        when = self.formatTime(record, "%H:%M:%S")
        fields = [
            f"{key}={_short(value)}"
            for key, value in record.__dict__.items()
            if key not in _STANDARD_ATTRS and not key.startswith("_")
        ]
        if getattr(record, "request_id", None):
            fields.append(f"request_id={record.request_id}")  # type: ignore[attr-defined]
        line = f"{when} {record.levelname:<7} {record.name}  {record.getMessage()}"
        if fields:
            line += "  " + " ".join(fields)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


FIELD_CHARS = 160


def _short(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    if len(text) > FIELD_CHARS and not isinstance(value, str):
        text = text[: FIELD_CHARS - 1] + "…"
    return f'"{text}"' if (" " in text or not text) and isinstance(value, str) else text


class OwnLinesFilter(logging.Filter):
    """For a person's terminal: Aura's and the web server's lines, and other libraries' only
    from WARNING up (alembic's and sentence-transformers' INFO lines stay in the file)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.name.split(".")[0] in (
            "aura",
            "uvicorn",
        )


def configure_logging(
    level: str,
    logs_dir: Path | None,
    *,
    max_bytes: int = 10 * 1024 * 1024,
    backups: int = 5,
    stream: bool = True,
    human: bool | None = None,
) -> Path | None:
    """Install Aura's handlers on the root logger (replacing earlier Aura handlers).

    ``human``: readable lines on stdout instead of JSON; default: exactly when stdout is a
    terminal. The log file is always JSON. Returns the log file path, or None when no logs
    folder is given.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            root.removeHandler(handler)
            handler.close()
    handlers: list[logging.Handler] = []
    if stream:
        console = logging.StreamHandler(sys.stdout)
        if human if human is not None else _is_terminal(sys.stdout):
            console.setFormatter(HumanFormatter())
            console.addFilter(OwnLinesFilter())
        handlers.append(console)
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
        if handler.formatter is None:
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


def _is_terminal(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):  # closed or not a file
        return False


def quiet_native_libraries() -> None:
    """Silence the bundled libraries' informational start-up output (errors still show):
    their switches in the environment (see :data:`aura.config.QUIET_LIBRARY_ENV`), and
    absl-py's Python logger. Call before they are imported."""
    quiet_library_environment()
    logging.getLogger("absl").setLevel(logging.ERROR)


def divert_native_stderr(logs_dir: Path) -> Path:
    """Send what C and C++ libraries write to file descriptor 2 into ``logs_dir``.

    MediaPipe's TensorFlow Lite and absl write to the process's stderr from their own
    threads, ignoring the switches above ("Created TensorFlow Lite XNNPACK delegate",
    "W0000 ... inference_feedback_manager"). For a person at a terminal that descriptor is
    pointed at a file (replaced at each start, so it stays small); Python's ``sys.stderr``
    keeps the terminal, so Aura's own errors still show. Returns the file.
    """
    logs_dir.mkdir(parents=True, exist_ok=True)
    path = logs_dir / NATIVE_STDERR_FILENAME
    sys.stderr.flush()
    terminal = os.dup(2)
    target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(target, 2)
    os.close(target)
    sys.stderr = os.fdopen(terminal, "w", buffering=1, errors="backslashreplace")
    return path
