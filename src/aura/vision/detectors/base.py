"""The detector interface: an RGB picture in, garment regions (pixel boxes) out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from PIL import Image


@dataclass(frozen=True)
class Detection:
    label: str
    confidence: float
    box: tuple[float, float, float, float]  # [x1, y1, x2, y2] in pixels of the input image
    mask: np.ndarray | None = field(default=None, compare=False)  # bool, same size as the box
    source: str = ""  # what found it: "detr", "whole-photo", "pose:upper-body", ...

    @property
    def area(self) -> float:
        x1, y1, x2, y2 = self.box
        return max(0.0, x2 - x1) * max(0.0, y2 - y1)


class Detector(Protocol):
    name: str  # back-end name reported in every response

    def info(self) -> dict[str, Any]:
        """Model id, revision, load time and anything else worth reporting."""
        ...

    def detect(
        self, image: Image.Image, threshold: float, max_detections: int
    ) -> list[Detection]: ...


def clip_box(
    box: tuple[float, float, float, float], width: int, height: int
) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = box
    return (
        float(min(max(x1, 0.0), width)),
        float(min(max(y1, 0.0), height)),
        float(min(max(x2, 0.0), width)),
        float(min(max(y2, 0.0), height)),
    )
