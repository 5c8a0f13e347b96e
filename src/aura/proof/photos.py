"""Garment photos drawn on the spot (no data set needed): a coloured shirt or pair of
trousers on a light, slightly noisy backdrop, as a phone photo of one garment would be."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

COLOURS = {
    "red": (200, 30, 40),
    "navy": (20, 30, 90),
    "green": (30, 140, 60),
    "yellow": (230, 200, 40),
    "black": (20, 20, 20),
    "pink": (230, 120, 170),
}


def garment_photo(n: int, size: int = 320) -> bytes:
    """The ``n``-th photo (deterministic): a shirt or trousers, colour by ``n``, as JPEG."""
    rng = np.random.default_rng(n)
    name = list(COLOURS)[n % len(COLOURS)]
    backdrop = Image.new("RGB", (size, size), (236, 232, 226))
    draw = ImageDraw.Draw(backdrop)
    s = size / 320
    if n % 2 == 0:  # a T-shirt
        shape = [(90, 60), (130, 45), (190, 45), (230, 60), (280, 110), (245, 140), (220, 120),
                 (220, 280), (100, 280), (100, 120), (75, 140), (40, 110)]  # fmt: skip
    else:  # trousers
        shape = [(105, 40), (215, 40), (235, 290), (180, 290), (160, 120), (140, 290),
                 (85, 290)]  # fmt: skip
    draw.polygon([(x * s, y * s) for x, y in shape], fill=COLOURS[name])
    arr = np.asarray(backdrop, dtype=np.float32) + rng.normal(0, 4, (size, size, 3))
    out = io.BytesIO()
    Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(out, "JPEG", quality=90)
    return out.getvalue()
