"""`aura usage`: bytes per service and kind, symlinks and hard links counted once."""

from __future__ import annotations

import json
import os

from tests.server import run_aura

MiB = 1024 * 1024


def test_usage_per_service_and_kind(data_dir):
    env = {"AURA_DATA_DIR": str(data_dir)}
    assert run_aura("setup", env=env).returncode == 0
    blob = data_dir / "conversational_ai/models/blob.bin"
    blob.write_bytes(os.urandom(3 * MiB))
    (data_dir / "conversational_ai/models/link").symlink_to(blob)  # HF-cache style
    os.link(blob, data_dir / "conversational_ai/models/hardlink.bin")
    (data_dir / "visual_analysis/logs/aura.log").write_bytes(b"x" * MiB)
    (data_dir / "embedded/aura.sqlite3").write_bytes(b"y" * (2 * MiB))
    result = run_aura("usage", "--json", env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["mode"] == "one-process"
    usage = {owner: {k: v for k, v in row.items() if k not in ("in_use", "note")}
             for owner, row in report["owners"].items()}  # fmt: skip
    models = usage["conversational_ai"]["models"]
    assert 3 * MiB <= models < 3 * MiB + 64 * 1024  # counted once
    assert MiB <= usage["visual_analysis"]["logs"] < MiB + 64 * 1024
    assert 2 * MiB <= usage["embedded"]["database"] < 2 * MiB + 64 * 1024
    assert usage["outfit_recommendation"]["total"] == 0
    assert set(usage["conversational_ai"]) == {
        "models",
        "vector_store",
        "logs",
        "database",
        "other",
        "total",
    }
    human = run_aura("usage", env=env)
    assert human.returncode == 0 and "3.0 MiB" in human.stdout
    # One process uses its own folders; the compose containers' folders are labelled unused,
    # and so is the data root's own row when nothing lies there.
    owners = report["owners"]
    assert owners["embedded"]["in_use"] and owners["conversational_ai"]["in_use"]
    for owner in ("postgres", "redis", "grafana", "prometheus", "nginx"):
        assert not owners[owner]["in_use"] and owners[owner]["note"] == "docker compose only"
    assert owners["aura"]["total"] == 0 and not owners["aura"]["in_use"]
    rows = {line.split()[0]: line for line in human.stdout.splitlines() if line.strip()}
    assert rows["postgres"].endswith("unused (docker compose only)")
    assert rows["embedded"].endswith("used")
    assert rows["aura"].endswith("unused (no files outside the folders above)")
