"""EfficientNet-Lite0 (ImageNet) as the outfit model's image feature extractor.

The network, its weights and its preprocessing are the visual analysis backbone's
(:mod:`aura.vision.effnet`, run on its ONNX export): one implementation of the model. Outfit
features are the raw pooled 1280-d activations (not L2-normalised: trained outfit models
expect them as they were), beside the same hashed text as the handcrafted extractor.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from aura.errors import ModelMissing
from aura.outfits.features import TEXT_DIM, hashed_text
from aura.vision.effnet import Backbone

if TYPE_CHECKING:
    from torch import Tensor


def to_input(images: Sequence[Image.Image]) -> Tensor:
    """[B, 3, 224, 224] in [-1, 1], as the backbone takes it."""
    return Backbone.preprocess(list(images))


class EffNetExtractor:
    name = "effnet-lite0"
    image_dim = 1280
    text_dim = TEXT_DIM

    def __init__(self, weights: Path | None = None) -> None:
        try:
            self.backbone = Backbone(weights)
        except ModelMissing as exc:
            raise ModelMissing(
                exc.message, fix=f"{exc.fix} Or use --features handcrafted."
            ) from exc

    @property
    def net(self) -> Any:
        """The torch network (forward(x) -> (pooled, ImageNet logits)); imports torch."""
        return self.backbone.model

    def image_features(self, images: Sequence[Image.Image]) -> np.ndarray:
        """Raw pooled features from the backbone's ONNX export (no torch)."""
        return self.backbone.features(list(images))

    def text_features(self, texts: Sequence[str]) -> np.ndarray:
        return hashed_text(texts, self.text_dim)
