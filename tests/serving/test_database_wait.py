"""A process that starts while its PostgreSQL is down (a replica restarted during a
database restart) waits for it, says so on /health/ready, and becomes ready by itself once
the database is back; past AURA_DATABASE_WAIT_SECONDS start-up fails with the reason."""

from __future__ import annotations

import time

import httpx

from tests.deploy.cluster import PrivatePostgres
from tests.server import AuraServer, run_aura


def _ready_body(server: AuraServer) -> dict:
    return httpx.get(server.url + "/health/ready", timeout=5).json()


def test_start_up_waits_for_a_database_that_is_restarting(tmp_path) -> None:
    pg = PrivatePostgres().init()
    try:
        env = {"DATABASE_URL": pg.url, "AURA_SERVICE": "outfit_recommendation",
               "AURA_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
        assert run_aura("setup", env=env).returncode == 0
        pg.stop()
        with AuraServer(tmp_path / "data", env) as server:
            server.wait_live()
            deadline = time.monotonic() + 60
            while "waiting for the database" not in str(_ready_body(server).get("detail")):
                assert time.monotonic() < deadline, _ready_body(server)
                time.sleep(0.2)
            body = _ready_body(server)
            assert body["status"] == "running" and body["phase"] == "database migrate"
            pg.start()
            ready = server.wait_ready(loaded=False)
            assert ready.json()["status"] == "ready"
        # a database that stays away: start-up fails, naming it, once the wait is over
        pg.stop()
        env["AURA_DATABASE_WAIT_SECONDS"] = "1"
        with AuraServer(tmp_path / "data", env) as server:
            server.wait_live()
            deadline = time.monotonic() + 60
            while (body := _ready_body(server))["status"] != "failed":
                assert time.monotonic() < deadline, body
                time.sleep(0.2)
            assert body["error"]["error"] == "DependencyUnavailable"
            assert "Connection refused" in body["error"]["message"] and body["error"]["fix"]
    finally:
        pg.destroy()
