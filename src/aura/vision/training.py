"""Training the garment classifier on Fashion-MNIST: resumable, checkpointed, atomic.

A run checkpoints (model, optimiser, schedule, epoch) atomically after every epoch into
its own folder, held by a :class:`~aura.storage.locks.DirectoryLock`. A killed run, started
again with the same settings, resumes after its last completed epoch; the published model
is only replaced when the new one is complete (:func:`aura.vision.artifact.save_model_artifact`).
Shuffling is seeded per epoch, so a resumed run sees the same batches as an unbroken one.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save as save_safetensors

from aura.errors import ConfigError
from aura.storage.atomic import write_bytes
from aura.storage.locks import DirectoryLock
from aura.vision.artifact import read_manifest, save_model_artifact
from aura.vision.classifier import CLASSES, GarmentNet

log = logging.getLogger("aura.vision.training")
CHECKPOINT = "checkpoint.pt"
FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 15
    batch_size: int = 128
    learning_rate: float = 3e-3
    weight_decay: float = 5e-4
    width: int = 32
    seed: int = 0
    limit_train: int | None = None  # short runs for tests
    limit_test: int | None = None

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


def read_idx(path: Path) -> np.ndarray:
    """An idx file (the MNIST format: big-endian dims, then uint8 data), gzip or plain."""
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte idx file")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_fashion_mnist(data_dir: Path) -> dict[str, np.ndarray]:
    missing = [name for name in FILES.values() if not (data_dir / name).is_file()]
    if missing:
        raise ConfigError(
            f"Fashion-MNIST is not in {data_dir} (missing {', '.join(missing)}).",
            fix="apt-get install dataset-fashion-mnist (Debian), or set AURA_FASHION_MNIST_DIR "
            "to a folder holding the four idx .gz files.",
        )
    return {key: read_idx(data_dir / name) for key, name in FILES.items()}


def _augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random horizontal flips and shifts of up to 2 px (garments are mirror-symmetric)."""
    flip = torch.rand(x.shape[0], generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    padded = F.pad(x, (2, 2, 2, 2))
    shift = torch.randint(0, 25, (x.shape[0],), generator=gen)
    out = torch.empty_like(x)
    for s in shift.unique().tolist():  # one slice per distinct shift, not per image
        rows = (shift == s).nonzero(as_tuple=True)[0]
        dy, dx = divmod(s, 5)
        out[rows] = padded[rows, :, dy : dy + 28, dx : dx + 28]
    return out


@torch.inference_mode()
def evaluate(model: GarmentNet, images: np.ndarray, labels: np.ndarray) -> float:
    model.eval()
    correct = 0
    for start in range(0, len(images), 1000):
        x = torch.from_numpy(images[start : start + 1000].copy()).float().div(255).unsqueeze(1)
        correct += int((model(x).argmax(1).numpy() == labels[start : start + 1000]).sum())
    return correct / len(images)


def train_garment_classifier(
    data_dir: Path,
    target: Path,
    work_dir: Path,
    config: TrainConfig,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Train (or resume), evaluate on the test split, publish the artifact. Returns its manifest."""
    with DirectoryLock(work_dir, "training the garment classifier"):
        data = load_fashion_mnist(data_dir)
        tr_x, tr_y = data["train_images"], data["train_labels"]
        te_x, te_y = data["test_images"], data["test_labels"]
        if config.limit_train:
            tr_x, tr_y = tr_x[: config.limit_train], tr_y[: config.limit_train]
        if config.limit_test:
            te_x, te_y = te_x[: config.limit_test], te_y[: config.limit_test]
        torch.manual_seed(config.seed)
        model = GarmentNet(config.width)
        optimiser = torch.optim.AdamW(
            model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
        )
        steps_per_epoch = (len(tr_x) + config.batch_size - 1) // config.batch_size
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimiser, config.learning_rate, total_steps=config.epochs * steps_per_epoch
        )
        start_epoch, history = 0, []
        checkpoint_path = work_dir / CHECKPOINT
        if checkpoint_path.is_file():
            state = torch.load(checkpoint_path, map_location="cpu", weights_only=False)
            if state.get("fingerprint") == config.fingerprint():
                model.load_state_dict(state["model"])
                optimiser.load_state_dict(state["optimiser"])
                schedule.load_state_dict(state["schedule"])
                start_epoch, history = int(state["epoch"]), list(state["history"])
                progress(f"resuming after epoch {start_epoch} of {config.epochs}")
            else:
                progress("a checkpoint with other settings exists; starting afresh")
        began = time.monotonic()
        for epoch in range(start_epoch, config.epochs):
            model.train()
            gen = torch.Generator().manual_seed(config.seed * 1000 + epoch)
            order = torch.randperm(len(tr_x), generator=gen)
            total_loss = 0.0
            for step in range(steps_per_epoch):
                idx = order[step * config.batch_size : (step + 1) * config.batch_size].numpy()
                x = torch.from_numpy(tr_x[idx]).float().div(255).unsqueeze(1)
                y = torch.from_numpy(tr_y[idx].astype(np.int64))
                loss = F.cross_entropy(model(_augment(x, gen)), y, label_smoothing=0.05)
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                optimiser.step()
                schedule.step()
                total_loss += loss.item() * len(idx)
            history.append({"epoch": epoch + 1, "train_loss": round(total_loss / len(tr_x), 5)})
            buf = io.BytesIO()
            torch.save(
                {
                    "fingerprint": config.fingerprint(),
                    "epoch": epoch + 1,
                    "history": history,
                    "model": model.state_dict(),
                    "optimiser": optimiser.state_dict(),
                    "schedule": schedule.state_dict(),
                },
                buf,
            )
            write_bytes(checkpoint_path, buf.getvalue())
            progress(f"epoch {epoch + 1}/{config.epochs}: train loss {history[-1]['train_loss']}")
        accuracy = evaluate(model, te_x, te_y)
        progress(f"test accuracy {accuracy:.4f} on {len(te_x)} test images")
        tensors = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
        model_config = {"architecture": "GarmentNet", "width": config.width, "classes": CLASSES}
        manifest = save_model_artifact(
            target,
            {
                "model.safetensors": save_safetensors(tensors),
                "config.json": json.dumps(model_config, indent=2).encode(),
            },
            {
                "kind": "garment-classifier",
                "architecture": "GarmentNet",
                "classes": list(CLASSES),
                "data": {
                    "name": "Fashion-MNIST",
                    "source": str(data_dir),
                    "train_images": len(tr_x),
                    "test_images": len(te_x),
                },
                "settings": asdict(config),
                "history": history,
                "test_accuracy": round(accuracy, 5),
                "training_seconds_this_run": round(time.monotonic() - began, 1),
            },
        )
        checkpoint_path.unlink(missing_ok=True)  # the run is complete
        return read_manifest(manifest) or {}
