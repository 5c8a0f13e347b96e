"""A labelled photo-like set: garments in colour on backdrops, with the truth beside each.

Two sources of garments, neither seen in training: Fashion-MNIST *test* pictures, and drawn
silhouettes (skirt, shorts, hat, belt) from seeds the training never draws (it uses 0-3 and
10000-10003; this uses 50000+). Each garment is enlarged to 150-330 px, given a named colour
(the truth of its colour family) or a fabric texture (the truth of its pattern), a little
shading from the original picture's tone, then composited onto a backdrop: a plain colour
under a light gradient, or one of scikit-image's sample photos defocused and dimmed (a
photo with shallow depth of field), at a random scale, rotation and position, JPEG-encoded.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import skimage.data
from PIL import Image, ImageFilter
from scipy import ndimage

from aura.taxonomy import colour_family
from aura.taxonomy.colours import NAMING_PALETTE as PALETTE
from aura.vision.classifier import CLASS_SLOTS, CLASSES
from aura.vision.shapes import KINDS, render
from tests.synthetic import texture

# clear colours, far from their family's borders (the truth must be unambiguous)
COLOURS = ("red", "green", "yellow", "royal blue", "black", "pink", "orange", "purple",
           "navy", "brown", "grey", "white")  # fmt: skip
BACKDROPS = ((245, 245, 242), (230, 225, 215), (40, 40, 45), (200, 210, 225), (120, 125, 120),
             (235, 220, 200))  # fmt: skip
SAMPLE_PHOTOS = ("coffee", "chelsea", "rocket", "astronaut")
PATTERNS = ("solid", "striped", "checked", "dotted")


@dataclass(frozen=True)
class Photo:
    data: bytes
    label: str  # the garment word (a CLASSES entry)
    slot: str
    family: str | None  # colour family of a solid garment (None: patterned)
    pattern: str
    backdrop: str  # "plain" or a sample photo's name


def _rgb(name: str) -> np.ndarray:
    value = PALETTE[name]
    return np.array([int(value[i : i + 2], 16) for i in (1, 3, 5)], float)


def _backdrop(kind: str, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    w, h = size
    if kind == "plain":
        colour = np.array(BACKDROPS[rng.integers(len(BACKDROPS))], float)
        ramp = 1 + rng.uniform(-0.08, 0.08) * np.linspace(-1, 1, w)[None, :, None]
        return np.broadcast_to(colour, (h, w, 3)) * ramp
    photo = Image.fromarray(getattr(skimage.data, kind)()).convert("RGB").resize(size)
    photo = photo.filter(ImageFilter.GaussianBlur(24))
    arr = np.asarray(photo, float)
    return arr.mean(axis=(0, 1)) + (arr - arr.mean(axis=(0, 1))) * 0.25  # defocused, dimmed


def _garment(
    source: str, index: int, rng: np.random.Generator, fmnist: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, str]:
    """(tone in [0, 1], mask, label) at 28-96 px."""
    if source == "fmnist":
        pic = fmnist["test_images"][index].astype(float) / 255.0
        mask = ndimage.binary_fill_holes(pic > 0.04)
        return pic, mask, CLASSES[int(fmnist["test_labels"][index])]
    kind = KINDS[index % len(KINDS)]
    values, mask = render(kind, rng)
    return values, mask, kind


def make_photo(
    source: str, index: int, seed: int, fmnist: dict[str, np.ndarray], backdrop: str
) -> Photo:
    rng = np.random.default_rng(seed)
    tone, mask, label = _garment(source, index, rng, fmnist)
    pattern = PATTERNS[rng.integers(len(PATTERNS))] if rng.random() < 0.35 else "solid"
    side = int(rng.integers(150, 330))
    scale = side / max(mask.shape)
    size = (max(8, round(mask.shape[1] * scale)), max(8, round(mask.shape[0] * scale)))
    angle = float(rng.uniform(-12, 12))
    m = Image.fromarray(mask.astype(np.uint8) * 255).resize(size, Image.BILINEAR)
    t = Image.fromarray((np.clip(tone, 0, 1) * 255).astype(np.uint8)).resize(size, Image.BICUBIC)
    m = np.asarray(m.rotate(angle, Image.BILINEAR, expand=True), float) / 255.0
    t = np.asarray(t.rotate(angle, Image.BILINEAR, expand=True), float) / 255.0
    h, w = m.shape
    shade = 0.88 + 0.12 * t  # the picture's own tone as mild shading
    family = None
    if pattern == "solid":
        name = COLOURS[rng.integers(len(COLOURS))]
        family = colour_family(name)
        fabric = np.broadcast_to(_rgb(name), (h, w, 3)) * shade[..., None]
    else:
        fabric = np.asarray(texture(pattern, seed, size=max(h, w)), float)[:h, :w]
    canvas_w = int(w / rng.uniform(0.55, 0.85))
    canvas_h = int(h / rng.uniform(0.55, 0.85))
    back = _backdrop(backdrop, (canvas_w, canvas_h), rng)
    if pattern == "solid":  # a backdrop the garment stands out from
        garment_rgb = fabric.reshape(-1, 3).mean(axis=0)
        if np.abs(back.reshape(-1, 3).mean(axis=0) - garment_rgb).max() < 60:
            back = 255.0 - back
    light = 1 + rng.uniform(-0.1, 0.1) * np.linspace(-1, 1, canvas_h)[:, None, None]
    x0 = int(rng.integers(0, canvas_w - w + 1))
    y0 = int(rng.integers(0, canvas_h - h + 1))
    out = back.copy()
    region = out[y0 : y0 + h, x0 : x0 + w]
    region[:] = region * (1 - m[..., None]) + fabric * m[..., None]
    out = out * light + rng.normal(0, 2.5, out.shape)
    img = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return Photo(buf.getvalue(), label, CLASS_SLOTS[label].value, family, pattern, backdrop)


def photo_set(fmnist: dict[str, np.ndarray], count: int, seed: int = 50_000) -> list[Photo]:
    """``count`` photos: about 70 % Fashion-MNIST test garments (classes in turn), 30 % drawn
    kinds; one in five on a defocused sample photo."""
    rng = np.random.default_rng(seed)
    labels = fmnist["test_labels"]
    by_class = [np.nonzero(labels == c)[0] for c in range(10)]
    out = []
    garments = 0
    for i in range(count):
        backdrop = SAMPLE_PHOTOS[i % len(SAMPLE_PHOTOS)] if i % 5 == 4 else "plain"
        if i % 10 < 7:
            pool = by_class[garments % 10]  # Fashion-MNIST's ten classes in turn
            garments += 1
            index = int(pool[rng.integers(len(pool))])
            out.append(make_photo("fmnist", index, seed + i, fmnist, backdrop))
        else:
            out.append(make_photo("shape", i, seed + i, fmnist, backdrop))
    return out
