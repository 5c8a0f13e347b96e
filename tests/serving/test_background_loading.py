"""Models whose first use can wait load after ready: /health/ready says so per service, and
a route that needs a model still loading answers 503 with Retry-After at once."""

from __future__ import annotations

import threading
import time

import httpx

from aura.api.app import create_app
from aura.config import load_settings
from aura.platform import Platform
from tests.server import InThreadServer, api_key_headers, free_port, run_aura

ITEM = {"category": "coat", "colors": ["grey"], "description": "wool, long"}


def test_ready_before_the_embedder_and_503_with_retry_after_until_it_is_in(data_dir):
    assert run_aura("setup", env={"AURA_DATA_DIR": str(data_dir)}).returncode == 0
    auth = api_key_headers(data_dir)
    release = threading.Event()

    class HeldEmbedder(Platform):
        def _phase_embedder(self, ctx):  # the real load, once the test lets it go
            release.wait(60)
            super()._phase_embedder(ctx)

    settings = load_settings(data_dir=data_dir, port=free_port(), service="conversational_ai")
    app = create_app(settings, HeldEmbedder(settings))
    try:
        with InThreadServer(app, settings.port) as live:
            url = live.url
            deadline = time.monotonic() + 60
            while True:
                try:
                    ready = httpx.get(f"{url}/health/ready", timeout=5)
                    if ready.status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "never ready"
                time.sleep(0.05)
            body = ready.json()
            assert "embedder load" in body["loading"]
            while body["loads"]["embedder load"]["status"] == "pending":  # a load before it
                assert time.monotonic() < deadline, body
                time.sleep(0.05)
                body = httpx.get(f"{url}/health/ready", timeout=5).json()
            assert body["loads"]["embedder load"]["status"] == "loading"
            status = body["service_status"]["conversational_ai"]
            assert status["ready"] is False and "embedder load" in status["loading"]
            info = httpx.get(f"{url}/api/v1/conversational-ai/info").json()
            assert info["ready"] is False and "embedder load" in info["loading"]
            # the replica probe waits for the models too: a load balancer keeps it out until then
            probe = httpx.get(f"{url}/health/ready", params={"loaded": "true"}, timeout=5)
            assert probe.status_code == 503 and probe.headers["retry-after"] == "1"

            began = time.monotonic()
            items = f"{url}/api/v1/wardrobe/items"
            refused = httpx.post(items, json=ITEM, headers=auth, timeout=10)
            assert time.monotonic() - began < 5  # answered at once, not held until the model loads
            assert refused.status_code == 503, refused.text
            assert int(refused.headers["retry-after"]) >= 1
            assert "still loading" in refused.json()["message"]
            assert refused.json()["fix"]
            listed = httpx.get(f"{url}/api/v1/wardrobe/items", headers=auth, timeout=10)
            assert listed.status_code == 200 and listed.json()["items"] == []  # nothing stored

            release.set()
            deadline = time.monotonic() + 120
            while (body := httpx.get(f"{url}/health/ready").json())["loading"]:
                assert time.monotonic() < deadline, body
                time.sleep(0.1)
            assert body["service_status"]["conversational_ai"]["ready"] is True
            assert body["loaded_seconds"] >= body["startup_seconds"]
            assert httpx.get(f"{url}/health/ready", params={"loaded": "true"}).status_code == 200
            created = httpx.post(items, json=ITEM, headers=auth, timeout=30)
            assert created.status_code == 201, created.text
    finally:
        release.set()
