"""Colours, pattern and the image backbone on images whose truth is known."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.data
from PIL import Image
from skimage.color import deltaE_ciede2000, rgb2lab

from aura.vision.colors import dominant_colours
from aura.vision.pattern import PATTERNS, classify_pattern
from tests.synthetic import PATTERN_KINDS, garment_on_backdrop, patterned_garment, texture


def _lab(rgb: tuple[int, int, int]) -> np.ndarray:
    return rgb2lab(np.array([[rgb]], float) / 255.0)[0, 0]


@pytest.mark.parametrize(
    ("colour", "name"),
    [
        ((20, 40, 120), "navy"),
        ((200, 30, 35), "red"),
        ((30, 130, 40), "green"),
        ((240, 200, 40), "yellow"),
        ((25, 25, 25), "black"),
        ((120, 75, 45), "brown"),
    ],
)
def test_garment_colour_within_small_delta_e_and_backdrop_excluded(
    colour: tuple[int, int, int], name: str
) -> None:
    colours = dominant_colours(garment_on_backdrop(colour, seed=sum(colour)))
    top = colours[0]
    assert deltaE_ciede2000(np.array(top.lab), _lab(colour)) < 3.0
    assert top.share > 0.9
    assert top.name == name
    backdrop = _lab((245, 245, 242))
    assert all(deltaE_ciede2000(np.array(c.lab), backdrop) > 10 for c in colours)


def test_two_colour_garment_gives_both_with_their_shares() -> None:
    img = garment_on_backdrop((20, 40, 120), seed=3, accent=(200, 30, 30))
    colours = dominant_colours(img)
    assert [c.name for c in colours[:2]] == ["navy", "red"]
    assert deltaE_ciede2000(np.array(colours[1].lab), _lab((200, 30, 30))) < 3.0
    # the chest band is 0.44 x 0.15 of the picture; the shirt about 0.39 of it
    assert 0.1 < colours[1].share < 0.3
    assert abs(sum(c.share for c in colours) - 1.0) < 0.06
    for c in colours:
        assert c.hex.startswith("#") and len(c.hex) == 7


def test_a_mask_overrides_the_background_estimate() -> None:
    arr = np.zeros((100, 100, 3), np.uint8)
    arr[:, :50] = (10, 150, 10)
    arr[:, 50:] = (150, 10, 150)
    mask = np.zeros((100, 100), bool)
    mask[:, 50:] = True
    colours = dominant_colours(Image.fromarray(arr), mask)
    assert len(colours) == 1
    assert deltaE_ciede2000(np.array(colours[0].lab), _lab((150, 10, 150))) < 2.0


def test_pattern_right_on_synthetic_textures() -> None:
    wrong = []
    for kind in PATTERN_KINDS:
        results = [classify_pattern(texture(kind, seed)) for seed in range(500, 510)]
        right = [r for r in results if r.label == kind]
        if len(right) < 9:
            wrong.append((kind, [r.label for r in results]))
        assert all(0.0 <= r.confidence <= 1.0 for r in results)
        assert all(r.label in PATTERNS for r in results)
    assert not wrong, wrong


def test_pattern_confidence_is_higher_for_clear_cases() -> None:
    clear = classify_pattern(texture("striped", 7))
    # the same stripes at a tenth of the contrast are a borderline solid-or-striped case
    faint_arr = np.asarray(texture("striped", 7), float)
    faint_arr = faint_arr.mean() + (faint_arr - faint_arr.mean()) * 0.08
    faint = classify_pattern(Image.fromarray(faint_arr.astype(np.uint8)))
    assert clear.label == "striped" and clear.confidence > 0.9
    assert faint.confidence < clear.confidence


@pytest.fixture(scope="module")
def backbone():
    from aura.vision.effnet import Backbone

    return Backbone()


def test_efficientnet_weights_are_genuine(backbone) -> None:
    images = [Image.fromarray(skimage.data.chelsea()), Image.fromarray(skimage.data.coffee())]
    out = backbone.run(images)
    assert out.embeddings.shape == (2, 1280) and out.probabilities.shape == (2, 1000)
    assert int(out.probabilities[0].argmax()) == 285  # Egyptian cat
    assert int(out.probabilities[1].argmax()) == 967  # espresso
    assert np.allclose(np.linalg.norm(out.embeddings, axis=1), 1.0, atol=1e-4)


def test_embeddings_place_similar_garments_closer(backbone) -> None:
    navy = garment_on_backdrop((20, 40, 120), seed=1)
    navy2 = garment_on_backdrop((25, 45, 130), seed=2)
    cat = Image.fromarray(skimage.data.chelsea())
    e = backbone.run([navy, navy2, cat]).embeddings
    assert float(e[0] @ e[1]) > float(e[0] @ e[2]) + 0.2


def test_pattern_of_a_garment_on_a_backdrop_ignores_its_outline() -> None:
    from aura.vision.background import estimate_foreground
    from aura.vision.colors import working_array

    wrong = []
    for kind in PATTERN_KINDS:
        right = 0
        for seed in range(40, 44):
            img = patterned_garment(kind, seed)
            small = working_array(img, 256)
            fg = estimate_foreground(small)
            assert fg.background_found
            x1, y1, x2, y2 = fg.bbox()
            scale = img.width / small.shape[1]
            crop = img.crop(tuple(int(v * scale) for v in (x1, y1, x2, y2)))
            right += classify_pattern(crop, fg.mask[y1:y2, x1:x2]).label == kind
        if right < 3:
            wrong.append((kind, right))
    assert not wrong, wrong


def test_packaged_backend_finds_body_regions_of_a_person() -> None:
    pytest.importorskip("mediapipe", reason="mediapipe==0.10.14 (make install) is not installed")
    from aura.vision.detectors.packaged import PackagedDetector

    detector = PackagedDetector()
    assert detector.info()["person_detection"] is True
    astronaut = Image.fromarray(skimage.data.astronaut())
    found = detector.detect(astronaut, threshold=0.3, max_detections=10)
    top = [d for d in found if d.label == "top"]
    assert len(top) == 1 and top[0].source == "pose:upper-body"
    x1, y1, x2, y2 = top[0].box
    assert 150 < y1 < 300 and y2 > 450  # from the shoulders (~y 250) down to the hips
    assert x1 < 120 and x2 > 300  # both shoulders (x ~113 and ~306) inside
    assert top[0].mask is not None and top[0].mask.mean() > 0.3  # person segmentation
    product = Image.fromarray(skimage.data.coffee())
    assert [d.source for d in detector.detect(product, 0.3, 10)] == ["whole-photo"]


def test_packaged_backend_finds_each_garment_of_a_flat_lay() -> None:
    from aura.vision.detectors.packaged import PackagedDetector

    detector = PackagedDetector(use_person=False)
    colours = [(20, 40, 120), (200, 30, 35), (240, 200, 40)]
    canvas = Image.new("RGB", (900, 400), (245, 245, 242))
    for i, colour in enumerate(colours):
        canvas.paste(garment_on_backdrop(colour, seed=i, size=(300, 400)), (300 * i, 0))
    found = detector.detect(canvas, threshold=0.5, max_detections=10)
    assert [d.source for d in found] == ["whole-photo:foreground"] * 3
    for i, det in enumerate(found):  # left to right, each inside its own 300-px tile
        x1, y1, x2, y2 = det.box
        assert 300 * i + 15 < x1 < x2 < 300 * (i + 1) - 15 and 40 < y1 < y2 < 365
        assert det.mask is not None and 0.4 < det.mask.mean() < 0.9
        assert (
            dominant_colours(canvas.crop(tuple(map(round, det.box))), det.mask)[0].name
            == [
                "navy",
                "red",
                "yellow",
            ][i]
        )
    assert len(detector.detect(canvas, threshold=0.5, max_detections=2)) == 2
    one = detector.detect(garment_on_backdrop((20, 40, 120)), threshold=0.5, max_detections=10)
    assert len(one) == 1
