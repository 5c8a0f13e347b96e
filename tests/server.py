"""Run the real `aura` server in a subprocess for tests: start, wait, stop, kill."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

AURA_ENV_PREFIXES = (
    "AURA_",
    "MODEL_PATH",
    "VECTOR_STORE_PATH",
    "FINETUNED_MODEL_PATH",
    "LOG_PATH",
    "DATABASE_URL",
    "REDIS_URL",
    "DEVICE",
    "LOG_LEVEL",
    "MAX_WORKERS",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_environ(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The current environment without any Aura setting, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(AURA_ENV_PREFIXES) or k.startswith("AURA_TEST_")
    }
    env.update(extra or {})
    return env


def run_aura(
    *args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the `aura` CLI (same interpreter) and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "aura", *args],
        env=clean_environ(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class AuraServer:
    """`aura serve` in a subprocess on a free port of 127.0.0.1."""

    def __init__(
        self, data_dir: Path, env: Mapping[str, str] | None = None, args: tuple[str, ...] = ()
    ) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = clean_environ(
            {
                "AURA_DATA_DIR": str(data_dir),
                "AURA_PORT": str(self.port),
                "AURA_HOST": "127.0.0.1",
                **(env or {}),
            }
        )
        self.args = args
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir.parent / f"server-{self.port}.out"

    def start(self) -> AuraServer:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "aura", "serve", *self.args],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        out.close()
        return self

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_live(self, timeout: float = 60) -> None:
        self._wait(lambda r: r.status_code == 200, "/health/live", timeout)

    def wait_ready(self, timeout: float = 120, *, loaded: bool = True) -> httpx.Response:
        """Until /health/ready answers 200 and (``loaded``) no model is loading any more."""

        def done(r: httpx.Response) -> bool:
            return r.status_code == 200 and not (loaded and r.json().get("loading"))

        return self._wait(done, "/health/ready", timeout)

    def _wait(self, done, path: str, timeout: float) -> httpx.Response:
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"server exited with {self.proc.returncode}:\n{self.output()[-4000:]}"
                )
            try:
                response = httpx.get(self.url + path, timeout=2)
                if done(response):
                    return response
                last = response.text
            except httpx.HTTPError as exc:
                last = exc
            time.sleep(0.1)
        raise AssertionError(
            f"{path} not ready after {timeout}s (last: {last}):\n{self.output()[-4000:]}"
        )

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                raise AssertionError(f"server ignored signal {sig} for {timeout}s") from None
        return self.proc.returncode

    def kill(self) -> int:
        return self.stop(signal.SIGKILL)

    def __enter__(self) -> AuraServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.kill()


def api_key_headers(data_dir: Path, name: str = "tester") -> dict[str, str]:
    """Create a user on the data tree's database (CLI) and return its bearer header."""
    import json

    result = run_aura("users", "create", name, "--json", env={"AURA_DATA_DIR": str(data_dir)})
    assert result.returncode == 0, result.stderr
    return {"Authorization": f"Bearer {json.loads(result.stdout)['api_key']}"}


class InThreadServer:
    """An app (with a test's own Platform subclass) served by uvicorn in a thread of this
    process, for tests that must hold a start-up phase; ``with`` starts it (live) and stops it.
    Everything else uses :class:`AuraServer`, the real process."""

    def __init__(self, app, port: int) -> None:
        import threading

        import uvicorn

        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None)
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> InThreadServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/health/live", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("the in-thread server never answered /health/live")
            time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(15)
