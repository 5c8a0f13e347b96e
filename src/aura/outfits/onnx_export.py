"""The OutfitTransformer exported to ONNX and verified against itself in torch (imports torch).

:func:`export_onnx` runs when a model is written (:func:`aura.outfits.artifact.
save_model_artifact`); ``python -m aura.outfits.onnx_export ARTIFACT_DIR OUT`` exports an
artifact written before that, in a child process of the server.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from aura.outfits.onnx_model import FILES, OnnxOutfitModel
from aura.outfits.padding import pad_arrays
from aura.storage.models.onnx import verification, write_verification

if TYPE_CHECKING:
    from aura.outfits.model import OutfitTransformer

ATOL = 1e-4
MIN_COSINE = 0.9999
OPSET = 17
SIZES = (2, 3, 5, 8, 4, 2, 6, 7)  # outfits of the fixed inputs: every padding pattern kind


def fixed_inputs(image_dim: int, text_dim: int) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    items = 24
    image = rng.normal(size=(items, image_dim)).astype(np.float32)
    text = rng.normal(size=(items, text_dim)).astype(np.float32)
    text /= np.linalg.norm(text, axis=1, keepdims=True)
    outfits = [list(rng.choice(items, size, replace=False)) for size in SIZES]
    img, txt, pad = pad_arrays(image, text, outfits)  # MAX_ITEMS wide: the exported shape
    target = rng.normal(size=(len(outfits), text_dim)).astype(np.float32)
    short = [list(rng.choice(items, size, replace=False)) for size in (2, 3, 2)]
    img2, txt2, pad2 = pad_arrays(image, text, short)  # narrower: serving pads it to 8
    return {
        "image": image,
        "text": text,
        "img": img,
        "txt": txt,
        "pad": pad,
        "target": target,
        "img2": img2,
        "txt2": txt2,
        "pad2": pad2,
        "target2": target[: len(short)],
    }


def export_onnx(model: OutfitTransformer, out: Path) -> dict[str, Any]:
    """Write the three graphs into ``out``; returns the verification (raises if it fails)."""
    import torch
    from torch import nn

    model = model.eval()
    cfg = model.config

    class Compatibility(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, image, text, padding):  # type: ignore[no-untyped-def]
            return self.model.compatibility_logits(image, text, padding)

    class Target(Compatibility):
        def forward(self, image, text, padding, target_text):  # type: ignore[no-untyped-def]
            return self.model.target_embedding(image, text, padding, target_text)

    class ItemEmbedding(Compatibility):
        def forward(self, image, text):  # type: ignore[no-untyped-def]
            return self.model.item_embedding(image, text)

    def _export_graphs(torch: Any, graphs: dict[str, Any]) -> None:
        with torch.no_grad():
            for task, (module, args, names, axes) in graphs.items():
                torch.onnx.export(
                    module.eval(),
                    args,
                    str(out / FILES[task]),
                    input_names=names,
                    output_names=["out"],
                    dynamic_axes={**axes, "out": {0: "batch"}},
                    opset_version=OPSET,
                    dynamo=False,
                )

    x = fixed_inputs(cfg.image_dim, cfg.text_dim)
    t = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in x.items()}
    outfit_axes = {0: "batch", 1: "items"}
    graphs = {
        "compatibility": (
            Compatibility(),
            (t["img"], t["txt"], t["pad"]),
            ["image", "text", "padding"],
            {"image": outfit_axes, "text": outfit_axes, "padding": outfit_axes},
        ),
        "target": (
            Target(),
            (t["img"], t["txt"], t["pad"], t["target"]),
            ["image", "text", "padding", "target_text"],
            {
                "image": outfit_axes,
                "text": outfit_axes,
                "padding": outfit_axes,
                "target_text": {0: "batch"},
            },
        ),
        "item": (
            ItemEmbedding(),
            (t["image"], t["text"]),
            ["image", "text"],
            {"image": {0: "items"}, "text": {0: "items"}},
        ),
    }
    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)  # the fused encoder op has no ONNX form
    try:
        _export_graphs(torch, graphs)
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)
    with torch.inference_mode():
        compat = [
            model.compatibility_logits(t[f"img{k}"], t[f"txt{k}"], t[f"pad{k}"]) for k in ("", "2")
        ]
        target = [
            model.target_embedding(t[f"img{k}"], t[f"txt{k}"], t[f"pad{k}"], t[f"target{k}"])
            for k in ("", "2")
        ]
        expected = {
            "compatibility": torch.sigmoid(torch.cat(compat)),
            "target": torch.cat(target),
            "item": model.item_embedding(t["image"], t["text"]),
        }
    runner = OnnxOutfitModel(out, threads=1)
    logits = [
        runner.compatibility_logits(x[f"img{k}"], x[f"txt{k}"], x[f"pad{k}"]) for k in ("", "2")
    ]
    got = {
        "compatibility": 1 / (1 + np.exp(-np.concatenate(logits))),
        "target": np.concatenate(
            [
                runner.target_embedding(x[f"img{k}"], x[f"txt{k}"], x[f"pad{k}"], x[f"target{k}"])
                for k in ("", "2")
            ]
        ),
        "item": runner.item_embedding(x["image"], x["text"]),
    }
    parts = {
        task: verification(
            expected[task].numpy().reshape(len(got[task]), -1),
            got[task].reshape(len(got[task]), -1),
            atol=ATOL,
            min_cosine=MIN_COSINE if task != "compatibility" else -1.0,
        )
        for task in FILES
    }
    record = {
        "inputs": len(SIZES) + 3,
        "max_abs_diff": max(p["max_abs_diff"] for p in parts.values()),
        "min_cosine": min(parts["target"]["min_cosine"], parts["item"]["min_cosine"]),
        "atol": ATOL,
        "min_cosine_required": MIN_COSINE,
        "tasks": parts,
        "passed": all(p["passed"] for p in parts.values()),
        "runtime": "onnxruntime",
        "opset": OPSET,
        "torch": torch.__version__,
    }
    return record


def main(artifact: Path, out: Path) -> int:
    from aura.outfits.artifact import load_model_artifact

    model, _, _ = load_model_artifact(artifact)
    return write_verification(out, export_onnx(model, out))


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
