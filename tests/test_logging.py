"""Log lines: readable on a terminal, JSON in the log file and on a pipe."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aura.logging import configure_logging

LINE = re.compile(
    r"^\d\d:\d\d:\d\d INFO    aura\.test  startup phase done  phase=vision seconds=0\.31 "
    r'where="a b"\r?$'
)


@pytest.fixture
def root_logger() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def _emit() -> None:
    logging.getLogger("aura.test").info(
        "startup phase done", extra={"phase": "vision", "seconds": 0.31, "where": "a b"}
    )


def test_a_terminal_gets_readable_lines_the_file_gets_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, root_logger: logging.Logger
) -> None:
    master, slave = os.openpty()
    terminal = os.fdopen(slave, "w", buffering=1)
    try:
        monkeypatch.setattr(sys, "stdout", terminal)
        log_file = configure_logging("INFO", tmp_path / "logs")
        _emit()
        terminal.flush()
        shown = os.read(master, 65536).decode()
    finally:
        terminal.close()
        os.close(master)
    assert LINE.match(shown.splitlines()[0]), shown
    assert log_file is not None
    record = json.loads(log_file.read_text().splitlines()[-1])
    assert record["message"] == "startup phase done" and record["phase"] == "vision"
    assert record["level"] == "INFO" and record["logger"] == "aura.test"


def test_a_pipe_gets_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, root_logger: logging.Logger
) -> None:
    read_end, write_end = os.pipe()
    pipe = os.fdopen(write_end, "w")
    try:
        monkeypatch.setattr(sys, "stdout", pipe)
        configure_logging("INFO", None)
        _emit()
        pipe.flush()
        written = os.read(read_end, 65536).decode()
    finally:
        pipe.close()
        os.close(read_end)
    record = json.loads(written.splitlines()[0])
    assert record["message"] == "startup phase done" and record["seconds"] == 0.31
