"""DETR-family garment detection with transformers, from a local model folder.

``AutoModelForObjectDetection`` + ``AutoImageProcessor`` load any DETR, Conditional-DETR,
Deformable-DETR or RT-DETR checkpoint; ``post_process_object_detection`` turns its queries
into pixel boxes. DETR's last logit is the "no object" class: the processor's softmax
drops it, so a query whose best real class is weak never becomes a detection. Labels come
from the checkpoint's own ``id2label``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import torch
from PIL import Image

from aura.errors import ModelMissing
from aura.vision.detectors.base import Detection, clip_box


class DetrDetector:
    name = "detr"

    def __init__(self, model_dir: Path, device: str = "cpu") -> None:
        from transformers import AutoImageProcessor, AutoModelForObjectDetection

        model_dir = Path(model_dir)
        if not (model_dir / "config.json").is_file():
            raise ModelMissing(
                f"No detection model in {model_dir} (config.json missing).",
                fix="Point AURA_VISION_DETR_MODEL_DIR at a saved transformers detector, or set "
                "AURA_VISION_BACKEND=packaged.",
            )
        began = time.perf_counter()
        self.model_dir = model_dir
        self.processor = AutoImageProcessor.from_pretrained(model_dir, local_files_only=True)
        model = AutoModelForObjectDetection.from_pretrained(model_dir, local_files_only=True)
        self.model = model.eval().to(device)
        self.device = device
        self.id2label = {int(k): str(v) for k, v in self.model.config.id2label.items()}
        self.load_seconds = time.perf_counter() - began
        config = json.loads((model_dir / "config.json").read_text())
        self.model_id = str(config.get("_name_or_path") or model_dir.name)
        self.revision = _revision(model_dir)

    def info(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "model": self.model_id,
            "revision": self.revision,
            "architecture": type(self.model).__name__,
            "labels": sorted(set(self.id2label.values())),
            "load_seconds": round(self.load_seconds, 4),
            "path": str(self.model_dir),
        }

    @torch.inference_mode()
    def detect(self, image: Image.Image, threshold: float, max_detections: int) -> list[Detection]:
        inputs = self.processor(images=image, return_tensors="pt").to(self.device)
        outputs = self.model(**inputs)
        width, height = image.size
        result = self.processor.post_process_object_detection(
            outputs, threshold=threshold, target_sizes=[(height, width)]
        )[0]
        found = []
        for score, label, box in zip(
            result["scores"].tolist(),
            result["labels"].tolist(),
            result["boxes"].tolist(),
            strict=True,
        ):
            found.append(
                Detection(
                    label=self.id2label.get(int(label), str(label)),
                    confidence=float(score),
                    box=clip_box(tuple(box), width, height),
                    source="detr",
                )
            )
        found = [d for d in found if d.area > 0]
        found.sort(key=lambda d: -d.confidence)
        return found[:max_detections]


def _revision(model_dir: Path) -> str:
    """A Hugging Face snapshot folder is named after its commit; otherwise "local"."""
    name = model_dir.resolve().name
    if len(name) == 40 and all(c in "0123456789abcdef" for c in name):
        return name
    return "local"
