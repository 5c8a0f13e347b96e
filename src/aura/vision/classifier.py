"""The garment category classifier Aura trains itself, served with onnxruntime (no torch).

Input: the garment's silhouette (:mod:`aura.vision.silhouette`: its mask, background removed,
trimmed, centred, 28x28). Classes: fine garment words that :func:`aura.taxonomy.slot_of`
places in a slot — Fashion-MNIST's ten ("t-shirt" for its "T-shirt/top", ...) and the drawn
kinds it lacks (skirt, shorts, hat, belt). Per photo the classifier's probabilities are also
summed per slot, so a client can see how sure the slot is even when the fine word is not.

Where the classifier comes from (:func:`locate_classifier`): a model trained on this
installation (``aura train garment-classifier``, in the data tree) wins; otherwise the
artifact Aura ships in its wheel (``aura/vision/models/garment-classifier``, made by the same
recipe), which the model store imports at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from aura.taxonomy import Slot, slot_of
from aura.vision.silhouette import from_photo

FASHION_MNIST_CLASSES: tuple[str, ...] = (
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
# The classifier's classes, in output order: Fashion-MNIST's as garment words, then drawn kinds.
CLASSES: tuple[str, ...] = (
    "t-shirt",
    "trousers",
    "pullover",
    "dress",
    "coat",
    "sandals",
    "shirt",
    "sneakers",
    "bag",
    "ankle boots",
    "skirt",
    "shorts",
    "hat",
    "belt",
)
CLASS_SLOTS: dict[str, Slot] = {name: slot_of(name) for name in CLASSES}
MODEL_FILE = "model.onnx"
SIDE = 28
PACKAGED_DIR = Path(__file__).parent / "models" / "garment-classifier"


class OnnxSilhouetteModel:
    """An ONNX session: (n, 28, 28) silhouettes → (n, classes) probabilities."""

    def __init__(self, model: bytes | Path, threads: int = 1) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        source = model if isinstance(model, bytes) else str(model)
        self.session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name

    def probabilities(self, arrays: np.ndarray) -> np.ndarray:
        arrays = np.asarray(arrays, np.float32)
        if len(arrays) == 0:
            return np.zeros((0, len(CLASSES)), np.float32)
        out = []
        for start in range(0, len(arrays), 512):
            x = np.ascontiguousarray(arrays[start : start + 512, None])
            out.append(self.session.run(None, {self.input: x})[0])
        return np.concatenate(out)


@dataclass(frozen=True)
class CategoryPrediction:
    label: str
    confidence: float
    probabilities: dict[str, float]

    @property
    def slot(self) -> Slot:
        return CLASS_SLOTS.get(self.label, slot_of(self.label))

    def slot_probabilities(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, p in self.probabilities.items():
            slot = CLASS_SLOTS.get(name, slot_of(name)).value
            out[slot] = out.get(slot, 0.0) + p
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    def to_dict(self) -> dict[str, Any]:
        top = sorted(self.probabilities.items(), key=lambda kv: -kv[1])[:3]
        slots = self.slot_probabilities()
        return {
            "label": self.label,
            "slot": self.slot.value,
            "confidence": round(self.confidence, 4),
            "slot_confidence": round(slots.get(self.slot.value, self.confidence), 4),
            "top": [{"label": k, "probability": round(v, 4)} for k, v in top],
            "slots": [{"slot": k, "probability": round(v, 4)} for k, v in list(slots.items())[:3]],
        }


class GarmentClassifier:
    """A loaded classifier artifact."""

    def __init__(
        self,
        model: OnnxSilhouetteModel,
        manifest: dict[str, Any],
        path: Path,
        origin: str = "trained",
    ) -> None:
        self.model = model
        self.manifest = manifest
        self.path = path
        self.classes: tuple[str, ...] = tuple(manifest.get("classes") or CLASSES)
        self.origin = origin  # "trained" (this installation's) or "packaged" (Aura's own)

    @property
    def test_accuracy(self) -> float | None:
        value = self.manifest.get("test_accuracy")
        return float(value) if isinstance(value, int | float) else None

    def predict_arrays(self, arrays: np.ndarray) -> np.ndarray:
        """(n, 28, 28) normalised silhouettes → (n, classes) probabilities."""
        return self.model.probabilities(arrays)

    def predict(
        self, crops: list[Image.Image], masks: list[np.ndarray | None]
    ) -> list[CategoryPrediction]:
        if not crops:
            return []
        batch = np.stack([from_photo(c, m) for c, m in zip(crops, masks, strict=True)])
        return [self.decide(probs) for probs in self.predict_arrays(batch)]

    def decide(self, probs: np.ndarray) -> CategoryPrediction:
        """The slot with the most probability first (a pullover/shirt/t-shirt split outweighs
        one coat), then the likeliest garment word within it."""
        named = {name: float(p) for name, p in zip(self.classes, probs, strict=True)}
        slots: dict[Slot, float] = {}
        for name, p in named.items():
            slot = CLASS_SLOTS.get(name, slot_of(name))
            slots[slot] = slots.get(slot, 0.0) + p
        slot = max(slots, key=slots.__getitem__)
        best = max(
            (n for n in named if CLASS_SLOTS.get(n, slot_of(n)) == slot), key=named.__getitem__
        )
        return CategoryPrediction(best, named[best], named)


def load_garment_classifier(target: Path, origin: str = "trained") -> GarmentClassifier:
    """Load an artifact after checking its files against the manifest (sizes)."""
    from aura.errors import ModelMissing
    from aura.vision.artifact import verify_artifact

    manifest = verify_artifact(target)
    if MODEL_FILE not in manifest["files"]:
        raise ModelMissing(
            f"{target} holds a garment classifier of an older format (no {MODEL_FILE}).",
            fix="Retrain it: `aura train garment-classifier` (the old files are replaced).",
        )
    model = OnnxSilhouetteModel(target / MODEL_FILE)
    return GarmentClassifier(model, manifest, target, origin)


def locate_classifier(trained: Path, packaged: Path | None = None) -> tuple[Path, str]:
    """(folder to load, origin): the installation's trained model when it has a manifest,
    else the packaged one (the model store's copy when given, else the wheel's own)."""
    from aura.vision.artifact import read_manifest

    if read_manifest(trained) is not None:
        return trained, "trained"
    return (packaged if packaged is not None else PACKAGED_DIR), "packaged"
