"""The classifier ensemble as one ONNX graph: the mean of each network on the picture and
its mirror image, weights stored once."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
import torch

from aura.vision.ensemble import compose
from aura.vision.training import GarmentNet, export_onnx


def _run(model: bytes, pictures: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    return session.run(None, {"silhouette": pictures})[0]


@pytest.fixture(scope="module")
def members() -> list[bytes]:
    out = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        out.append(export_onnx(GarmentNet(width=8, blocks=2)))
    return out


def test_the_ensemble_is_the_mean_over_members_and_mirror_images(members) -> None:
    # asymmetric pictures, so a mirror image is a different input
    pictures = np.random.default_rng(3).random((7, 1, 28, 28), dtype=np.float32)
    pictures[:, :, :, :10] = 0.0
    mirrored = pictures[..., ::-1].copy()
    views = [_run(m, p) for m in members for p in (pictures, mirrored)]
    assert not np.allclose(views[0], views[1])  # the mirror image matters to one network
    composed = compose(members)
    got = _run(composed, pictures)
    assert got.shape == (7, views[0].shape[1])
    np.testing.assert_allclose(got, np.mean(views, axis=0), atol=1e-6)
    np.testing.assert_allclose(got.sum(1), 1.0, atol=1e-5)  # still probabilities
    # each member's weights once, not once per view
    assert len(composed) < 1.1 * sum(len(m) for m in members)


def test_one_member_is_averaged_with_its_mirror_image(members) -> None:
    pictures = np.random.default_rng(4).random((3, 1, 28, 28), dtype=np.float32)
    want = (_run(members[0], pictures) + _run(members[0], pictures[..., ::-1].copy())) / 2
    np.testing.assert_allclose(_run(compose(members[:1]), pictures), want, atol=1e-6)


def test_no_member_is_refused() -> None:
    with pytest.raises(ValueError):
        compose([])
