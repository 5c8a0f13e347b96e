"""EfficientNet-Lite0 on ONNX Runtime against the torch network it was exported from."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import skimage.data
from PIL import Image

from aura.storage.models.artifacts import read_artifact
from aura.vision.effnet import Backbone


@pytest.fixture(scope="module")
def backbones():
    from aura.vision.effnet_torch import TorchBackbone

    onnx = Backbone()
    return onnx, TorchBackbone(onnx.weights)


def test_image_features_equal_torch_within_the_recorded_tolerance(backbones):
    onnx, torch_backbone = backbones
    manifest = read_artifact(onnx.onnx_dir)
    assert manifest is not None
    facts = manifest.extra
    assert facts["passed"] and facts["max_abs_diff"] <= facts["atol"] <= 1e-4
    assert facts["probabilities"]["max_abs_diff"] <= facts["atol"]
    images = [
        Image.fromarray(skimage.data.astronaut()),
        Image.fromarray(skimage.data.chelsea()),
        Image.fromarray(skimage.data.coffee()),
        Image.fromarray(skimage.data.camera()),
    ]
    ours, theirs = onnx.run(images), torch_backbone.run(images)
    assert ours.embeddings.shape == (4, 1280) and ours.embeddings.dtype == np.float32
    assert float(np.abs(ours.embeddings - theirs.embeddings).max()) <= facts["atol"]
    assert float(np.abs(ours.probabilities - theirs.probabilities).max()) <= facts["atol"]
    cosine = (ours.embeddings * theirs.embeddings).sum(1)
    assert float(cosine.min()) >= facts["min_cosine_required"]
    assert list(ours.probabilities.argmax(1)[1:3]) == [285, 967]  # Egyptian cat, espresso
    raw = onnx.features(images[:1])
    batch = torch_backbone.preprocess(images[:1])
    torch_raw = torch_backbone.model.features(batch).detach().numpy()
    assert float(np.abs(raw - torch_raw).max()) <= 1e-3 * float(np.abs(torch_raw).max())


def test_the_vision_pipeline_imports_no_torch():
    code = (
        "import sys; import aura.vision.pipeline, aura.vision.effnet, aura.platform; "
        "assert 'torch' not in sys.modules, sorted(m for m in sys.modules if 'torch' in m)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
