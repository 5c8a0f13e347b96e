"""The garment category classifier Aura trains itself (on Fashion-MNIST) and its inference.

Fashion-MNIST images were made from product photos: trimmed to the garment, the longest
side resized to 28 px, converted to grey and *negated* (garment light on black). Inference
applies the same recipe to a garment crop and its mask, so a photo looks like the training
data. The ten classes are the data set's own; nothing is renamed into finer categories
the model never saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps
from torch import nn

CLASSES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
SIDE = 28


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
    """A small VGG-style CNN: 28x28 grey → 10 classes (about 0.9M parameters)."""

    def __init__(self, width: int = 32, num_classes: int = len(CLASSES)) -> None:
        super().__init__()
        self.width = width
        self.features = nn.Sequential(_block(1, width), _block(width, 2 * width))
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(0.3),
            nn.Linear(2 * width * 7 * 7, 256),
            nn.ReLU(inplace=True),
            nn.Dropout(0.3),
            nn.Linear(256, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def to_fashion_mnist(image: Image.Image, mask: np.ndarray | None = None) -> np.ndarray:
    """A garment crop as a Fashion-MNIST-like 28x28 float array in [0, 1]."""
    grey = np.asarray(image.convert("L"), dtype=np.float32)
    inverted = 255.0 - grey
    if mask is not None:
        m = np.asarray(
            Image.fromarray(mask.astype(np.uint8) * 255).resize(image.size, Image.NEAREST)
        )
        inverted = np.where(m > 127, inverted, 0.0)
        ys, xs = np.nonzero(m > 127)
        if len(xs):
            inverted = inverted[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    pic = Image.fromarray(np.clip(inverted, 0, 255).astype(np.uint8), "L")
    pic = ImageOps.contain(pic, (SIDE, SIDE), Image.LANCZOS)
    canvas = Image.new("L", (SIDE, SIDE), 0)
    canvas.paste(pic, ((SIDE - pic.width) // 2, (SIDE - pic.height) // 2))
    return np.asarray(canvas, dtype=np.float32) / 255.0


@dataclass(frozen=True)
class CategoryPrediction:
    label: str
    confidence: float
    probabilities: dict[str, float]

    def to_dict(self) -> dict[str, object]:
        top = sorted(self.probabilities.items(), key=lambda kv: -kv[1])[:3]
        return {
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "top": [{"label": k, "probability": round(v, 4)} for k, v in top],
        }


class GarmentClassifier:
    """A loaded classifier artifact."""

    def __init__(self, model: GarmentNet, manifest: dict[str, object], path: Path) -> None:
        self.model = model.eval()
        self.manifest = manifest
        self.path = path

    @property
    def test_accuracy(self) -> float | None:
        value = self.manifest.get("test_accuracy")
        return float(value) if isinstance(value, int | float) else None

    @torch.inference_mode()
    def predict_arrays(self, arrays: np.ndarray) -> np.ndarray:
        """(n, 28, 28) in [0, 1] → (n, 10) probabilities."""
        x = torch.from_numpy(np.ascontiguousarray(arrays, dtype=np.float32)).unsqueeze(1)
        return F.softmax(self.model(x), dim=1).numpy()

    def predict(
        self, crops: list[Image.Image], masks: list[np.ndarray | None]
    ) -> list[CategoryPrediction]:
        if not crops:
            return []
        batch = np.stack([to_fashion_mnist(c, m) for c, m in zip(crops, masks, strict=True)])
        out = []
        for probs in self.predict_arrays(batch):
            best = int(np.argmax(probs))
            out.append(
                CategoryPrediction(
                    CLASSES[best],
                    float(probs[best]),
                    {name: float(p) for name, p in zip(CLASSES, probs, strict=True)},
                )
            )
        return out


def load_garment_classifier(target: Path) -> GarmentClassifier:
    """Load a trained artifact after checking its files against the manifest (sizes)."""
    from safetensors.torch import load_file

    from aura.vision.artifact import verify_artifact

    manifest = verify_artifact(target)
    width = int(manifest.get("settings", {}).get("width", 32))
    model = GarmentNet(width)
    model.load_state_dict(load_file(str(target / "model.safetensors")), strict=True)
    return GarmentClassifier(model, manifest, target)
