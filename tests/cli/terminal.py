"""Run the `aura` CLI on a pseudo-terminal of a given size, as a person's shell would."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Mapping

from tests.server import clean_environ


class Terminal:
    """`aura ARGS` with stdin, stdout and stderr on one pty (``columns`` wide)."""

    def __init__(
        self, *args: str, env: Mapping[str, str] | None = None, columns: int = 100
    ) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
        environ = clean_environ(env)
        environ.pop("COLUMNS", None)
        environ.update({"TERM": "xterm-256color"})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "aura", *args],
            env=environ,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
        )
        os.close(slave)
        self.text = ""

    def read_until(self, done: Callable[[str], bool], timeout: float) -> str:
        """Everything written so far, once ``done(text)`` or the process ended."""
        deadline = time.monotonic() + timeout
        while not done(self.text) and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if not ready:
                if self.proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            self.text += chunk.decode(errors="replace")
        return self.text

    def wait(self, timeout: float = 60) -> int:
        self.read_until(lambda _: False, timeout)
        return self.proc.wait(timeout=timeout)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        os.close(self.master)
