"""The model store across real processes: `aura models ...` and `aura serve` in subprocesses,
killed with SIGKILL, racing each other, starting offline."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.fakehub import FakeHub, Fault, Repo
from tests.models.conftest import TINY, TINY_REPO, model_env
from tests.server import AuraServer, clean_environ, run_aura

FILES = 3  # config.json, model.safetensors, preprocessor_config.json


def store_dir(data_dir: Path) -> Path:
    return data_dir / "visual_analysis" / "models"


def models_json(env: dict[str, str]) -> dict[str, dict]:
    done = run_aura("models", "list", "--json", env=env)
    assert done.returncode == 0, done.stderr
    return {m["name"]: m for m in json.loads(done.stdout)}


def pull_process(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "aura", "models", "pull", *args],
        env=clean_environ(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def file_gets(hub: FakeHub) -> int:
    return sum(1 for line in hub.stats.log if line.startswith("GET file"))


def test_kill_9_mid_pull_leaves_nothing_valid_and_the_next_pull_completes(
    data_dir: Path, hub: FakeHub, tiny_repo: Repo
):
    env = model_env(data_dir, hub, tiny_repo)
    hub.faults["model.safetensors"] = Fault("stall", after=30_000)
    proc = pull_process(env, TINY)
    deadline = time.monotonic() + 60
    while hub.stats.body_bytes < 30_000 or not any(
        "model.safetensors" in line for line in hub.stats.log if line.startswith("GET")
    ):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the pull never reached the stalled file"
        time.sleep(0.05)
    time.sleep(0.3)
    # Mid-file: the model is not valid, for Aura nor for huggingface_hub's offline lookup.
    assert models_json(env)[TINY]["state"] == "missing"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    hub.release.set()  # end the stalled response on the server side

    assert models_json(env)[TINY]["state"] == "missing"
    leftovers = list(store_dir(data_dir).glob("models--*/blobs/*.incomplete"))
    assert leftovers, "the killed pull should have left its partial file"
    # A snapshot link never points at a partial file: each existing link leads to a whole blob.
    for pointer in store_dir(data_dir).glob("models--*/snapshots/*/*"):
        assert pointer.resolve().read_bytes() == tiny_repo.files[pointer.name]
    assert not list(store_dir(data_dir).glob("models--*/snapshots/*/model.safetensors"))
    verify = run_aura("models", "verify", TINY, env=env)
    assert verify.returncode == 1 and "aura models pull tiny" in verify.stdout
    from huggingface_hub import snapshot_download

    with pytest.raises(Exception, match=r"(?i)incomplete|cannot find"):
        snapshot_download(
            TINY_REPO,
            revision=tiny_repo.commit,
            cache_dir=store_dir(data_dir),
            local_files_only=True,
        )

    done = run_aura("models", "pull", TINY, env=env)
    assert done.returncode == 0, done.stderr
    assert "downloaded" in done.stderr
    assert run_aura("models", "verify", "--full", TINY, env=env).returncode == 0
    assert not any(p.exists() for p in leftovers)  # the next pull cleared what the kill left


def test_four_processes_pulling_at_once_end_with_one_valid_copy(
    data_dir: Path, hub: FakeHub, tiny_repo: Repo
):
    env = model_env(data_dir, hub, tiny_repo)
    procs = [pull_process(env, TINY) for _ in range(4)]
    outcomes = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outcomes
    assert file_gets(hub) == FILES  # one process downloaded; the others found it complete
    actions = sorted(err.split()[0] for _, err in outcomes)
    assert actions == ["cached", "cached", "cached", "downloaded"]
    repo = store_dir(data_dir) / f"models--{TINY_REPO.replace('/', '--')}"
    assert [p.name for p in (repo / "snapshots").iterdir()] == [tiny_repo.commit]
    assert len(list((repo / "blobs").iterdir())) == FILES
    assert run_aura("models", "verify", "--full", TINY, env=env).returncode == 0


def test_a_missing_model_makes_ready_say_what_and_how(
    data_dir: Path, hub: FakeHub, tiny_repo: Repo
):
    env = model_env(data_dir, hub, tiny_repo)
    assert run_aura("setup", env=env).returncode == 0
    with AuraServer(data_dir, env=env) as server:
        server.wait_live()
        deadline = time.monotonic() + 60
        while (body := httpx.get(f"{server.url}/health/ready").json())["status"] == "running":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        response = httpx.get(f"{server.url}/health/ready")
        assert response.status_code == 503
        assert body["status"] == "failed" and body["phase"] == "model resolve"
        assert body["error"]["error"] == "ModelMissing"
        assert "tiny" in body["error"]["message"]
        assert "`aura models pull tiny`" in body["error"]["fix"]
    assert hub.stats.total == 0  # start-up never went to the network


def test_pull_once_then_every_start_is_offline(data_dir: Path, hub: FakeHub, tiny_repo: Repo):
    env = model_env(data_dir, hub, tiny_repo)
    assert run_aura("setup", env=env).returncode == 0
    assert run_aura("models", "pull", env=env).returncode == 0
    hub.reset_stats()
    with AuraServer(data_dir, env=env) as server:
        ready = server.wait_ready().json()
        assert "model resolve" in [p["name"] for p in ready["phases"]]
        metrics = httpx.get(f"{server.url}/metrics").text
        assert 'aura_model_cache_hits_total{model="tiny"}' in metrics
        assert 'aura_model_resolve_seconds{model="tiny"}' in metrics
        assert 'aura_model_bytes{model="tiny",service="visual_analysis"}' in metrics
    assert hub.stats.total == 0  # the second start downloads nothing: zero requests
    hub.stop()  # the hub is gone: offline start with a populated store
    offline = {**env, "AURA_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    with AuraServer(data_dir, env=offline) as server:
        server.wait_ready()


def test_auto_download_fetches_once_at_start(data_dir: Path, hub: FakeHub, tiny_repo: Repo):
    env = model_env(data_dir, hub, tiny_repo, AURA_AUTO_DOWNLOAD="1")
    assert run_aura("setup", env=env).returncode == 0
    with AuraServer(data_dir, env=env) as server:
        server.wait_ready()
        metrics = httpx.get(f"{server.url}/metrics").text
        assert 'aura_model_downloads_total{model="tiny"} 3.0' in metrics
    assert file_gets(hub) == FILES
    hub.reset_stats()
    with AuraServer(data_dir, env=env) as server:
        server.wait_ready()
    assert hub.stats.total == 0


def test_out_of_the_box_start_imports_packaged_models_offline(data_dir: Path):
    """No hub at all: the packaged models are imported at the first start, so it is ready."""
    env = {"AURA_DATA_DIR": str(data_dir), "AURA_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"}
    assert run_aura("setup", env=env).returncode == 0
    with AuraServer(data_dir, env=env) as server:
        server.wait_ready(timeout=180)
    models = models_json(env)
    for name in ("all-MiniLM-L6-v2", "SmolLM2-135M-Instruct-GGUF", "efficientnet-lite0"):
        assert models[name]["state"] == "ok", models[name]
    assert models["fashion-detector"]["state"] == "missing"  # optional: ready without it
    doctor = run_aura("doctor", "--json", env=env)
    findings = [f for f in json.loads(doctor.stdout)["findings"] if f["check"] == "models"]
    assert {f["severity"] for f in findings} <= {"ok", "info"}, findings


def test_the_cli_round_trip(data_dir: Path, hub: FakeHub, tiny_repo: Repo, tmp_path: Path):
    env = model_env(data_dir, hub, tiny_repo)
    assert run_aura("models", "pull", "visual_analysis", env=env).returncode == 0
    verify = run_aura("models", "verify", "--full", "--json", env=env)
    assert verify.returncode == 0 and json.loads(verify.stdout)["ok"] is True
    archive = tmp_path / "models.tar"
    export = run_aura("models", "export", str(archive), TINY, env=env)
    assert export.returncode == 0 and "exported 1 model(s)" in export.stdout, export.stderr
    removed = run_aura("models", "rm", TINY, env=env)
    assert removed.returncode == 0 and "removed tiny" in removed.stdout
    assert models_json(env)[TINY]["state"] == "missing"
    hub.reset_stats()
    imported = run_aura("models", "import", str(archive), env={**env, "AURA_OFFLINE": "1"})
    assert imported.returncode == 0 and "imported 1 model(s)" in imported.stdout
    assert run_aura("models", "verify", "--full", TINY, env=env).returncode == 0
    assert hub.stats.total == 0
    assert run_aura("models", "gc", env=env).returncode == 0
    unknown = run_aura("models", "pull", "no-such-model", env=env)
    assert unknown.returncode == 2 and "aura models list" in unknown.stderr
