"""Shared, heavy pieces of the vision tests, built once per session."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
needs_fashion_mnist = pytest.mark.skipif(
    not (FASHION_MNIST / "t10k-images-idx3-ubyte.gz").is_file() and os.environ.get("CI") != "true",
    reason="Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)",
)


@pytest.fixture(scope="session")
def fmnist() -> dict[str, np.ndarray]:
    from aura.vision.training import load_fashion_mnist

    return load_fashion_mnist(FASHION_MNIST)


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory: pytest.TempPathFactory):
    """A fresh install's pipeline: nothing trained, the packaged classifier."""
    from aura.config import load_settings
    from aura.layout import DataTree
    from aura.vision.pipeline import VisionPipeline

    settings = load_settings(data_dir=tmp_path_factory.mktemp("vision") / "data")
    pipeline = VisionPipeline.load(settings, DataTree(settings))
    assert pipeline.classifier is not None and pipeline.classifier.origin == "packaged"
    return pipeline


def confusion_table(truth: Sequence[str], predicted: Sequence[str], title: str) -> str:
    """A printable confusion matrix (rows: truth, columns: predicted)."""
    labels = sorted(set(truth) | set(predicted))
    width = max(6, *(len(x) for x in labels)) + 1
    lines = [title, " " * width + "".join(f"{x[: width - 1]:>{width}}" for x in labels)]
    for t in labels:
        row = [sum(1 for a, b in zip(truth, predicted, strict=True) if a == t and b == p)
               for p in labels]  # fmt: skip
        lines.append(f"{t[: width - 1]:>{width}}" + "".join(f"{n:>{width}}" for n in row))
    return "\n".join(lines)
