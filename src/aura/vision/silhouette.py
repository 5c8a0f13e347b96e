"""A garment's pixels as the classifier sees them: a centred 28x28 silhouette.

Fashion-MNIST's pictures are product photos trimmed to the garment, the longest side
resized to 28 px, grey and *negated* (garment light on black). A photo's garment goes
through the same recipe from its mask (background removed, trimmed to the mask, centred),
and then both — training pictures and photos — through one normalisation: inside the
silhouette the negated grey is stretched to [0.35, 1], outside it is 0. So a white shirt on
a dark floor (negated: almost black) still shows its outline, and a flat colour garment looks
like the flat silhouettes the training augmentations make. Torch-free: this runs at serving
time and in training alike.
"""

from __future__ import annotations

# scipy (about 33 MiB resident) is imported where it is used: by the first photo, not on load
import numpy as np
from PIL import Image

SIDE = 28
FLOOR = 0.35  # the value of the darkest garment pixel: the silhouette never vanishes
MIN_SPAN = 0.2  # a flat garment's noise is not stretched into texture
FMNIST_MASK_LEVEL = 0.04  # Fashion-MNIST pixels above this are garment


def normalise(values: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """(…, 28, 28) negated grey in [0, 1] and its garment mask → the classifier's input."""
    values = np.asarray(values, np.float32)
    inside = np.asarray(inside, bool)
    if inside.sum() < 4:
        return np.zeros(values.shape, np.float32)
    lo, hi = np.percentile(values[inside], [2, 98])
    span = max(float(hi - lo), MIN_SPAN)
    core = np.clip((values - lo) / span, 0.0, 1.0)
    return np.where(inside, FLOOR + (1.0 - FLOOR) * core, 0.0).astype(np.float32)


def fashion_mnist_mask(picture: np.ndarray) -> np.ndarray:
    """The garment mask of one Fashion-MNIST picture (float [0, 1], 28x28), holes filled."""
    from scipy import ndimage

    return ndimage.binary_fill_holes(picture > FMNIST_MASK_LEVEL)


def normalise_fashion_mnist(pictures: np.ndarray) -> np.ndarray:
    """(n, 28, 28) uint8 Fashion-MNIST pictures → (n, 28, 28) float32 classifier inputs."""
    out = np.empty(pictures.shape, np.float32)
    for i, pic in enumerate(np.asarray(pictures, np.float32) / 255.0):
        out[i] = normalise(pic, fashion_mnist_mask(pic))
    return out


def from_photo(image: Image.Image, mask: np.ndarray | None = None) -> np.ndarray:
    """A garment crop (and its mask, any size) → the classifier's 28x28 input."""
    grey = np.asarray(image.convert("L"), np.float32) / 255.0
    m = None
    if mask is not None:
        m = (
            np.asarray(
                Image.fromarray(np.asarray(mask, bool).astype(np.uint8) * 255).resize(
                    image.size, Image.NEAREST
                )
            )
            > 127
        )
    return from_arrays(1.0 - grey, m)


def from_arrays(negated: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Negated grey in [0, 1] and the garment mask (same size) → the classifier's input:
    trimmed to the mask, the longest side to 28 px, centred, normalised."""
    negated = np.asarray(negated, np.float32)
    m = np.ones(negated.shape, bool) if mask is None else np.asarray(mask, bool)
    if m.sum() < 16:
        m = np.ones(negated.shape, bool)
    ys, xs = np.nonzero(m)
    negated = np.where(m, negated, 0.0)[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    m = m[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h, w = m.shape
    scale = SIDE / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    values = np.asarray(
        Image.fromarray((np.clip(negated, 0, 1) * 255).astype(np.uint8), "L").resize(
            size, Image.LANCZOS
        ),
        np.float32,
    )
    cover = np.asarray(
        Image.fromarray(m.astype(np.uint8) * 255, "L").resize(size, Image.BOX), np.float32
    )
    canvas_v = np.zeros((SIDE, SIDE), np.float32)
    canvas_m = np.zeros((SIDE, SIDE), bool)
    top, left = (SIDE - size[1]) // 2, (SIDE - size[0]) // 2
    canvas_v[top : top + size[1], left : left + size[0]] = values / 255.0
    canvas_m[top : top + size[1], left : left + size[0]] = cover > 127
    return normalise(canvas_v, canvas_m)
