"""How fast `make run` becomes ready: first run (fresh clone: venv, install, data tree)
against a second run (everything reused), and the floor (the interpreter importing Aura's
app). Prints seconds and ratios measured in the same run.

    python benchmarks/serve_startup.py [--repo PATH] [--skip-first]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def time_make_run(repo: Path, timeout: float = 900) -> float:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AURA_")}
    env.update(AURA_PORT=str(port), AURA_DATA_DIR=str(repo / "data"))
    began = time.perf_counter()
    proc = subprocess.Popen(
        ["make", "run"],
        cwd=repo,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while time.perf_counter() - began < timeout:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=1):
                    return time.perf_counter() - began
            except OSError:
                if proc.poll() is not None:
                    raise SystemExit(f"make run exited with {proc.returncode}") from None
                time.sleep(0.05)
        raise SystemExit("make run did not become ready in time")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def time_import_floor(repo: Path) -> float:
    python = repo / ".venv/bin/python"
    began = time.perf_counter()
    subprocess.run([str(python), "-c", "import aura.api.app, uvicorn"], check=True, cwd=repo)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repo", type=Path, help="an existing checkout to reuse")
    parser.add_argument("--skip-first", action="store_true", help="only the warm run")
    args = parser.parse_args()
    scratch = None
    if args.repo:
        repo = args.repo.resolve()
    else:
        scratch = Path(tempfile.mkdtemp(prefix="aura-bench-"))
        repo = scratch / "aura"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
    try:
        first = None if args.skip_first else time_make_run(repo)
        second = time_make_run(repo)
        floor = time_import_floor(repo)
        if first is not None:
            print(f"first  make run -> ready: {first:8.2f} s  (fresh clone: venv, install, setup)")
        print(f"second make run -> ready: {second:8.2f} s")
        print(f"floor (import app)      : {floor:8.2f} s")
        if first is not None:
            print(f"first / second          : {first / second:8.1f}x")
        print(f"second / floor          : {second / floor:8.1f}x")
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
