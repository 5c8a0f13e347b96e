"""Exclusive, non-blocking directory locks that say who holds them.

One writer per directory (an index folder, a training run): the second writer fails at
once with :class:`~aura.errors.LockHeld` naming the holder's pid, host and command,
instead of waiting forever or corrupting the files. ``flock`` locks vanish with the
process, so a SIGKILLed holder never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from pathlib import Path
from types import TracebackType

from aura.errors import LockHeld

LOCK_FILENAME = ".aura.lock"


class DirectoryLock:
    def __init__(self, directory: Path, purpose: str) -> None:
        self.directory = Path(directory)
        self.purpose = purpose
        self.path = self.directory / LOCK_FILENAME
        self._fd: int | None = None

    def acquire(self) -> DirectoryLock:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = self.holder() or {}
            raise LockHeld(
                f"{self.directory} is locked for {holder.get('purpose', 'writing')} by pid "
                f"{holder.get('pid', '?')} on {holder.get('host', '?')} "
                f"({holder.get('command', '?')}, since {holder.get('since', '?')}).",
                fix="Only one writer may use this folder: stop that process, or give this one "
                "its own folder. Readers are not affected.",
            ) from None
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": " ".join(sys.argv)[:200],
            "purpose": self.purpose,
            "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        self._fd = fd
        return self

    def holder(self) -> dict[str, object] | None:
        try:
            data = json.loads(self.path.read_text() or "null")
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> DirectoryLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
