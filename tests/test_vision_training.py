"""Training the garment classifier: artifact with manifest, atomic replacement, resume."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aura.errors import LockHeld, ModelMissing
from aura.storage.digests import sha256_file
from aura.storage.locks import DirectoryLock
from aura.vision.artifact import (
    read_manifest,
    recover_artifact,
    save_model_artifact,
    verify_artifact,
)
from aura.vision.classifier import CLASSES, PACKAGED_DIR, load_garment_classifier
from aura.vision.silhouette import normalise_fashion_mnist
from aura.vision.training import TrainConfig, load_fashion_mnist, train_garment_classifier
from tests.server import clean_environ

DATA = Path("/usr/share/datasets/fashion-mnist")
pytestmark = pytest.mark.skipif(
    not (DATA / "t10k-images-idx3-ubyte.gz").is_file() and os.environ.get("CI") != "true",
    reason="Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)",
)


def test_short_training_publishes_a_verified_artifact(tmp_path: Path) -> None:
    target = tmp_path / "models" / "aura_garment_classifier"
    lines: list[str] = []
    manifest = train_garment_classifier(
        DATA,
        target,
        tmp_path / "work",
        TrainConfig(
            epochs=2, finish_epochs=1, batch_size=64, limit_train=1000, limit_test=500, members=2
        ),
        progress=lines.append,
    )
    assert sorted(os.listdir(target)) == ["config.json", "manifest.json", "model.onnx"]
    assert manifest["classes"] == list(CLASSES)
    assert manifest["data"]["test_images"] == 500 and manifest["data"]["train_images"] == 1000
    assert manifest["settings"]["epochs"] == 2 and manifest["created_at"].endswith("Z")
    for name, entry in manifest["files"].items():
        assert entry["size"] == (target / name).stat().st_size
        assert entry["sha256"] == sha256_file(target / name)
    assert any("test accuracy" in line for line in lines)
    assert not (tmp_path / "work" / "checkpoint.pt").exists()
    assert not list((tmp_path / "work").glob("member-*"))  # the run is complete
    # two networks, the same recipe with consecutive seeds, each evaluated alone too
    assert [m["seed"] for m in manifest["members"]] == [0, 1]
    assert all(0.0 < m["test_accuracy"] <= 1.0 for m in manifest["members"])
    # each: the main schedule, then the finish on clean pictures
    assert [(h["member"], h["epoch"], h["phase"]) for h in manifest["history"]] == [
        (0, 1, "main"),
        (0, 2, "main"),
        (0, 3, "finish"),
        (1, 1, "main"),
        (1, 2, "main"),
        (1, 3, "finish"),
    ]
    assert all(0.0 < m["test_accuracy_before_finish"] <= 1.0 for m in manifest["members"])

    classifier = load_garment_classifier(target)
    test = load_fashion_mnist(DATA)
    images = normalise_fashion_mnist(test["test_images"][:500])
    predicted = classifier.predict_arrays(images).argmax(1)
    accuracy = float((predicted == test["test_labels"][:500]).mean())
    # the published weights are the evaluated ones, and they learned (chance is 1/14)
    assert abs(accuracy - manifest["test_accuracy"]) < 1e-6
    assert accuracy > 0.2, accuracy
    assert classifier.test_accuracy == manifest["test_accuracy"]

    verify_artifact(target, hashes=True)
    with open(target / "model.onnx", "r+b") as handle:
        handle.seek(100)
        handle.write(b"\xff\xff\xff\xff")
    verify_artifact(target)  # sizes still match: the cheap check passes...
    with pytest.raises(ModelMissing):
        verify_artifact(target, hashes=True)  # ...the hash check does not
    with open(target / "model.onnx", "ab") as handle:
        handle.write(b"extra")
    with pytest.raises(ModelMissing):
        load_garment_classifier(target)


def test_folding_batch_norm_keeps_what_the_network_computes() -> None:
    import torch

    from aura.vision.training import GarmentNet, fold_batchnorm

    torch.manual_seed(0)
    model = GarmentNet(8)
    model.train()
    model(torch.rand(64, 1, 28, 28))  # running statistics away from their defaults
    model.eval()
    x = torch.rand(16, 1, 28, 28)
    with torch.no_grad():
        before = model(x)
        folded = fold_batchnorm(model)
        after = folded(x)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    assert torch.allclose(before, after, atol=1e-5), (before - after).abs().max()


def test_a_run_stopped_in_the_finish_resumes_there(tmp_path: Path) -> None:
    config = TrainConfig(
        epochs=1, finish_epochs=2, batch_size=64, limit_train=300, limit_test=100, members=1
    )

    def stop_after_first_finish_epoch(line: str) -> None:
        if "epoch 2/3 (finish)" in line:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_garment_classifier(
            DATA, tmp_path / "model", tmp_path / "work", config, stop_after_first_finish_epoch
        )
    assert (tmp_path / "work" / "checkpoint.pt").is_file() and read_manifest(
        tmp_path / "model"
    ) is None
    lines: list[str] = []
    manifest = train_garment_classifier(
        DATA, tmp_path / "model", tmp_path / "work", config, lines.append
    )
    assert "resuming after epoch 2 of 3" in lines
    assert [(h["epoch"], h["phase"]) for h in manifest["history"]] == [
        (1, "main"),
        (2, "finish"),
        (3, "finish"),
    ]
    assert manifest["members"][0]["test_accuracy_before_finish"] is not None


def test_interrupted_swap_brings_the_previous_model_back(tmp_path: Path) -> None:
    target = tmp_path / "model"
    save_model_artifact(target, {"a.bin": b"version one"}, {"test_accuracy": 0.5})
    first = read_manifest(target)
    # a crash after `rename(target, .old)` and before `rename(new, target)`:
    os.rename(target, tmp_path / ".model.old")
    half = tmp_path / ".model.new-99999"
    half.mkdir()
    (half / "a.bin").write_bytes(b"version tw")  # no manifest: never committed
    assert read_manifest(target) is None
    recover_artifact(target)
    assert read_manifest(target) == first
    assert not half.exists() and not (tmp_path / ".model.old").exists()
    save_model_artifact(target, {"a.bin": b"version two"}, {"test_accuracy": 0.6})
    assert (target / "a.bin").read_bytes() == b"version two"
    assert read_manifest(target)["test_accuracy"] == 0.6


def test_second_trainer_fails_fast_while_one_runs(tmp_path: Path) -> None:
    with DirectoryLock(tmp_path / "work", "test holder"), pytest.raises(LockHeld):
        train_garment_classifier(
            DATA,
            tmp_path / "model",
            tmp_path / "work",
            TrainConfig(epochs=1, limit_train=100, members=1),
        )


def _train_cli(data_dir: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "aura", "train", "garment-classifier", *extra],
        env=clean_environ({"AURA_DATA_DIR": str(data_dir)}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.slow
def test_killed_training_keeps_the_old_model_and_resumes(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    target = data_dir / "visual_analysis" / "models" / "aura_garment_classifier"
    work = data_dir / "visual_analysis" / "models" / ".training" / "garment_classifier"
    save_model_artifact(target, {"model.safetensors": b"previous model"}, {"test_accuracy": 0.42})
    before = read_manifest(target)
    args = ("--epochs", "2", "--finish-epochs", "1", "--batch-size", "64")
    args += ("--limit-train", "1200", "--limit-test", "300")
    args += ("--members", "2")
    proc = _train_cli(data_dir, *args)
    deadline = time.monotonic() + 240
    # killed while the second network trains: the first is kept, the second resumes
    while not ((work / "member-0.json").exists() and (work / "checkpoint.pt").exists()):
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        assert time.monotonic() < deadline, "no second member's checkpoint after 240 s"
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert read_manifest(target) == before  # the published model is untouched
    verify_artifact(target, hashes=True)

    proc = _train_cli(data_dir, *args, "--json")
    out, _ = proc.communicate(timeout=400)
    assert proc.returncode == 0, out
    assert "member 0 (seed 0) was trained already" in out
    assert "resuming after epoch" in out
    manifest = read_manifest(target)
    assert manifest is not None and manifest != before
    assert [h["epoch"] for h in manifest["history"]] == [1, 2, 3, 1, 2, 3]
    assert manifest["data"]["train_images"] == 1200
    assert 0.0 < manifest["test_accuracy"] <= 1.0
    verify_artifact(target, hashes=True)
    assert not (work / "checkpoint.pt").exists() and not list(work.glob("member-*"))
    assert not list(target.parent.glob(".aura_garment_classifier.*"))
    json_start = out.index("{")
    assert json.loads(out[json_start:])["test_accuracy"] == manifest["test_accuracy"]
    shutil.rmtree(data_dir)


def test_doctor_reports_the_classifier(tmp_path: Path) -> None:
    from tests.server import run_aura

    data_dir = tmp_path / "data"
    env = {"AURA_DATA_DIR": str(data_dir)}
    assert run_aura("setup", env=env).returncode == 0

    def finding() -> tuple[int, dict]:
        result = run_aura("doctor", "--json", env=env)
        report = json.loads(result.stdout)
        [found] = [f for f in report["findings"] if f["check"] == "garment classifier"]
        return result.returncode, found

    code, found = finding()  # a fresh install: the packaged classifier, with its accuracy
    packaged = read_manifest(PACKAGED_DIR)
    assert code == 0 and found["severity"] == "ok" and "packaged" in found["message"]
    assert str(packaged["test_accuracy"]) in found["message"]
    target = data_dir / "visual_analysis" / "models" / "aura_garment_classifier"
    save_model_artifact(target, {"model.onnx": b"weights"}, {"test_accuracy": 0.9})
    code, found = finding()
    assert code == 0 and found["severity"] == "ok" and "trained here" in found["message"]
    assert "0.9" in found["message"]
    (target / "model.onnx").write_bytes(b"cut")  # size differs from the manifest
    code, found = finding()
    assert code == 1 and found["severity"] == "error"
