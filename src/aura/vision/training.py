"""Training the garment classifier on Fashion-MNIST and drawn silhouettes: resumable,
checkpointed, atomic, exported to ONNX (served by onnxruntime: no torch at serving time).

The data: Fashion-MNIST's ten classes plus the kinds it lacks (skirt, shorts, hat, belt)
drawn by :mod:`aura.vision.shapes`, all through the normalisation of
:mod:`aura.vision.silhouette`, the path a photo's garment takes. The augmentations bridge the
grey product pictures and photos: small rotations and scalings, flattened tone (a solid-colour
garment), tone curves and inverted tone (a light garment on a dark floor).

Each network has two phases: the main schedule on those varied pictures, then a short
finish on clean ones (only flipped and shifted: the product-photo look), with batch norm
folded into the convolutions first (:func:`fold_batchnorm`), so the finish adjusts the
served weights while the statistics the varied batches set stay as they are.

The recipe trains ``members`` networks, the same way with consecutive seeds, and publishes
one ONNX model averaging them on the picture and its mirror (:mod:`aura.vision.ensemble`).
A run checkpoints (model, optimiser, schedule, epoch) atomically after every epoch into
its own folder, held by a :class:`~aura.storage.locks.DirectoryLock`, and keeps each finished
member's export there. A killed run, started again with the same settings, resumes after its
last completed epoch (finished members are not trained again); the published model
is only replaced when the new one is complete (:func:`aura.vision.artifact.save_model_artifact`).
Shuffling is seeded per epoch, so a resumed run sees the same batches as an unbroken one.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

from aura.errors import ConfigError
from aura.storage.atomic import write_bytes
from aura.storage.locks import DirectoryLock
from aura.vision.artifact import read_manifest, save_model_artifact
from aura.vision.classifier import CLASSES, FASHION_MNIST_CLASSES, MODEL_FILE
from aura.vision.recipe import TrainConfig
from aura.vision.shapes import KINDS, training_pictures
from aura.vision.silhouette import FLOOR, normalise_fashion_mnist

log = logging.getLogger("aura.vision.training")
CHECKPOINT = "checkpoint.pt"
FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


class GarmentNet(nn.Module):
    """A small VGG-style CNN: a 28x28 silhouette → len(CLASSES) logits (the recipe's width 40,
    3 blocks: about 0.82M parameters). Training only: the published model is its ONNX export."""

    def __init__(self, width: int = 32, num_classes: int = len(CLASSES), blocks: int = 3) -> None:
        super().__init__()
        self.width = width
        channels = [1] + [width * 2**i for i in range(blocks)]
        self.features = nn.Sequential(
            *(_block(channels[i], channels[i + 1]) for i in range(blocks))
        )
        side = 28 // 2**blocks
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(0.3),
            nn.Linear(channels[-1] * side * side, 256),
            nn.ReLU(inplace=True),
            nn.Dropout(0.3),
            nn.Linear(256, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def fold_batchnorm(model: GarmentNet) -> GarmentNet:
    """The network with each batch norm folded into the convolution before it (its running
    statistics, as the ONNX export folds them): what the finish fine-tunes, so the clean
    pictures adjust the weights that are served without re-estimating the statistics that
    the photo-like batches set."""
    model.eval()
    for block in model.features:
        for i in range(len(block) - 1):
            if isinstance(block[i], nn.Conv2d) and isinstance(block[i + 1], nn.BatchNorm2d):
                block[i] = fuse_conv_bn_eval(block[i], block[i + 1])
                block[i + 1] = nn.Identity()
    return model


def _folded(model: nn.Module) -> bool:
    return not any(isinstance(m, nn.BatchNorm2d) for m in model.modules())


class _Probabilities(nn.Module):
    """What is exported: (n, 1, 28, 28) → (n, classes) softmax probabilities."""

    def __init__(self, model: GarmentNet) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.softmax(self.model(x), dim=1)


def export_onnx(model: GarmentNet) -> bytes:
    model.eval()
    buf = io.BytesIO()
    torch.onnx.export(
        _Probabilities(model),
        (torch.zeros(1, 1, 28, 28),),
        buf,
        input_names=["silhouette"],
        output_names=["probabilities"],
        dynamic_axes={"silhouette": {0: "n"}, "probabilities": {0: "n"}},
        opset_version=17,
        dynamo=False,
    )
    return buf.getvalue()


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


def build_data(data_dir: Path, config: TrainConfig, *, train: bool = True) -> dict[str, np.ndarray]:
    """Normalised training and test inputs: Fashion-MNIST (classes 0-9) and the drawn
    kinds (10-13; test silhouettes from other seeds than the training ones). ``train=False``:
    the test splits and the training set's sizes only (evaluating needs no training set)."""
    raw = load_fashion_mnist(data_dir)
    tr_x, tr_y = raw["train_images"], raw["train_labels"].astype(np.int64)
    te_x, te_y = raw["test_images"], raw["test_labels"].astype(np.int64)
    if config.limit_train:
        tr_x, tr_y = tr_x[: config.limit_train], tr_y[: config.limit_train]
    if config.limit_test:
        te_x, te_y = te_x[: config.limit_test], te_y[: config.limit_test]
    per_kind = config.shapes_per_kind
    if config.limit_train:
        per_kind = min(per_kind, max(10, config.limit_train // 10))
    test_per_kind = max(10, min(1000, per_kind // 4))
    labels = [len(FASHION_MNIST_CLASSES) + k for k in range(len(KINDS))]
    out = {
        "fmnist_test_x": normalise_fashion_mnist(te_x),
        "fmnist_test_y": te_y,
        "shapes_test_x": np.concatenate(
            [
                training_pictures(kind, test_per_kind, seed=10_000 + config.seed * 100 + k)
                for k, kind in enumerate(KINDS)
            ]
        ),
        "shapes_test_y": np.concatenate([np.full(test_per_kind, y, np.int64) for y in labels]),
        "fmnist_train_images": np.array(len(tr_x)),
        "drawn_train_per_kind": np.array(per_kind),
    }
    if train:
        drawn = [
            training_pictures(kind, per_kind, seed=config.seed * 100 + k)
            for k, kind in enumerate(KINDS)
        ]
        out["train_x"] = np.concatenate([normalise_fashion_mnist(tr_x), *drawn])
        out["train_y"] = np.concatenate([tr_y, *(np.full(per_kind, y, np.int64) for y in labels)])
    return out


def _augment(
    x: torch.Tensor, gen: torch.Generator, clean_share: float = 0.0, cutout: float = 0.0
) -> torch.Tensor:
    """Photo-like variation of normalised silhouettes (see the module docstring). A
    ``clean_share`` of them is only flipped and shifted (the product-photo look kept); a
    ``cutout`` share has a square erased (an occluded or badly cut garment)."""
    n = x.shape[0]

    def pick(p: float) -> torch.Tensor:
        return (torch.rand(n, generator=gen) < p)[:, None, None, None]

    clean = pick(clean_share)
    x = torch.where(pick(0.5), x.flip(-1), x)
    varied = ~clean[:, 0, 0, 0]
    angle = (torch.rand(n, generator=gen) * 2 - 1) * (12 * math.pi / 180) * varied
    scale = torch.where(varied, 0.85 + 0.2 * torch.rand(n, generator=gen), torch.ones(n))
    shift = (torch.rand(n, 2, generator=gen) * 2 - 1) * 0.12
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1
    )
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    inside = x > FLOOR * 0.5
    core = ((x - FLOOR) / (1 - FLOOR)).clamp(0, 1)
    gamma = torch.exp((torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1) * math.log(2.5))
    core = torch.where(pick(0.4), core.pow(gamma), core)
    core = torch.where(pick(0.15), 1 - core, core)
    flat = 0.15 * torch.rand(n, 1, 1, 1, generator=gen) + 0.04 * torch.randn(x.shape, generator=gen)
    core = torch.where(pick(0.25), flat.clamp(0, 1), core)
    core = torch.where(clean, ((x - FLOOR) / (1 - FLOOR)).clamp(0, 1), core)
    out = torch.where(inside, FLOOR + (1 - FLOOR) * core, torch.zeros_like(x))
    if cutout > 0:
        side = torch.randint(7, 12, (n,), generator=gen)
        top = torch.randint(0, 28, (n,), generator=gen) - side // 2
        left = torch.randint(0, 28, (n,), generator=gen) - side // 2
        rows = torch.arange(28)[None, :, None]
        cols = torch.arange(28)[None, None, :]
        square = (
            (rows >= top[:, None, None])
            & (rows < (top + side)[:, None, None])
            & (cols >= left[:, None, None])
            & (cols < (left + side)[:, None, None])
        )
        erase = square[:, None] & pick(cutout)
        out = torch.where(erase, torch.zeros_like(out), out)
    return out


def resolve_precision(precision: str) -> str:
    """``auto`` → ``bf16`` where the CPU computes bfloat16 natively (AVX-512 BF16 / AMX: about
    3x faster convolutions), else ``fp32``."""
    if precision != "auto":
        if precision not in ("bf16", "fp32"):
            raise ConfigError(f"precision {precision!r} is unknown.", fix="Use bf16, fp32 or auto.")
        return precision
    try:
        return "bf16" if torch.ops.mkldnn._is_mkldnn_bf16_supported() else "fp32"
    except (AttributeError, RuntimeError):
        return "fp32"


@torch.inference_mode()
def predict(model: GarmentNet, images: np.ndarray) -> np.ndarray:
    """Predicted class per normalised input (n, 28, 28)."""
    model.eval()
    out = []
    for start in range(0, len(images), 1000):
        x = torch.from_numpy(np.ascontiguousarray(images[start : start + 1000])).unsqueeze(1)
        out.append(model(x).argmax(1).numpy())
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def confusion(truth: np.ndarray, predicted: np.ndarray, classes: int) -> list[list[int]]:
    matrix = np.zeros((classes, classes), np.int64)
    np.add.at(matrix, (truth, predicted), 1)
    return matrix.tolist()


def _accuracy(model: nn.Module, data: dict[str, np.ndarray]) -> float:
    predicted = predict(model, data["fmnist_test_x"])  # type: ignore[arg-type]
    model.train()
    return float((predicted == data["fmnist_test_y"]).mean())


@dataclass(frozen=True)
class Member:
    """One trained network of the ensemble: its ONNX export and how it was made."""

    onnx: bytes
    record: dict[str, Any]


def _train_member(
    data_dir: Path,
    work_dir: Path,
    config: TrainConfig,
    index: int,
    progress: Callable[[str], None],
) -> Member:
    """Member ``index``: the single-network recipe with seed ``config.seed`` (the caller
    passes seed + index). Resumable: its checkpoint after every epoch; once complete, its
    export and record in ``member-<index>.*`` (a finished member is not trained again)."""
    onnx_path = work_dir / f"member-{index}.onnx"
    record_path = work_dir / f"member-{index}.json"
    if onnx_path.is_file() and record_path.is_file():
        record = json.loads(record_path.read_text())
        blob = onnx_path.read_bytes()
        if record.get("fingerprint") == config.fingerprint() and hashlib.sha256(
            blob
        ).hexdigest() == record.get("sha256"):
            progress(f"member {index} (seed {config.seed}) was trained already")
            return Member(blob, record)
    data = build_data(data_dir, config)
    tr_x, tr_y = data["train_x"], data["train_y"]
    progress(
        f"member {index} (seed {config.seed}): {len(tr_x)} training silhouettes "
        f"({int(data['fmnist_train_images'])} Fashion-MNIST, "
        f"{len(tr_x) - int(data['fmnist_train_images'])} drawn)"
    )
    torch.manual_seed(config.seed)
    precision = resolve_precision(config.precision)
    model = GarmentNet(config.width, blocks=config.blocks)
    steps_per_epoch = (len(tr_x) + config.batch_size - 1) // config.batch_size
    total_epochs = config.epochs + config.finish_epochs

    def optimise(net: nn.Module, finishing: bool) -> tuple[Any, Any]:
        """The main phase: AdamW on a one-cycle schedule; the finish: a fresh AdamW on a
        cosine schedule from ``finish_learning_rate`` down."""
        net.to(memory_format=torch.channels_last)
        lr = config.finish_learning_rate if finishing else config.learning_rate
        opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=config.weight_decay)
        if finishing:
            steps = config.finish_epochs * steps_per_epoch
            return opt, torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
        steps = config.epochs * steps_per_epoch
        return opt, torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=steps)

    optimiser, schedule = optimise(model, False)
    start_epoch, history, before_finish = 0, [], None
    checkpoint_path = work_dir / CHECKPOINT
    if checkpoint_path.is_file():
        state = torch.load(checkpoint_path, map_location="cpu", weights_only=False)
        if state.get("fingerprint") == config.fingerprint():
            if state.get("folded"):
                model = fold_batchnorm(model)
                optimiser, schedule = optimise(model, True)
            model.load_state_dict(state["model"])
            optimiser.load_state_dict(state["optimiser"])
            schedule.load_state_dict(state["schedule"])
            start_epoch, history = int(state["epoch"]), list(state["history"])
            before_finish = state.get("before_finish")
            progress(f"resuming after epoch {start_epoch} of {total_epochs}")
        else:
            progress("a checkpoint with other settings exists; starting afresh")
    began = time.monotonic()
    for epoch in range(start_epoch, total_epochs):
        finishing = epoch >= config.epochs
        if finishing and not _folded(model):  # the main schedule is over: the finish begins
            before_finish = _accuracy(model, data)
            progress(f"member {index}: {before_finish:.4f} before the finish")
            model = fold_batchnorm(model)
            optimiser, schedule = optimise(model, True)
        model.train()
        gen = torch.Generator().manual_seed(config.seed * 1000 + epoch)
        order = torch.randperm(len(tr_x), generator=gen)
        total_loss = 0.0
        for step in range(steps_per_epoch):
            idx = order[step * config.batch_size : (step + 1) * config.batch_size].numpy()
            x = torch.from_numpy(tr_x[idx]).unsqueeze(1)
            y = torch.from_numpy(tr_y[idx])
            if finishing:  # the product-photo look only: flipped and shifted
                x = _augment(x, gen, clean_share=1.0)
            else:
                x = _augment(x, gen, config.clean_share, config.cutout)
            x = x.contiguous(memory_format=torch.channels_last)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
                logits = model(x)
            loss = F.cross_entropy(logits.float(), y, label_smoothing=0.05)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
            total_loss += loss.item() * len(idx)
        history.append(
            {
                "epoch": epoch + 1,
                "phase": "finish" if finishing else "main",
                "train_loss": round(total_loss / len(tr_x), 5),
            }
        )
        buf = io.BytesIO()
        torch.save(
            {
                "fingerprint": config.fingerprint(),
                "epoch": epoch + 1,
                "history": history,
                "folded": _folded(model),
                "before_finish": before_finish,
                "model": model.state_dict(),
                "optimiser": optimiser.state_dict(),
                "schedule": schedule.state_dict(),
            },
            buf,
        )
        write_bytes(checkpoint_path, buf.getvalue())
        progress(
            f"member {index}, epoch {epoch + 1}/{total_epochs}"
            + (" (finish)" if finishing else "")
            + f": train loss {history[-1]['train_loss']}"
        )
    blob = export_onnx(model.to(memory_format=torch.contiguous_format))
    from aura.vision.classifier import OnnxSilhouetteModel

    alone = OnnxSilhouetteModel(blob).probabilities(data["fmnist_test_x"]).argmax(1)
    record = {
        "fingerprint": config.fingerprint(),
        "sha256": hashlib.sha256(blob).hexdigest(),
        "seed": config.seed,
        "precision_used": precision,
        "history": history,
        "test_accuracy": round(float((alone == data["fmnist_test_y"]).mean()), 5),
        "test_accuracy_before_finish": (
            round(before_finish, 5) if before_finish is not None else None
        ),
        "training_seconds": round(time.monotonic() - began, 1),
    }
    write_bytes(onnx_path, blob)
    write_bytes(record_path, json.dumps(record, indent=2).encode())  # written last
    checkpoint_path.unlink(missing_ok=True)  # the member is complete
    progress(f"member {index}: test accuracy {record['test_accuracy']:.4f} alone")
    return Member(blob, record)


def train_garment_classifier(
    data_dir: Path,
    target: Path,
    work_dir: Path,
    config: TrainConfig,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Train (or resume) ``config.members`` networks (seeds seed, seed + 1, ...), compose
    them into one ONNX model (:func:`aura.vision.ensemble.compose`: the mean on the picture
    and its mirror image), evaluate that on the test splits, and publish the artifact (the
    model and a manifest with data, settings, each member's record, accuracy, confusion
    matrices and sha256 per file). Returns its manifest."""
    from aura.vision.classifier import OnnxSilhouetteModel
    from aura.vision.ensemble import compose

    with DirectoryLock(work_dir, "training the garment classifier"):
        began = time.monotonic()
        members = [
            _train_member(
                data_dir, work_dir, replace(config, seed=config.seed + k, members=1), k, progress
            )
            for k in range(config.members)
        ]
        onnx_bytes = compose([m.onnx for m in members])
        data = build_data(data_dir, config, train=False)  # the recipe's own seed's tests
        served = OnnxSilhouetteModel(onnx_bytes)  # evaluate what is served
        fm_pred = served.probabilities(data["fmnist_test_x"]).argmax(1)
        sh_pred = served.probabilities(data["shapes_test_x"]).argmax(1)
        accuracy = float((fm_pred == data["fmnist_test_y"]).mean())
        shapes_accuracy = float((sh_pred == data["shapes_test_y"]).mean())
        progress(
            f"test accuracy {accuracy:.4f} on {len(fm_pred)} Fashion-MNIST test images; "
            f"{shapes_accuracy:.4f} on {len(sh_pred)} drawn test silhouettes"
        )
        model_config = {
            "architecture": "GarmentNet",
            "width": config.width,
            "blocks": config.blocks,
            "members": config.members,
            "classes": CLASSES,
        }
        records = [{k: v for k, v in m.record.items() if k != "fingerprint"} for m in members]
        manifest = save_model_artifact(
            target,
            {
                MODEL_FILE: onnx_bytes,
                "config.json": json.dumps(model_config, indent=2).encode(),
            },
            {
                "kind": "garment-classifier",
                "architecture": (
                    f"GarmentNet x{config.members}, mean over the picture and its mirror "
                    "(ONNX, onnxruntime)"
                ),
                "classes": list(CLASSES),
                "input": "28x28 silhouette (aura.vision.silhouette)",
                "data": {
                    "name": "Fashion-MNIST + drawn silhouettes (aura.vision.shapes)",
                    "source": str(data_dir),
                    "train_images": int(data["fmnist_train_images"]),
                    "test_images": len(fm_pred),
                    "drawn_train_per_kind": int(data["drawn_train_per_kind"]),
                    "drawn_test": len(sh_pred),
                },
                "settings": asdict(config),
                "members": records,
                "history": [
                    {"member": k, **h} for k, r in enumerate(records) for h in r["history"]
                ],
                "test_accuracy": round(accuracy, 5),
                "drawn_test_accuracy": round(shapes_accuracy, 5),
                "confusion_fashion_mnist": confusion(data["fmnist_test_y"], fm_pred, len(CLASSES)),
                "training_seconds_this_run": round(time.monotonic() - began, 1),
            },
        )
        for k in range(config.members):  # the run is complete
            (work_dir / f"member-{k}.onnx").unlink(missing_ok=True)
            (work_dir / f"member-{k}.json").unlink(missing_ok=True)
        return read_manifest(manifest) or {}
