"""One garment, one item: a pair of shoes is one garment; colours are listed once each."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from scipy import ndimage

from aura.taxonomy.colours import NAMING_PALETTE as PALETTE
from aura.vision.colors import dominant_colours, main_colours
from tests.vision.conftest import needs_fashion_mnist


def test_each_colour_name_is_listed_once_with_merged_shares() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        base = rng.integers(40, 216, 3)
        stripes = [np.clip(base + rng.integers(-25, 26, 3), 0, 255) for _ in range(6)]
        arr = np.concatenate([np.tile(s, (20, 120, 1)) for s in stripes]).astype(np.uint8)
        colours = dominant_colours(Image.fromarray(arr))
        names = [c.name for c in colours]
        assert len(names) == len(set(names)), names
        assert abs(sum(c.share for c in colours) - 1) < 0.1
        main = main_colours(colours)
        assert 1 <= len(main) <= 3 and all(c.family for c in main)


def test_a_swatch_is_the_colour_the_photo_shows() -> None:
    denim = np.array([int(PALETTE["denim"][i : i + 2], 16) for i in (1, 3, 5)], np.uint8)
    [colour] = dominant_colours(Image.fromarray(np.tile(denim, (60, 60, 1))))
    assert colour.name == "denim" and colour.family == "blue"
    shown = np.array([int(colour.hex[i : i + 2], 16) for i in (1, 3, 5)])
    assert np.abs(shown - denim.astype(int)).max() <= 3  # blue, not a grey placeholder


def _shoe(picture: np.ndarray, colour: tuple[int, int, int], flip: bool) -> Image.Image:
    tone = picture.astype(float) / 255.0
    mask = ndimage.binary_fill_holes(tone > 0.04)
    if flip:
        tone, mask = tone[:, ::-1], mask[:, ::-1]
    rgb = np.array(colour, float) * (0.85 + 0.15 * tone[..., None])
    rgba = np.dstack([rgb, mask * 255.0]).astype(np.uint8)
    return Image.fromarray(rgba, "RGBA").resize((224, 224), Image.BICUBIC)


@needs_fashion_mnist
def test_a_pair_of_shoes_is_one_garment(pipeline, fmnist) -> None:
    [sneakers] = np.nonzero(fmnist["test_labels"] == 7)[:1]
    canvas = Image.new("RGB", (560, 320), (240, 238, 232))
    for n, index in enumerate(sneakers[:3:2]):
        shoe = _shoe(fmnist["test_images"][index], (30, 60, 160), flip=n == 1)
        canvas.paste(shoe, (40 + n * 260, 50), shoe)
    buf = io.BytesIO()
    canvas.save(buf, "PNG")
    detections = pipeline.analyze(buf.getvalue(), 0.3, 5)["detections"]
    print("\npair of sneakers:", [(d["bbox"], d["attributes"]["category"]) for d in detections])
    assert len(detections) == 1
    category = detections[0]["attributes"]["category"]
    assert category["slot"] == "shoes"
    x1, _, x2, _ = detections[0]["bbox"]
    assert x1 < 100 and x2 > 460  # the box holds both shoes
