"""`aura serve` in a child process: start on a data tree, wait for readiness, stop or kill.

The proofs drive the real server over HTTP, exactly as a user would; its stdout (JSON log
lines) goes to a file of its own per start, read back for the start-up's log records.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from aura.config import environment_without_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_environ(extra: Mapping[str, str]) -> dict[str, str]:
    """The current environment without any Aura setting, plus ``extra``."""
    return environment_without_settings(dict(extra))


def _die_with_parent() -> None:
    """In the child: SIGTERM when the proof that started it dies (Linux), so a killed run
    leaves no server behind."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def run_cli(
    *args: str, env: Mapping[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run the `aura` command (this interpreter) with ``env`` as its only Aura settings."""
    return subprocess.run(
        [sys.executable, "-m", "aura", *args],
        env=child_environ(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class ServerProcess:
    """One `aura serve` process on a free port of 127.0.0.1."""

    def __init__(self, env: Mapping[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = child_environ({**env, "AURA_HOST": "127.0.0.1", "AURA_PORT": str(self.port)})
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    def start(self) -> ServerProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_offset = len(self.output())
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "aura", "serve"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,  # only a prctl call: safe before exec
            )
        return self

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def records(self) -> list[dict[str, Any]]:
        """The JSON log records this process wrote so far."""
        out = []
        for line in self.output().splitlines():
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return out

    def wait_ready(
        self, timeout: float = 600, *, loaded: bool = True, every: float = 0.05
    ) -> dict[str, Any]:
        """Poll /health/ready every ``every`` seconds until 200 (and, with ``loaded``, until
        no model is still loading in the background); returns its body (phases and their
        seconds)."""
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None and self._port_taken():
                self._restart_elsewhere()  # another process took the free port first
                continue
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"aura serve exited with {self.proc.returncode}:\n{self.output()[-3000:]}"
                )
            try:
                response = httpx.get(self.url + "/health/ready", timeout=5)
                if response.status_code == 200 and not (loaded and response.json()["loading"]):
                    return dict(response.json())
                last = response.text
            except httpx.HTTPError as exc:
                last = exc
            time.sleep(every)
        self.kill()
        raise RuntimeError(f"not ready after {timeout}s (last: {last}):\n{self.output()[-3000:]}")

    def _port_taken(self) -> bool:
        return "address already in use" in self.output()[self._log_offset :]

    def _restart_elsewhere(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env["AURA_PORT"] = str(self.port)
        self.start()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                raise RuntimeError(f"aura serve ignored signal {sig} for {timeout}s") from None
        return self.proc.returncode

    def kill(self) -> int:
        return self.stop(signal.SIGKILL)

    def __enter__(self) -> ServerProcess:
        return self if self.proc is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.kill()


def metric_sum(text: str, name: str) -> float:
    """Sum of every sample of ``name`` in a Prometheus text exposition."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and line[len(name) : len(name) + 1] in ("{", " "):
            total += float(line.rsplit(" ", 1)[1])
    return total
