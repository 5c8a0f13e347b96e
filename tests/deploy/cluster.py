"""A small Aura cluster of real processes for the multi-replica tests: a private PostgreSQL
(initdb + pg_ctl in a temp folder, on a free port: it can be restarted without touching the
shared server), a private redis-server, `aura serve --service NAME` replicas on fixed
ports, and nginx with the project's gateway config in front of them.

:class:`Supervisor` plays the orchestrator (compose's ``restart: unless-stopped`` plus
readiness gating, or a Kubernetes Deployment): a replica that dies is taken out of nginx's
upstream, restarted, and put back once its /health/ready says 200.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx

from tests.server import AuraServer, free_port
from tests.test_gateway_nginx import gateway_config, wait_for_gateway

PG_BINS = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


def _as_postgres(cmd: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres user then."""
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


class PrivatePostgres:
    """In a temp folder of its own (the postgres user must reach it when we are root)."""

    def __init__(self) -> None:
        if not PG_BINS:
            raise AssertionError("PostgreSQL's binaries are missing (/usr/lib/postgresql/*/bin)")
        self.bin = PG_BINS[-1]
        self.root = Path(tempfile.mkdtemp(prefix="aura-pg-"))
        self.data = self.root / "pgdata"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/aura"

    def _run(self, *args: str, timeout: float = 60) -> None:
        done = subprocess.run(
            _as_postgres([str(self.bin / args[0]), *args[1:]]),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"{args[0]} failed: {done.stdout}{done.stderr}"

    def init(self) -> PrivatePostgres:
        os.chmod(self.root, 0o777)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        conf = self.data / "postgresql.conf"
        conf.write_text(
            conf.read_text()
            + f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
            + f"unix_socket_directories = '{self.root}'\nfsync = off\n"
            + "shared_buffers = 32MB\nmax_connections = 200\n"
        )
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "aura")
        return self

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "pg.log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                _as_postgres(
                    [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
                ),
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    def __init__(self, root: Path) -> None:
        self.root, self.port = root, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.root)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while (
            subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True
            ).stdout.strip()
            != b"PONG"
        ):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)


class Replica:
    """One `aura serve --service NAME` process on a port it keeps across restarts."""

    def __init__(self, service: str, data_dir: Path, env: dict[str, str]) -> None:
        self.service = service
        self.server = AuraServer(data_dir, {**env, "AURA_SERVICE": service})
        self.port = self.server.port
        self.starts = 0
        self.in_upstream = False

    def start(self) -> None:
        self.starts += 1
        self.server.start()

    @property
    def alive(self) -> bool:
        return self.server.proc is not None and self.server.proc.poll() is None

    def _probe(self) -> httpx.Response:
        # a replica joins the upstream once every route it serves can answer
        return httpx.get(self.server.url + "/health/ready?loaded=true", timeout=2)

    def ready(self) -> bool:
        try:
            return self._probe().status_code == 200
        except httpx.HTTPError:
            return False

    def readiness(self) -> str:
        """What /health/ready?loaded=true says (for a failure message)."""
        try:
            answer = self._probe()
            return f"{answer.status_code} {answer.text[:600]}"
        except httpx.HTTPError as exc:
            return f"unreachable ({exc})"

    def kill(self) -> None:
        assert self.server.proc is not None
        self.server.proc.send_signal(signal.SIGKILL)
        self.server.proc.wait(10)

    def stop(self) -> None:
        if self.alive:
            self.server.stop(timeout=30)


class Gateway:
    """Debian's nginx with the project's config; replicas out of rotation are `down`."""

    def __init__(self, root: Path, data_dir: Path, replicas: list[Replica]) -> None:
        self.root, self.data_dir, self.replicas = root, data_dir, replicas
        self.listen = free_port()
        self.url = f"http://127.0.0.1:{self.listen}"
        self.nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc: subprocess.Popen[bytes] | None = None
        self.conf = root / "nginx.conf"
        self._lock = threading.Lock()

    def write(self) -> None:
        ports: dict[str, list[int]] = {}
        for replica in self.replicas:
            ports.setdefault(replica.service, []).append(replica.port)
        ports.setdefault("outfit_recommendation", [free_port()])  # not part of this cluster
        gateway_config(self.root, self.data_dir, ports, self.listen)  # writes root/nginx.conf
        text = self.conf.read_text()
        for replica in self.replicas:  # an orchestrator's readiness gate
            if not replica.in_upstream:
                text = text.replace(f"server 127.0.0.1:{replica.port} ", f"server 127.0.0.1:"
                                    f"{replica.port} down ", 1)  # fmt: skip
        # one client address drives every simulated user here: lift the per-address limits
        text = text.replace("rate=100r/m", "rate=100000r/m").replace("rate=10r/m", "rate=1000r/m")
        text = text.replace("limit_conn aura_conn 50;", "limit_conn aura_conn 500;")
        self.conf.write_text(text)

    def start(self) -> None:
        (self.data_dir / "nginx/logs").mkdir(parents=True, exist_ok=True)
        self.write()
        check = subprocess.run(
            [self.nginx, "-t", "-c", str(self.conf)], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stderr
        self.proc = subprocess.Popen(
            [self.nginx, "-c", str(self.conf), "-g", "daemon off;"], stderr=subprocess.DEVNULL
        )
        wait_for_gateway(self.url)

    def reload(self) -> None:
        with self._lock:
            self.write()
            assert self.proc is not None
            self.proc.send_signal(signal.SIGHUP)
            time.sleep(0.3)  # new workers take over; old ones finish their requests

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)


class Supervisor(threading.Thread):
    """Restart dead replicas; gate each on readiness in and out of the upstream."""

    def __init__(self, gateway: Gateway) -> None:
        super().__init__(name="supervisor", daemon=True)
        self.gateway = gateway
        self.stopping = threading.Event()
        self.recoveries: list[dict[str, object]] = []

    def run(self) -> None:
        while not self.stopping.is_set():
            for replica in self.gateway.replicas:
                if replica.alive or self.stopping.is_set():
                    continue
                died = time.monotonic()
                replica.in_upstream = False
                self.gateway.reload()
                replica.start()
                while not replica.ready() and not self.stopping.is_set():
                    time.sleep(0.2)
                replica.in_upstream = True
                self.gateway.reload()
                self.recoveries.append(
                    {"replica": f"{replica.service}:{replica.port}",
                     "seconds": round(time.monotonic() - died, 1)}
                )  # fmt: skip
            self.stopping.wait(0.2)
