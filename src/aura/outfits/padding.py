"""Padding variable-size outfits into one batch: the index and mask, torch-free (serving
pads numpy arrays for ONNX Runtime; training pads tensors, :mod:`aura.outfits.batching`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MAX_ITEMS = 8  # the paper and Polyvore's outfit files cap outfits at 8 items


def pad_index(
    outfits: Sequence[Sequence[int]], max_items: int = MAX_ITEMS
) -> tuple[np.ndarray, np.ndarray]:
    """Row numbers per outfit slot [B, N] and the padding mask [B, N] (True = no item).

    N is the longest outfit in the batch (at most ``max_items``).
    """
    lengths = np.array([min(len(o), max_items) for o in outfits], dtype=np.int64)
    width = max(int(lengths.max(initial=1)), 1)
    index = np.zeros((len(outfits), width), dtype=np.int64)
    for b, rows in enumerate(outfits):
        index[b, : lengths[b]] = rows[: lengths[b]]
    return index, np.arange(width)[None, :] >= lengths[:, None]


def pad_arrays(
    image: np.ndarray, text: np.ndarray, outfits: Sequence[Sequence[int]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``image``/``text`` per outfit → [B, N, *] arrays and the padding mask."""
    index, padding = pad_index(outfits)
    return image[index], text[index], padding
