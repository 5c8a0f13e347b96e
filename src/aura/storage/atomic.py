"""Atomic writes: temp file in the same directory, fsync, rename over the target, fsync dir.

A reader sees either the old file or the new one, never a partial write, even if the
process is killed with SIGKILL or the machine loses power mid-write. Where several files
make one artifact, write them first and a manifest last (``write_json``): the manifest is
the commit record, and a reader that finds no valid manifest treats the artifact as absent.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


def fsync_dir(path: Path) -> None:
    """Make a rename or create inside ``path`` durable (POSIX needs the directory fsynced)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_open(target: Path, mode: str = "wb", *, file_mode: int = 0o644) -> Iterator[IO[Any]]:
    """Open a temp file beside ``target``; on a clean exit it replaces ``target`` atomically.

    On an exception the temp file is removed and ``target`` is untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, file_mode)
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def write_bytes(target: Path, data: bytes, *, file_mode: int = 0o644) -> None:
    with atomic_open(target, "wb", file_mode=file_mode) as handle:
        handle.write(data)


def write_text(target: Path, text: str, *, file_mode: int = 0o644) -> None:
    write_bytes(target, text.encode("utf-8"), file_mode=file_mode)


def write_json(target: Path, obj: Any, *, file_mode: int = 0o644) -> None:
    write_text(
        target, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n", file_mode=file_mode
    )


def read_json(path: Path) -> Any | None:
    """The parsed JSON at ``path``, or None if it is missing or not valid JSON."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError, UnicodeDecodeError):
        return None
