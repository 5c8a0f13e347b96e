"""Debian's Prometheus with the project's config and rules scraping a real `aura serve`, its
TSDB in the data tree; samples survive a Prometheus restart. promtool checks the files."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import yaml

from tests.server import AuraServer, free_port, run_aura

ROOT = Path(__file__).resolve().parents[1]
PROM_DIR = ROOT / "deploy/prometheus"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: install Debian's prometheus (.ci/run does)")
    return path


def test_promtool_accepts_config_and_rules():
    promtool = tool("promtool")
    config = subprocess.run(
        [promtool, "check", "config", str(PROM_DIR / "prometheus.yml")],
        capture_output=True,
        text=True,
    )
    assert config.returncode == 0, config.stdout + config.stderr
    rules = sorted((PROM_DIR / "rules").glob("*.yml"))
    assert rules
    checked = subprocess.run(
        [promtool, "check", "rules", *map(str, rules)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def start_prometheus(config: Path, tsdb: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            tool("prometheus"),
            f"--config.file={config}",
            f"--storage.tsdb.path={tsdb}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--storage.tsdb.retention.time=30d",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/-/ready", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, "prometheus exited"
        assert time.monotonic() < deadline, "prometheus not ready"
        time.sleep(0.2)


def query(port: int, expr: str, at: float | None = None) -> list:
    params = {"query": expr}
    if at is not None:
        params["time"] = str(at)
    body = httpx.get(f"http://127.0.0.1:{port}/api/v1/query", params=params).json()
    assert body["status"] == "success", body
    return body["data"]["result"]


def test_prometheus_scrapes_aura_and_keeps_history_across_restart(tmp_path):
    data_dir = tmp_path / "data"
    assert run_aura("setup", env={"AURA_DATA_DIR": str(data_dir)}).returncode == 0
    with AuraServer(data_dir) as server:
        server.wait_ready()
        config = yaml.safe_load((PROM_DIR / "prometheus.yml").read_text())
        config["global"]["scrape_interval"] = "1s"
        config["rule_files"] = [str(p) for p in sorted((PROM_DIR / "rules").glob("*.yml"))]
        job = next(j for j in config["scrape_configs"] if j["job_name"] == "aura")
        job["static_configs"] = [
            {"targets": [f"127.0.0.1:{server.port}"], "labels": {"service": "all"}}
        ]
        config["scrape_configs"] = [job]
        conf = tmp_path / "prometheus.yml"
        conf.write_text(yaml.safe_dump(config))
        tsdb = data_dir / "prometheus"
        port = free_port()

        prom = start_prometheus(conf, tsdb, port)
        try:
            deadline = time.monotonic() + 30
            while not query(port, 'aura_ready{job="aura"} == 1'):
                targets = httpx.get(f"http://127.0.0.1:{port}/api/v1/targets").text
                assert time.monotonic() < deadline, f"no aura_ready sample scraped: {targets}"
                time.sleep(0.5)
            phases = query(port, "aura_startup_phase_seconds")
            assert {r["metric"]["phase"] for r in phases} >= {"settings", "layout check"}
            assert query(port, "aura_disk_free_bytes / aura_disk_total_bytes")
            seen_at = time.time()
        finally:
            prom.terminate()
            prom.wait(30)
        assert any(tsdb.iterdir()), "the TSDB is in the data tree"

        prom = start_prometheus(conf, tsdb, port)
        try:
            before = query(port, 'aura_ready{job="aura"}', at=seen_at)
            assert before and before[0]["value"][1] == "1", (seen_at, before)
        finally:
            prom.terminate()
            prom.wait(30)
