"""`aura verify-persistence` end to end on the embedded back-end (the PostgreSQL + Redis run
is the same code with two more settings: `make verify-persistence` runs both), and its
checks catch what they claim to catch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aura.proof.checks import first_start_models, model_files
from aura.proof.server import metric_sum
from tests.server import run_aura


@pytest.mark.slow
@pytest.mark.timeout(900)  # five whole-platform starts; about 3 minutes on 2 idle cores
def test_verify_persistence_passes_on_the_embedded_platform(tmp_path: Path) -> None:
    work = tmp_path / "verify"
    result = run_aura(
        "verify-persistence",
        "--backends",
        "sqlite",
        "--photos",
        "1",
        "--work-dir",
        str(work),
        timeout=900,
    )
    out = result.stdout
    assert result.returncode == 0, out[-6000:] + result.stderr[-3000:]
    assert " 0 failed" in out
    # every restart kind ran, and each said where the index came from
    for stage in ("SIGTERM", "SIGKILL after acks", "tree moved", "index corrupted"):
        assert stage in out, stage
    # the ONNX exports and packaged imports the first start made are reused by every restart
    assert "models: first start built locally" in out
    assert out.count("models: zero downloads") == 4
    assert out.count("loaded snapshot") == 3 and "index rebuilt" in out  # the corrupted partition
    # the tree really moved, and the first one is gone
    assert (work / "sqlite" / "moved-data").is_dir() and not (work / "sqlite" / "data").exists()
    logs = sorted((work / "sqlite").glob("serve-*.log"))
    assert len(logs) == 5
    last = [json.loads(line) for line in logs[-1].read_text().splitlines() if line[:1] == "{"]
    assert any(r.get("message") == "partition snapshot unusable, rebuilding from the database"
               for r in last)  # fmt: skip


def test_a_rewritten_model_file_and_a_download_counter_are_noticed(tmp_path: Path) -> None:
    store = tmp_path / "conversational_ai" / "models"
    (store / "models--a--b" / "blobs").mkdir(parents=True)
    blob = store / "models--a--b" / "blobs" / "abc"
    blob.write_bytes(b"weights")
    (store / "models--a--b" / "blobs" / "x.lock").write_text("")
    before = model_files([store])
    assert list(before) == ["conversational_ai/models--a--b/blobs/abc"]
    assert model_files([store]) == before
    blob.write_bytes(b"weights")  # the same bytes, fetched again: a new mtime
    assert model_files([store]) != before
    text = (
        "# HELP aura_model_downloads_total x\n"
        'aura_model_downloads_total{model="a"} 2.0\n'
        'aura_model_downloads_total{model="b"} 1.0\n'
        "aura_model_downloads_created 5.0\n"
    )
    assert metric_sum(text, "aura_model_downloads_total") == 3.0
    assert metric_sum(text, "aura_model_import_bytes_total") == 0.0


def test_the_first_start_may_only_add_exports_and_packaged_imports(tmp_path: Path) -> None:
    store = tmp_path / "visual_analysis" / "models"
    hub = store / "models--a--b" / "blobs" / "abc"
    hub.parent.mkdir(parents=True)
    hub.write_bytes(b"downloaded")
    pulled = model_files([store])
    export = store / "aura-derived" / "efficientnet-lite0" / "onnx-fp32-v1" / "model.onnx"
    export.parent.mkdir(parents=True)
    export.write_bytes(b"onnx")
    imported = store / "models--aura-packaged--aura-garment-classifier" / "blobs" / "def"
    imported.parent.mkdir(parents=True)
    imported.write_bytes(b"classifier")
    check = first_start_models(pulled, model_files([store]))
    assert check.ok, check.detail
    assert check.detail.startswith("2 model files added (2 exports or packaged imports)")

    other = store / "models--c--d" / "blobs" / "123"  # a download during the first start
    other.parent.mkdir(parents=True)
    other.write_bytes(b"fetched")
    check = first_start_models(pulled, model_files([store]))
    assert not check.ok and "not local builds" in check.detail

    hub.unlink()
    hub.write_bytes(b"downloaded")  # fetched again: a new inode
    check = first_start_models(pulled, model_files([store]))
    assert not check.ok and "1 changed" in check.detail
