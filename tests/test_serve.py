"""`aura serve` over real HTTP, from a subprocess: live, ready, metrics, request ids,
logs, one service per process, and a clean stop on SIGTERM."""

from __future__ import annotations

import json
import signal
import threading
import time

import httpx
import pytest

from aura.api.app import create_app
from aura.config import load_settings
from aura.platform import Platform
from aura.startup import Phase
from tests.server import AuraServer, InThreadServer, free_port, run_aura


@pytest.fixture
def tree(data_dir):
    assert run_aura("setup", env={"AURA_DATA_DIR": str(data_dir)}).returncode == 0
    return data_dir


def test_serves_everything_and_stops_on_sigterm(tree):
    with AuraServer(tree) as server:
        server.wait_live()
        ready = server.wait_ready().json()
        assert ready["status"] == "ready"
        assert [p["name"] for p in ready["phases"]][:2] == ["settings", "layout check"]
        assert set(ready["services"]) == {
            "visual_analysis",
            "outfit_recommendation",
            "conversational_ai",
        }
        for prefix in ("visual-analysis", "outfit-recommendation", "conversational-ai"):
            info = httpx.get(f"{server.url}/api/v1/{prefix}/info")
            assert info.status_code == 200 and info.json()["ready"] is True

        echoed = httpx.get(f"{server.url}/health/live", headers={"X-Request-ID": "req-42"})
        assert echoed.headers["x-request-id"] == "req-42"
        generated = httpx.get(
            f"{server.url}/health/live",
            headers={
                "X-Request-ID": "bad id with spaces",
                "Authorization": "Bearer sk-never-log-me",
            },
        )
        assert len(generated.headers["x-request-id"]) == 32

        metrics = httpx.get(f"{server.url}/metrics").text
        assert 'aura_startup_phase_seconds{phase="settings"}' in metrics
        assert 'aura_startup_phase_seconds{phase="layout check"}' in metrics
        assert "aura_ready 1.0" in metrics
        assert 'aura_storage_bytes{kind="models",owner="conversational_ai"}' in metrics
        assert 'aura_http_requests_total{method="GET",route="/health/live",status="200"}' in metrics

        began = time.monotonic()
        assert server.stop(signal.SIGTERM) == 0
        assert time.monotonic() - began < 15

    records = [
        json.loads(line) for line in (tree / "embedded/logs/aura.log").read_text().splitlines()
    ]
    access = [r for r in records if r.get("logger") == "aura.access"]
    assert any(r.get("request_id") == "req-42" and r["path"] == "/health/live" for r in access)
    assert any(
        r.get("message") == "startup phase done" and r.get("phase") == "layout check"
        for r in records
    )
    assert any(r.get("message") == "shutting down" for r in records)
    assert "sk-never-log-me" not in (tree / "embedded/logs/aura.log").read_text()


def test_one_service_per_process(tree):
    with AuraServer(tree, args=("--service", "visual_analysis")) as server:
        ready = server.wait_ready().json()
        assert ready["services"] == ["visual_analysis"]
        assert httpx.get(f"{server.url}/api/v1/visual-analysis/info").status_code == 200
        assert httpx.get(f"{server.url}/api/v1/conversational-ai/info").status_code == 404
        server.stop()
    assert (tree / "visual_analysis/logs/aura.log").exists()


def test_not_ready_says_which_phase_and_how_to_fix(data_dir):
    with AuraServer(data_dir) as server:  # no `aura setup`: the tree is missing
        server.wait_live()
        deadline = time.monotonic() + 30
        while True:
            response = httpx.get(f"{server.url}/health/ready")
            assert response.status_code == 503
            body = response.json()
            if body["status"] == "failed" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert body["status"] == "failed" and body["phase"] == "layout check"
        assert "does not exist" in body["error"]["message"]
        assert "aura setup" in body["error"]["fix"]
        assert server.stop() == 0


def test_slow_startup_never_blocks_the_event_loop(tree):
    """A phase that takes seconds runs off the loop: live answers, ready says why not yet."""
    release = threading.Event()

    class SlowPlatform(Platform):
        def phases(self):
            def slow(ctx):
                ctx.report("loading a big model")
                release.wait(30)

            return [*super().phases(), Phase("model load", slow)]

    # visual_analysis alone: the phases before the slow one stay light
    # A service without model phases of its own, so the slow phase is the only heavy one.
    settings = load_settings(data_dir=tree, port=free_port(), service="outfit_recommendation")
    app = create_app(settings, SlowPlatform(settings))
    try:
        with InThreadServer(app, settings.port) as server:
            url = server.url
            # The phase holds until released below: had it run on the event loop, none of
            # these requests could be answered (no timing assertion: the machine may be busy).
            for _ in range(20):
                assert httpx.get(f"{url}/health/live", timeout=10).status_code == 200
            deadline = time.monotonic() + 120
            while (not_ready := httpx.get(f"{url}/health/ready")).json()["phase"] != "model load":
                assert not_ready.json()["status"] == "running", not_ready.text
                assert time.monotonic() < deadline, not_ready.text
                time.sleep(0.05)
            assert not_ready.status_code == 503
            assert not_ready.json()["detail"] == "loading a big model"
            release.set()
            deadline = time.monotonic() + 10
            while httpx.get(f"{url}/health/ready").status_code != 200:
                assert time.monotonic() < deadline
                time.sleep(0.05)
    finally:
        release.set()
