"""The trained OutfitTransformer on ONNX Runtime: what serving runs (no torch).

Three graphs, exported from the torch model when it is written (:func:`aura.outfits.
onnx_export.export_onnx`, into the artifact itself, its verification in the manifest) or, for
an artifact written before exports existed, once on first load in a child process (kept in
the shared derived cache, keyed by the weights' sha256). Inputs and outputs are numpy.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aura.outfits.padding import MAX_ITEMS

FILES = {
    "compatibility": "compatibility.onnx",  # image [B,N,Di], text [B,N,Dt], padding [B,N] -> [B]
    "target": "target.onnx",  # ... + target_text [B,Dt] -> [B,E]
    "item": "item.onnx",  # image [M,Di], text [M,Dt] -> [M,E]
}
ONNX_KEY = "onnx-fp32-v1"
EXPORTER = "aura.outfits.onnx_export"
STORE_NAME = "outfit-transformer"


def has_export(folder: Path) -> bool:
    return all((folder / name).is_file() for name in FILES.values())


class OnnxOutfitModel:
    """compatibility_logits / target_embedding / item_embedding, as the torch model's."""

    def __init__(self, folder: Path, threads: int | None = None) -> None:
        from aura.storage.models.onnx import session

        self.folder = folder
        self._sessions = {task: session(folder / name, threads) for task, name in FILES.items()}

    def _run(self, task: str, **feed: np.ndarray) -> np.ndarray:
        return np.asarray(self._sessions[task].run(None, feed)[0], np.float32)

    @staticmethod
    def _full_width(
        image: np.ndarray, text: np.ndarray, padding: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Outfits padded to MAX_ITEMS slots: the exported attention has that sequence length
        (padding slots are masked out, so the result is the same as at any width)."""
        extra = MAX_ITEMS - image.shape[1]
        if extra <= 0:
            return image, text, padding
        return (
            np.pad(image, ((0, 0), (0, extra), (0, 0))),
            np.pad(text, ((0, 0), (0, extra), (0, 0))),
            np.pad(padding, ((0, 0), (0, extra)), constant_values=True),
        )

    def compatibility_logits(
        self, image: np.ndarray, text: np.ndarray, padding: np.ndarray
    ) -> np.ndarray:
        image, text, padding = self._full_width(image, text, padding)
        return self._run(
            "compatibility",
            image=image.astype(np.float32),
            text=text.astype(np.float32),
            padding=padding.astype(bool),
        )

    def target_embedding(
        self, image: np.ndarray, text: np.ndarray, padding: np.ndarray, target_text: np.ndarray
    ) -> np.ndarray:
        image, text, padding = self._full_width(image, text, padding)
        return self._run(
            "target",
            image=image.astype(np.float32),
            text=text.astype(np.float32),
            padding=padding.astype(bool),
            target_text=target_text.astype(np.float32),
        )

    def item_embedding(self, image: np.ndarray, text: np.ndarray) -> np.ndarray:
        return self._run("item", image=image.astype(np.float32), text=text.astype(np.float32))


def load_onnx(directory: Path) -> OnnxOutfitModel:
    """The artifact's own export, or (older artifacts) one made now in a child process."""
    if has_export(directory):
        return OnnxOutfitModel(directory)
    from aura.outfits.artifact import WEIGHTS
    from aura.storage.models.onnx import exported_file

    folder = exported_file(directory, STORE_NAME, ONNX_KEY, EXPORTER, digest_of=directory / WEIGHTS)
    return OnnxOutfitModel(folder)
