"""The garment classifier's training recipe: its settings and their defaults, the packaged
model's recipe (its manifest records them). Torch-free, so the CLI takes its option defaults
from here without importing the training code.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class TrainConfig:
    # the packaged model's recipe (its manifest records it)
    epochs: int = 24  # the main, one-cycle schedule
    finish_epochs: int = 2  # then fine-tuned on clean batches, batch norm folded (see training)
    finish_learning_rate: float = 3e-4  # peak of the finish's cosine schedule
    batch_size: int = 256
    learning_rate: float = 4e-3
    weight_decay: float = 5e-4
    width: int = 40
    blocks: int = 3  # convolution blocks (each halves the side: 28 → 14 → 7 → 3)
    clean_share: float = 0.35  # of each batch: only flipped and shifted, tone untouched
    cutout: float = 0.3  # of each batch: a square of the silhouette erased
    precision: str = "auto"  # "bf16" (autocast), "fp32", or "auto": bf16 where the CPU has it
    members: int = 2  # networks averaged (seeds seed, seed + 1, ...), each also on the mirror
    seed: int = 0
    shapes_per_kind: int = 4000  # drawn silhouettes per extra kind (Fashion-MNIST: 6000)
    limit_train: int | None = None  # short runs for tests
    limit_test: int | None = None

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]
