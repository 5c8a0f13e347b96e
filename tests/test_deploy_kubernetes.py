"""Kubernetes manifests: valid against the Kubernetes schemas (kubernetes-validate, strict),
and shaped as the architecture says: readiness on /health/ready, models pulled into
persistent volumes, the index cache local to each replica, settings Aura knows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from aura.config import Settings, env_var_name

K8S = Path(__file__).resolve().parents[1] / "deploy/kubernetes"
SERVICES = ("visual_analysis", "outfit_recommendation", "conversational_ai")


def resources() -> list[dict]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    docs = []
    for name in kustomization["resources"]:
        docs += [d for d in yaml.safe_load_all((K8S / name).read_text()) if d]
    return docs


def test_manifests_validate_against_the_kubernetes_schemas():
    files = sorted(str(p) for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
    validator = Path(sys.executable).parent / "kubernetes-validate"
    result = subprocess.run(
        [str(validator), "--strict", "--quiet", *files], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_services_are_ready_only_when_aura_says_so():
    docs = resources()
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    claims = {d["metadata"]["name"] for d in docs if d["kind"] == "PersistentVolumeClaim"}
    config = next(d for d in docs if d["kind"] == "ConfigMap")["data"]
    known = {env_var_name(n) for n in Settings.model_fields}
    assert set(config) <= known
    assert set(deployments) == {s.replace("_", "-") for s in SERVICES}
    for service in SERVICES:
        spec = deployments[service.replace("_", "-")]["spec"]["template"]["spec"]
        [container] = spec["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready?loaded=true"
        assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
        assert container["args"] == ["aura", "serve", "--service", service]
        assert {e["name"] for e in container["env"]} <= known
        assert container["resources"]["requests"]
        [init] = spec["initContainers"]
        assert init["args"][:3] == ["aura", "models", "pull"]
        volumes = {v["name"]: v for v in spec["volumes"]}
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        models = volumes[mounts["/app/models"]]
        assert models["persistentVolumeClaim"]["claimName"] in claims
        if service == "conversational_ai":
            assert "emptyDir" in volumes[mounts["/app/vector_store"]], "index cache is local"
            env = {e["name"]: e.get("value") for e in container["env"]}
            services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
            vision = services["visual-analysis"]
            port = vision["spec"]["ports"][0]["port"]
            assert env["AURA_VISION_URL"] == f"http://{vision['metadata']['name']}:{port}"
        assert spec["securityContext"]["runAsNonRoot"] is True


def test_every_service_runs_replicas_that_roll_without_downtime():
    docs = resources()
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    budgets = {
        d["spec"]["selector"]["matchLabels"]["app"]
        for d in docs
        if d["kind"] == "PodDisruptionBudget" and d["spec"]["minAvailable"] >= 1
    }
    for deployment in deployments:
        spec = deployment["spec"]
        assert spec["replicas"] >= 2, deployment["metadata"]["name"]
        assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
        assert spec["selector"]["matchLabels"]["app"] in budgets
