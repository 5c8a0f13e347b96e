"""A small OutfitTransformer trained on generated Polyvore-format data (once per test
process: a few seconds), and helpers to put it, or a new revision of it, where a server
loads it from."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

from aura.config import load_settings
from aura.layout import DataTree


@functools.cache
def trained_artifact() -> Path:
    """The artifact folder of a model trained for a few epochs on generated data."""
    from aura.outfits import synthetic
    from aura.outfits.train import TrainConfig, train

    root = Path(tempfile.mkdtemp(prefix="aura-outfit-model-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    data = synthetic.generate(root / "data", n_items=240, n_outfits=(200, 40, 40), n_fitb=20)
    cfg = TrainConfig(epochs=3, hard_negatives_from=2, seed=0)
    train(data, root / "run", cfg, progress=lambda _m: None)
    return root / "run" / "model"


def artifact_dir(data_dir: Path) -> Path:
    return DataTree(load_settings(data_dir=data_dir)).outfit_artifact_dir()


def install(data_dir: Path, source: Path | None = None) -> Path:
    """Copy the trained model (or ``source``) to the data tree's served outfit model."""
    target = artifact_dir(data_dir)
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source or trained_artifact(), target)
    return target


def install_new_revision(data_dir: Path) -> None:
    """The served model, fine-tuned a little (its item head nudged): a new revision."""
    import torch

    from aura.outfits.artifact import load_model_artifact, save_model_artifact

    target = artifact_dir(data_dir)
    model, config, manifest = load_model_artifact(target)
    with torch.no_grad():
        noise = torch.Generator().manual_seed(1)
        for p in model.item_head.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=noise))
    shutil.rmtree(target)
    save_model_artifact(
        target,
        model,
        feature_extractor=config["feature_extractor"],
        category_names=config["category_names"],
        training={**manifest["training"], "note": "item head nudged: a new revision"},
        evaluation=manifest["evaluation"],
    )
