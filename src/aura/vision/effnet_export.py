"""EfficientNet-Lite0 exported to ONNX once, verified against the torch model (imports torch).

    python -m aura.vision.effnet_export WEIGHTS_FILE OUT_FOLDER

OUT_FOLDER receives ``model.onnx`` (input ``images`` [n, 3, 224, 224] in [-1, 1]; outputs
``pooled`` [n, 1280] and ``logits`` [n, 1000]) and last ``verification.json``: fixed images
through the serving path (:class:`aura.vision.effnet.Backbone` on the export) against the
torch network, embeddings and probabilities both. Exit 1 (nothing kept) beyond tolerance.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image

from aura.storage.models.onnx import MODEL_FILE, verification, write_verification
from aura.vision.effnet import INPUT_SIZE, Backbone

ATOL = 1e-4
MIN_COSINE = 0.9999
OPSET = 17


def fixed_images() -> list[Image.Image]:
    """Deterministic images: noise, gradients, flat colours, stripes, odd sizes."""
    rng = np.random.default_rng(0)
    out = [
        Image.fromarray(rng.integers(0, 256, (INPUT_SIZE, INPUT_SIZE, 3), np.uint8)),
        Image.fromarray(rng.integers(0, 256, (300, 180, 3), np.uint8)),
    ]
    ramp = np.linspace(0, 255, 256, dtype=np.uint8)
    out.append(Image.fromarray(np.stack([np.tile(ramp, (256, 1))] * 3, axis=-1)))
    for colour in ((200, 30, 40), (20, 30, 90), (245, 245, 240)):
        out.append(Image.new("RGB", (120, 160), colour))
    stripes = np.zeros((224, 224, 3), np.uint8)
    stripes[::16] = (250, 250, 250)
    stripes[1::16] = (250, 250, 250)
    out.append(Image.fromarray(stripes))
    out.append(Image.fromarray(rng.integers(0, 256, (64, 512), np.uint8)).convert("L"))
    return out


def export(weights: Path, out: Path) -> int:
    import torch

    from aura.vision.effnet_torch import TorchBackbone

    reference = TorchBackbone(weights)
    sample = TorchBackbone.preprocess(fixed_images()[:2])
    with torch.inference_mode():
        torch.onnx.export(
            reference.model,
            (sample,),
            str(out / MODEL_FILE),
            input_names=["images"],
            output_names=["pooled", "logits"],
            dynamic_axes={"images": {0: "batch"}, "pooled": {0: "batch"}, "logits": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,
        )
    images = fixed_images()
    expected = reference.run(images)
    got = Backbone(weights, onnx_dir=out, threads=1).run(images)
    record = verification(expected.embeddings, got.embeddings, atol=ATOL, min_cosine=MIN_COSINE)
    probs = verification(
        expected.probabilities, got.probabilities, atol=ATOL, min_cosine=MIN_COSINE
    )
    record.update(
        probabilities=probs,
        passed=record["passed"] and probs["passed"],
        runtime="onnxruntime",
        opset=OPSET,
        torch=torch.__version__,
    )
    return write_verification(out, record)


if __name__ == "__main__":
    sys.exit(export(Path(sys.argv[1]), Path(sys.argv[2])))
