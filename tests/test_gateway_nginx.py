"""Debian's nginx with the project's gateway config in front of real `aura serve` processes:
routing, request ids, 413 on oversized bodies, 429 under the rate limit, headers, logs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.server import AuraServer, api_key_headers, free_port, run_aura

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("visual_analysis", "outfit_recommendation", "conversational_ai")
AUTH: dict[str, str] = {}  # the bearer header of the fixture's user


def gateway_config(
    tmp: Path, data_dir: Path, ports: dict[str, int | list[int]], listen: int
) -> Path:
    """The project's nginx.conf with only addresses and paths replaced for this machine:
    each service's replicas (one port or several) in place of its Docker DNS name."""
    text = (ROOT / "deploy/nginx/nginx.conf").read_text()
    for service, port in ports.items():
        line = re.search(rf"server {service}_service:8000( resolve)?(?P<opts>[^;]*);", text)
        assert line is not None, f"no upstream server line for {service} in nginx.conf"
        servers = "\n        ".join(
            f"server 127.0.0.1:{p}{line['opts']};"
            for p in ([port] if isinstance(port, int) else port)
        )
        text = text.replace(line[0], servers)
    text = text.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    text = text.replace("/var/log/nginx", str(data_dir / "nginx/logs"))
    text = text.replace("pid /tmp/nginx.pid;", f"pid {tmp}/nginx.pid;\nuser root;")
    text = text.replace(
        "http {",
        f"http {{\n    client_body_temp_path {tmp}/body;\n    proxy_temp_path {tmp}/proxy;\n",
        1,
    )
    conf = tmp / "nginx.conf"
    conf.write_text(text)
    return conf


def wait_for_gateway(url: str, timeout: float = 20) -> None:
    """Until nginx answers its own /health."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(f"{url}/health", timeout=1)
            return
        except httpx.HTTPError:
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.1)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.fail("nginx is missing: install Debian's nginx (.ci/run does)")
    tmp = tmp_path_factory.mktemp("gateway")
    data_dir = tmp / "data"
    assert run_aura("setup", env={"AURA_DATA_DIR": str(data_dir)}).returncode == 0
    AUTH.update(api_key_headers(data_dir))
    servers = {s: AuraServer(data_dir, args=("--service", s)).start() for s in SERVICES}
    listen = free_port()
    conf = gateway_config(tmp, data_dir, {s: srv.port for s, srv in servers.items()}, listen)
    check = subprocess.run([nginx, "-t", "-c", str(conf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([nginx, "-c", str(conf), "-g", "daemon off;"], stderr=subprocess.PIPE)
    try:
        for server in servers.values():
            server.wait_ready()
        url = f"http://127.0.0.1:{listen}"
        wait_for_gateway(url)
        yield url, data_dir
    finally:
        proc.terminate()
        proc.wait(10)
        for server in servers.values():
            server.stop()


def test_routes_each_prefix_to_its_service(gateway):
    url, _ = gateway
    for service in SERVICES:
        prefix = service.replace("_", "-")
        response = httpx.get(f"{url}/api/v1/{prefix}/info")
        assert response.status_code == 200, response.text
        assert response.json()["service"] == service
    assert httpx.get(f"{url}/elsewhere").status_code == 404
    # the wardrobe lives with the assistant: without a key it answers 401, not nginx's 404
    wardrobe = httpx.get(f"{url}/api/v1/wardrobe/items")
    assert wardrobe.status_code == 401, wardrobe.text


def test_the_web_app_is_served_through_the_gateway(gateway):
    url, _ = gateway
    page = httpx.get(f"{url}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/app.js">' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]  # Aura's own
    script = httpx.get(f"{url}/static/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    status = httpx.get(f"{url}/api/v1/system/status")  # the page's system route: a key
    assert status.status_code == 401, status.text
    # no local sign-in behind the gateway: only a one-process `aura serve` on loopback has it
    signin = httpx.post(f"{url}/api/v1/session/local-signin", json={"token": "x"})
    assert signin.status_code == 404 and "aura users create" in signin.json()["message"]


def test_security_headers_and_request_id(gateway):
    url, _ = gateway
    response = httpx.get(f"{url}/api/v1/outfit-recommendation/info")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "server" not in response.headers or "nginx/" not in response.headers["server"]
    # nginx's $request_id reaches Aura, which echoes it back
    assert len(response.headers["x-request-id"]) == 32
    health = httpx.get(f"{url}/health")
    assert health.status_code == 200 and health.json()["component"] == "gateway"


def test_oversized_body_is_refused_with_413(gateway):
    url, _ = gateway
    big = b"\0" * (10 * 1024 * 1024 + 1)
    response = httpx.post(f"{url}/api/v1/conversational-ai/info", content=big)
    assert response.status_code == 413


def test_uploads_are_rate_limited_with_429(gateway):
    url, _ = gateway
    statuses = [
        httpx.post(f"{url}/api/v1/visual-analysis/analyze", content=b"x").status_code
        for _ in range(12)
    ]
    assert 429 in statuses, statuses
    assert statuses[0] != 429  # the burst lets the first ones through


def test_access_log_is_json_in_the_data_tree(gateway):
    url, data_dir = gateway
    httpx.get(f"{url}/api/v1/visual-analysis/info", headers={"User-Agent": "gateway-test"})
    log = data_dir / "nginx/logs/access.log"
    deadline = time.monotonic() + 5
    while "gateway-test" not in (log.read_text() if log.exists() else ""):
        assert time.monotonic() < deadline, "no access log line"
        time.sleep(0.1)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    mine = [r for r in records if r["user_agent"] == "gateway-test"]
    assert mine[-1]["status"] == 200 and mine[-1]["uri"] == "/api/v1/visual-analysis/info"
    assert len(mine[-1]["request_id"]) == 32


def test_chat_websocket_is_upgraded_through_the_gateway(gateway):
    url, _ = gateway
    from websockets.sync.client import connect

    ws_url = url.replace("http://", "ws://") + "/api/v1/conversational-ai/ws/chat"
    with connect(ws_url, additional_headers=AUTH, open_timeout=30) as ws:
        ws.send(json.dumps({"message": "Hello", "max_tokens": 4, "temperature": 0}))
        events = []
        while not events or events[-1]["type"] not in ("end", "error"):
            events.append(json.loads(ws.recv(timeout=120)))
    assert events[0]["type"] == "start" and events[-1]["type"] == "end", events
    assert any(e["type"] == "delta" for e in events)


def test_no_replica_answering_is_a_json_502_with_retry_after(tmp_path):
    """Every replica gone (or skipped): nginx's own 502 in the API's error shape."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    data_dir = tmp_path / "data"
    (data_dir / "nginx/logs").mkdir(parents=True)
    listen = free_port()
    nothing = {s: free_port() for s in SERVICES}  # no process listens on these
    conf = gateway_config(tmp_path, data_dir, nothing, listen)
    proc = subprocess.Popen([nginx, "-c", str(conf), "-g", "daemon off;"], stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{listen}"
        wait_for_gateway(url)
        for method, path in (("GET", "/api/v1/outfit-recommendation/info"),
                             ("POST", "/api/v1/wardrobe/items")):  # fmt: skip
            answer = httpx.request(method, url + path, json={} if method == "POST" else None)
            assert answer.status_code == 502, answer.text
            assert answer.headers["content-type"].startswith("application/json")
            body = answer.json()
            assert body["error"] == "UpstreamUnavailable" and body["fix"], body
            assert int(answer.headers["retry-after"]) >= 1
    finally:
        proc.terminate()
        proc.wait(10)
