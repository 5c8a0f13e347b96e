"""docker-compose.yml: accepted by the real `docker-compose config`, every bind mount in the
seed's tree, every service's environment known to Aura's settings."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from aura.config import Settings, env_var_name

ROOT = Path(__file__).resolve().parents[1]
SECRETS = {"POSTGRES_PASSWORD": "pw", "REDIS_PASSWORD": "rpw", "GRAFANA_ADMIN_PASSWORD": "g"}
AURA_SERVICES = {"visual_analysis", "outfit_recommendation", "conversational_ai"}
SEED_MOUNTS = {
    "nginx": {"data/nginx/logs": "/var/log/nginx"},
    "visual_analysis_service": {
        "data/visual_analysis/models": "/app/models",
        "data/visual_analysis/logs": "/app/logs",
    },
    "outfit_recommendation_service": {
        "data/outfit_recommendation/models": "/app/models",
        "data/outfit_recommendation/logs": "/app/logs",
    },
    "conversational_ai_service": {
        "data/conversational_ai/models": "/app/models",
        "data/conversational_ai/vector_store": "/app/vector_store",
        "data/conversational_ai/logs": "/app/logs",
    },
    "postgres": {"data/postgres": "/var/lib/postgresql/data"},
    "redis": {"data/redis": "/data"},
    "prometheus": {"data/prometheus": "/prometheus"},
    "grafana": {"data/grafana": "/var/lib/grafana"},
}


def compose(*args: str, env_file: Path | None = None) -> subprocess.CompletedProcess[str]:
    if shutil.which("docker-compose") is None:
        pytest.fail("docker-compose is missing: install Debian's docker-compose (.ci/run does)")
    cmd = [
        "docker-compose",
        "--project-directory",
        str(ROOT),
        "-f",
        str(ROOT / "docker-compose.yml"),
    ]
    if env_file:
        cmd += ["--env-file", str(env_file)]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, cwd=ROOT)


@pytest.fixture(scope="module")
def resolved(tmp_path_factory) -> dict:
    env_file = tmp_path_factory.mktemp("env") / ".env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in SECRETS.items()))
    result = compose("config", env_file=env_file)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_required_secrets_are_refused_when_missing(tmp_path):
    empty = tmp_path / ".env"
    empty.write_text("")
    result = compose("config", env_file=empty)
    assert result.returncode != 0
    assert "set POSTGRES_PASSWORD in .env" in result.stderr


def test_every_service_of_the_seed_is_there(resolved):
    # "llm" is the optional profile of a bigger model (tests/assistant/test_llm_compose.py)
    assert set(resolved["services"]) - {"llm"} == set(SEED_MOUNTS)
    assert "volumes" not in resolved or not resolved["volumes"], "no named volumes"


def test_every_state_folder_is_a_bind_mount_of_the_seed_tree(resolved):
    for name, expected in SEED_MOUNTS.items():
        binds = {}
        for volume in resolved["services"][name].get("volumes", []):
            # docker-compose 1.x prints short syntax: SOURCE:TARGET:MODE (always a bind)
            assert isinstance(volume, str), f"{name}: {volume} is not a bind mount"
            source, target, mode = volume.split(":")
            rel = Path(source).resolve().relative_to(ROOT)
            if rel.parts[0] == "data":
                assert mode == "rw"
                binds[str(rel)] = target
            else:
                assert rel.parts[0] == "deploy" and mode == "ro", volume
        assert binds == expected, name


def test_app_services_match_the_settings_table(resolved):
    known = {env_var_name(name) for name in Settings.model_fields}
    for service in AURA_SERVICES:
        spec = resolved["services"][f"{service}_service"]
        env = spec["environment"]
        assert set(env) <= known, f"{service}: unknown variables {set(env) - known}"
        assert env["AURA_SERVICE"] == service and env["AURA_CONTAINER"] == "1"
        assert env["MODEL_PATH"] == "/app/models" and env["LOG_PATH"] == "/app/logs"
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://aura_user:pw@postgres")
        assert env["REDIS_URL"] == "redis://:rpw@redis:6379/0"
        assert spec["user"] == "1000:1000"
        assert spec["command"] == ["aura", "serve", "--service", service]
        assert "/health/ready?loaded=true" in " ".join(spec["healthcheck"]["test"])
        for dep in ("postgres", "redis"):
            assert spec["depends_on"][dep]["condition"] == "service_healthy"
        # the environment resolves with Aura's own settings class
        settings = Settings(**{k: v for k, v in env.items()})
        assert settings.container and settings.service.value == service
    conv = resolved["services"]["conversational_ai_service"]["environment"]
    assert conv["VECTOR_STORE_PATH"] == "/app/vector_store"
    assert conv["FINETUNED_MODEL_PATH"] == "/app/models/aura_fashion_assistant"
    # from-photo in the assistant's container asks the visual_analysis container
    assert conv["AURA_VISION_URL"] == "http://visual_analysis_service:8000"
    assert Settings(**conv).vision_url == conv["AURA_VISION_URL"]


def test_redis_persists_and_prometheus_keeps_history(resolved):
    redis_cmd = resolved["services"]["redis"]["command"]
    assert redis_cmd[redis_cmd.index("--appendonly") + 1] == "yes"
    prom_cmd = " ".join(resolved["services"]["prometheus"]["command"])
    assert "--storage.tsdb.retention.time=30d" in prom_cmd


def test_gpu_override_is_valid(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in SECRETS.items()))
    result = subprocess.run(
        [
            "docker-compose",
            "--project-directory",
            str(ROOT),
            "--env-file",
            str(env_file),
            "-f",
            str(ROOT / "docker-compose.yml"),
            "-f",
            str(ROOT / "docker-compose.gpu.yml"),
            "config",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    for service in AURA_SERVICES:
        spec = services[f"{service}_service"]
        assert spec["environment"]["DEVICE"] == "cuda"
        assert spec["environment"]["AURA_SERVICE"] == service  # merged, not replaced
        assert spec["deploy"]["resources"]["reservations"]["devices"][0]["driver"] == "nvidia"


def test_env_example_names_every_required_secret():
    example = (ROOT / ".env.example").read_text()
    for name in SECRETS:
        assert f"{name}=" in example


def test_each_aura_service_runs_several_stateless_replicas(resolved):
    """N replicas per service behind nginx: no fixed container name or host port that a
    second copy would clash on; the gateway's health checks and retries are in nginx.conf."""
    for service in AURA_SERVICES:
        spec = resolved["services"][f"{service}_service"]
        assert int(spec["deploy"]["replicas"]) >= 2, service
        assert "container_name" not in spec and not spec.get("ports"), service
        assert "/health/ready?loaded=true" in spec["healthcheck"]["test"][-1]  # models loaded
    conf = (ROOT / "deploy/nginx/nginx.conf").read_text()
    for service in AURA_SERVICES:
        assert f"server {service}_service:8000 resolve max_fails=" in conf
    assert "proxy_next_upstream error timeout http_502 http_503 http_504;" in conf
    assert "non_idempotent" not in conf  # a POST that reached a replica is never resent
