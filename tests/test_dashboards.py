"""Grafana provisioning: valid files, and every metric a dashboard or alert queries is one
that a running Aura really exports (so no panel stays empty by a typo)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import yaml

from tests.server import AuraServer, run_aura

ROOT = Path(__file__).resolve().parents[1]
GRAFANA = ROOT / "deploy/grafana"
METRIC = re.compile(r"\b(aura_[a-z0-9_]+)")


def dashboard_exprs() -> list[str]:
    exprs = []
    for path in sorted((GRAFANA / "dashboards").glob("*.json")):
        dashboard = json.loads(path.read_text())
        assert dashboard["uid"] and dashboard["title"] and dashboard["panels"]
        ids = [p["id"] for p in dashboard["panels"]]
        assert len(ids) == len(set(ids)), f"{path.name}: duplicate panel ids"
        for panel in dashboard["panels"]:
            assert panel["datasource"]["uid"] == "aura-prometheus"
            exprs += [t["expr"] for t in panel["targets"]]
    return exprs


def alert_exprs() -> list[str]:
    exprs = []
    for path in sorted((ROOT / "deploy/prometheus/rules").glob("*.yml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            exprs += [rule["expr"] for rule in group["rules"]]
    return exprs


def test_provisioning_files_are_valid():
    datasource = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yml").read_text())
    assert datasource["datasources"][0]["uid"] == "aura-prometheus"
    provider = yaml.safe_load((GRAFANA / "provisioning/dashboards/aura.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
    assert dashboard_exprs()


def test_every_queried_metric_is_exported(data_dir):
    assert run_aura("setup", env={"AURA_DATA_DIR": str(data_dir)}).returncode == 0
    with AuraServer(data_dir) as server:
        server.wait_ready()
        httpx.get(f"{server.url}/health/live")  # so request metrics have samples
        exposition = httpx.get(f"{server.url}/metrics").text
        server.stop()
    exported = set()
    for line in exposition.splitlines():
        if line.startswith("# TYPE "):
            name = line.split()[2]
            exported |= {
                name,
                f"{name}_bucket",
                f"{name}_count",
                f"{name}_sum",
                f"{name}_total",
                f"{name}_created",
            }
    queried = {m for expr in dashboard_exprs() + alert_exprs() for m in METRIC.findall(expr)}
    # the index figures carry real samples once the index is loaded
    assert 'aura_index_lag_changes{space="' in exposition
    assert 'aura_index_vectors{space="' in exposition
    missing = queried - exported
    assert not missing, f"dashboards/alerts query metrics Aura does not export: {missing}"
