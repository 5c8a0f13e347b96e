"""`aura doctor` finds each kind of broken tree, explains it, and exits non-zero."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from tests.server import free_port, run_aura


@pytest.fixture
def tree(data_dir):
    assert run_aura("setup", env={"AURA_DATA_DIR": str(data_dir)}).returncode == 0
    return data_dir


def doctor(data_dir, *args, **env):
    result = run_aura("doctor", "--json", *args, env={"AURA_DATA_DIR": str(data_dir), **env})
    return result.returncode, json.loads(result.stdout)


def problems(report, check=None):
    return [
        f
        for f in report["findings"]
        if f["severity"] in ("error", "warning") and (check is None or f["check"] == check)
    ]


def test_healthy_tree_exits_zero(tree):
    code, report = doctor(tree)
    assert code == 0 and report["healthy"] and problems(report) == []


def test_missing_folder(tree):
    shutil.rmtree(tree / "conversational_ai/vector_store")
    code, report = doctor(tree)
    assert code == 1 and not report["healthy"]
    [found] = problems(report)
    assert "vector_store does not exist" in found["message"]
    assert "aura setup" in found["fix"]


def test_file_where_a_folder_should_be(tree):
    shutil.rmtree(tree / "visual_analysis/logs")
    (tree / "visual_analysis/logs").write_text("oops")
    code, report = doctor(tree)
    assert code == 1
    [found] = problems(report, "path")
    assert "is not a directory" in found["message"] and "mv " in found["fix"]


def test_folder_owned_by_another_user(tree):
    if os.geteuid() != 0:
        pytest.skip("changing a folder's owner needs root")
    target = tree / "conversational_ai/models"
    os.chown(target, 12345, 12345)
    code, report = doctor(tree)
    [found] = problems(report, "owner")
    assert found["severity"] == "warning" and "uid 12345" in found["message"]
    assert "chown -R" in found["fix"] and "AURA_UID" in found["fix"]
    assert code == 0  # a warning: Aura still works as root ...
    strict_code, _ = doctor(tree, "--strict")
    assert strict_code == 1  # ... but --strict fails on it


def test_low_free_space(tree):
    code, report = doctor(tree, AURA_MIN_FREE_DISK_MB=str(10**12))
    assert code == 1
    [found] = problems(report, "disk")
    assert "MiB free" in found["message"] and "AURA_MIN_FREE_DISK_MB" in found["fix"]


def test_unreachable_database_and_redis(tree):
    closed = free_port()
    code, report = doctor(
        tree,
        DATABASE_URL=f"postgresql+psycopg://u:topsecret@127.0.0.1:{closed}/x",
        REDIS_URL=f"redis://:topsecret@127.0.0.1:{closed}/0",
    )
    assert code == 1
    assert problems(report, "database") and problems(report, "redis")
    assert "topsecret" not in json.dumps(report)


@pytest.mark.postgres
@pytest.mark.redis
def test_reachable_database_and_redis(tree, postgres_url, redis_url):
    code, report = doctor(tree, DATABASE_URL=postgres_url, REDIS_URL=redis_url)
    checks = {
        f["check"]: f["severity"] for f in report["findings"] if f["check"] in ("database", "redis")
    }
    assert checks == {"database": "ok", "redis": "ok"}
    assert code == 0


def test_human_output_explains_each_problem(tree):
    shutil.rmtree(tree / "grafana")
    result = run_aura("doctor", env={"AURA_DATA_DIR": str(tree)})
    assert result.returncode == 1
    assert "grafana does not exist" in result.stdout and "fix: Run `aura setup`" in result.stdout


def test_an_unreachable_vision_url_is_a_warning(tree):
    url = f"http://127.0.0.1:{free_port()}"
    env = {"AURA_SERVICE": "conversational_ai", "AURA_VISION_URL": url}
    _, report = doctor(tree, **env)
    [found] = problems(report, "vision_url")
    assert found["severity"] == "warning" and "AURA_VISION_URL" in found["message"]
    assert url in found["message"] and "502" in found["message"] and found["fix"]
    _, report = doctor(tree, AURA_SERVICE="conversational_ai")
    [unset] = [f for f in report["findings"] if f["check"] == "vision_url"]
    assert unset["severity"] == "info" and "503" in unset["message"]
