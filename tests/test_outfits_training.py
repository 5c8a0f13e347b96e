"""Training on generated Polyvore-format data: it learns, it resumes after SIGKILL, it ships
a verifiable artifact, and the trained model serves as a scorer."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import torch

from aura.errors import LockHeld, ModelMissing
from aura.outfits import synthetic
from aura.outfits.artifact import MANIFEST, load_model_artifact, read_manifest
from aura.outfits.evaluate import evaluate
from aura.outfits.inference import OutfitInference, load_scorer, wardrobe_items
from aura.outfits.model import ModelConfig, OutfitTransformer
from aura.outfits.polyvore import PolyvoreDataset
from aura.outfits.recommend import recommend
from aura.outfits.rules import RulesScorer
from aura.outfits.scorer import Context
from aura.outfits.train import FEATURES_DIR, TrainConfig, load_table, train
from aura.storage.locks import DirectoryLock
from aura.taxonomy import Slot
from tests.server import clean_environ, run_aura

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("outfits")
    data = synthetic.generate(root / "data", n_items=600, n_outfits=(400, 100, 150), seed=0)
    run = root / "run"
    cfg = TrainConfig(epochs=10, hard_negatives_from=3, seed=0)
    manifest = train(data, run, cfg, progress=lambda _m: None)
    return {"data": data, "run": run, "manifest": manifest, "cfg": cfg}


def test_training_lifts_held_out_metrics_well_above_chance(trained: dict[str, Any]) -> None:
    ds = PolyvoreDataset(trained["data"])
    test = ds.load_split("test")
    table = load_table(ds, [test], "handcrafted", trained["run"] / FEATURES_DIR)
    torch.manual_seed(0)
    untrained = OutfitTransformer(ModelConfig(table.image.shape[1], table.text.shape[1])).eval()
    before = evaluate(untrained, table, test)
    after = trained["manifest"]["evaluation"]["test"]
    assert before["compatibility_auc"] < 0.7 and before["fitb_accuracy"] < 45
    assert after["compatibility_auc"] >= 0.85, after
    assert after["fitb_accuracy"] >= 65.0, after  # chance: 25 %
    assert after["recall_at_10"] > before["recall_at_10"], (before, after)


def test_the_artifact_is_complete_and_verifiable(trained: dict[str, Any], tmp_path: Path) -> None:
    model_dir = trained["run"] / "model"
    manifest = read_manifest(model_dir, verify_hashes=True)
    for name, meta in manifest["files"].items():
        blob = (model_dir / name).read_bytes()
        assert meta == {"sha256": hashlib.sha256(blob).hexdigest(), "size": len(blob)}
    assert manifest["training"]["settings"] == trained["cfg"].to_dict()
    assert manifest["training"]["train_outfits"] == 400
    assert set(manifest["evaluation"]) == {"valid", "test"} and manifest["created_at"]
    model, config, _ = load_model_artifact(model_dir)
    assert config["feature_extractor"] == "handcrafted" and not model.training
    # a copy whose weights were flipped in place: same size, so only the hash check sees it
    copy = tmp_path / "model"
    copy.mkdir()
    for f in model_dir.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    blob = bytearray((copy / "model.safetensors").read_bytes())
    blob[-1] ^= 0xFF
    (copy / "model.safetensors").write_bytes(bytes(blob))
    read_manifest(copy)  # sizes still match
    with pytest.raises(ModelMissing, match="sha256"):
        read_manifest(copy, verify_hashes=True)
    (copy / "model.safetensors").write_bytes(bytes(blob[:-10]))
    with pytest.raises(ModelMissing, match="wrong size"):
        read_manifest(copy)
    (copy / MANIFEST).unlink()
    with pytest.raises(ModelMissing, match="no valid manifest") as err:
        read_manifest(copy)
    assert "aura train outfits" in (err.value.fix or "")
    assert load_scorer(copy).name == "rules"  # no complete model: the rules serve
    assert load_scorer(None).name == "rules"


def test_the_cli_evaluates_a_model_the_same_way(trained: dict[str, Any]) -> None:
    result = run_aura(
        "outfits",
        "evaluate",
        "--data",
        str(trained["data"]),
        "--model",
        str(trained["run"] / "model"),
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    expected = trained["manifest"]["evaluation"]["test"]
    assert {k: figures[k] for k in expected} == expected


def test_one_writer_per_run_folder(trained: dict[str, Any], tmp_path: Path) -> None:
    with DirectoryLock(tmp_path, "someone else"), pytest.raises(LockHeld, match="someone else"):
        train(trained["data"], tmp_path, TrainConfig(epochs=1), progress=lambda _m: None)


def test_the_trained_model_serves_as_a_scorer(trained: dict[str, Any]) -> None:
    scorer = load_scorer(trained["run"] / "model")
    assert isinstance(scorer, OutfitInference) and scorer.name == "outfit_transformer"
    ds = PolyvoreDataset(trained["data"])
    test = ds.load_split("test")
    table = load_table(ds, [test], "handcrafted", trained["run"] / FEATURES_DIR)
    items = {i.item_id: i for i in wardrobe_items(table.features, ds.items)}
    good = [items[i] for i in test.outfits[0].item_ids]
    bad = [items[i] for i in next(q for q in test.compatibility if q.label == 0).item_ids]
    assert scorer.compatibility(good) > scorer.compatibility(bad)
    with pytest.raises(ValueError, match="2 to 8"):
        scorer.compatibility(good[:1])
    # complete the outfit: the right category, nearest first, the held-out item ranks high
    hits = 0
    for outfit in test.outfits[:40]:
        *partial, held = [items[i] for i in outfit.item_ids]
        found = scorer.complete(partial, held.category, list(items.values()), k=10)
        assert len(found) == 10 and all(f.category == held.category for f, _ in found)
        assert [d for _, d in found] == sorted(d for _, d in found)
        hits += held.item_id in {f.item_id for f, _ in found}
    pool = sum(1 for i in items.values() if i.category == held.category)
    assert hits / 40 > 2 * 10 / pool  # clearly better than a random pick of 10
    result = scorer.score(good, Context(occasion="formal"))
    assert result.scorer == "outfit_transformer" and "model compatibility" in result.explanation[0]


def test_context_changes_what_the_model_recommends(trained: dict[str, Any]) -> None:
    ds = PolyvoreDataset(trained["data"])
    test = ds.load_split("test")
    table = load_table(ds, [test], "handcrafted", trained["run"] / FEATURES_DIR)
    wardrobe = wardrobe_items(table.features, ds.items)
    scorer = load_scorer(trained["run"] / "model")
    gala = recommend(scorer, wardrobe, Context(occasion="formal", temperature_c=4), k=3).outfits
    beach = recommend(
        scorer, wardrobe, Context(occasion="casual", season="summer", temperature_c=30), k=3
    ).outfits
    assert len(gala) == len(beach) == 3
    assert all(r.result.scorer == "outfit_transformer" for r in gala + beach)
    ids = lambda recs: [sorted(i.item_id for i in r.items) for r in recs]  # noqa: E731
    assert ids(gala) != ids(beach)
    assert all(any(i.slot is Slot.OUTERWEAR for i in r.items) for r in gala)  # 4 °C: a layer
    assert not any(i.slot is Slot.OUTERWEAR for r in beach for i in r.items)


def _train_cmd(data: Path, out: Path | None) -> list[str]:
    return [
        sys.executable,
        "-m",
        "aura",
        "train",
        "outfits",
        "--data",
        str(data),
        *(["--out", str(out)] if out else []),
        "--epochs",
        "6",
        "--checkpoint-every",
        "4",
        "--hard-negatives-from",
        "2",
        "--seed",
        "7",
    ]


def test_a_killed_run_resumes_to_the_same_weights(tmp_path: Path) -> None:
    data = synthetic.generate(tmp_path / "data", n_items=300, n_outfits=(240, 30, 40), seed=5)
    env = clean_environ()
    # the uninterrupted run goes to the data tree's default run folder (no --out)
    straight = subprocess.run(
        _train_cmd(data, None),
        env=clean_environ({"AURA_DATA_DIR": str(tmp_path / "tree")}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert straight.returncode == 0, straight.stderr
    default_run = tmp_path / "tree" / "outfit_recommendation" / "models" / "outfit_transformer"
    assert "epoch 2/6 (random negatives)" in straight.stderr  # the curriculum: random first,
    assert "epoch 3/6 (hard negatives)" in straight.stderr  # then same-category negatives

    run = tmp_path / "b"
    proc = subprocess.Popen(
        _train_cmd(data, run), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    latest = run / "checkpoints" / "latest.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if latest.exists() and json.loads(latest.read_text() or "{}").get("global_step", 0) >= 8:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL, "training finished before it could be killed"
    assert not (run / "model" / MANIFEST).exists()

    resumed = subprocess.run(
        _train_cmd(data, run), env=env, capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed at" in resumed.stderr
    a = (default_run / "model" / "model.safetensors").read_bytes()
    b = (run / "model" / "model.safetensors").read_bytes()
    assert hashlib.sha256(a).digest() == hashlib.sha256(b).digest()
    ma = read_manifest(default_run / "model")
    mb = read_manifest(run / "model")
    assert ma["evaluation"] == mb["evaluation"]
    assert ma["training"]["final_loss"] == mb["training"]["final_loss"]


def test_rules_serve_without_a_model_and_use_the_hidden_attributes(trained: dict[str, Any]) -> None:
    """The rule scorer, fed the generator's true attributes, separates the test pairs well."""
    from aura.outfits.evaluate import roc_auc
    from aura.outfits.scorer import WardrobeItem

    truth = synthetic.load_truth(trained["data"])
    ds = PolyvoreDataset(trained["data"])
    test = ds.load_split("test")

    def item(i: str) -> WardrobeItem:
        g = truth[i]
        return WardrobeItem(i, g.category, ds.items[i].text, g.colour, 0.85 if g.formal else 0.15)

    scorer = RulesScorer()
    scores = [
        scorer.score([item(i) for i in q.item_ids], Context()).score for q in test.compatibility
    ]
    assert roc_auc(scores, [q.label for q in test.compatibility]) > 0.8


def test_start_up_serves_the_trained_model_and_falls_back_to_rules(
    trained: dict[str, Any], data_dir: Path
) -> None:
    import shutil

    from aura.config import load_settings
    from aura.doctor import run_checks
    from aura.findings import Severity
    from aura.platform import Platform

    platform = Platform(load_settings(data_dir=data_dir))
    platform.tree.setup()
    target = platform.tree.outfit_artifact_dir()
    assert platform.startup.run().status == "ready"
    assert platform.outfit_scorer is not None and platform.outfit_scorer.name == "rules"
    shutil.copytree(trained["run"] / "model", target)
    platform = Platform(load_settings(data_dir=data_dir))
    assert platform.startup.run().status == "ready"
    assert (
        platform.outfit_scorer is not None and platform.outfit_scorer.name == "outfit_transformer"
    )
    (finding,) = [f for f in run_checks(platform.settings) if f.check == "outfit model"]
    assert finding.severity is Severity.OK and "AUC" in finding.message
    weights = target / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])  # a torn copy
    platform = Platform(load_settings(data_dir=data_dir))
    assert platform.startup.run().status == "ready"
    assert platform.outfit_scorer is not None and platform.outfit_scorer.name == "rules"
    (finding,) = [f for f in run_checks(platform.settings) if f.check == "outfit model"]
    assert finding.severity is Severity.WARNING and "aura train outfits" in (finding.fix or "")
