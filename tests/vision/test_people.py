"""Garments cut from people: scikit-image's photos of people with hand-drawn garment boxes.

The main garment's box must overlap the hand-drawn one (IoU >= 0.5), and none of its
colours may be the background's (each colour far, in CIEDE2000, from every hand-picked
background patch); confidence says how much of the box is the person.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import skimage.data
from PIL import Image
from skimage.color import deltaE_ciede2000, rgb2lab

# photo: (main garment box drawn by hand [x1, y1, x2, y2], background patches [x1, y1, x2, y2])
PEOPLE = {
    # Eileen Collins in her orange suit; the flag, the wall and the shuttle model behind her
    # (the helmet she holds, lower right, is not part of the suit)
    "astronaut": ((20, 195, 365, 512), [(0, 0, 40, 120), (300, 0, 380, 60), (460, 200, 512, 250)]),
    # the cameraman's long black coat; the sky, the lawn and the buildings behind him
    "camera": ((0, 105, 320, 512), [(0, 0, 512, 60), (380, 300, 512, 512), (340, 200, 512, 230)]),
}
BACKGROUND_DELTA_E = 10.0


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


@pytest.mark.parametrize("name", sorted(PEOPLE))
def test_the_main_garment_is_cut_from_the_person(pipeline, name: str) -> None:
    picture = np.asarray(Image.fromarray(getattr(skimage.data, name)()).convert("RGB"))
    buf = io.BytesIO()
    Image.fromarray(picture).save(buf, "PNG")
    result = pipeline.analyze(buf.getvalue(), 0.2, 5)
    tops = [d for d in result["detections"] if d["label"] == "top"]
    assert tops, result["detections"]
    main = tops[0]
    truth, patches = PEOPLE[name]
    iou = _iou(main["bbox"], truth)
    colours = main["attributes"]["colors"]
    print(
        f"\n{name}: box {[round(v) for v in main['bbox']]} vs hand {list(truth)}: IoU {iou:.2f};"
        f" confidence {main['confidence']}; colours "
        f"{[(c['name'], c['family'], c['share']) for c in colours]}; "
        f"category {main['attributes']['category']['label']} "
        f"({main['attributes']['category']['slot']}); "
        f"pattern {main['attributes']['pattern']['label']}"
    )
    assert iou >= 0.5, iou
    lab = rgb2lab(picture)
    for x1, y1, x2, y2 in patches:
        background = lab[y1:y2, x1:x2].reshape(-1, 3).mean(axis=0)
        for colour in colours:
            distance = float(deltaE_ciede2000(np.array(colour["lab"]), background))
            assert distance > BACKGROUND_DELTA_E, (colour, (x1, y1, x2, y2), distance)
    assert main["attributes"]["category"]["slot"] in {"top", "outerwear", "one-piece"}
    assert 0 < main["confidence"] <= 1


def test_a_box_that_is_mostly_background_is_not_sure() -> None:
    from aura.vision.detectors.packaged import _detection

    person = np.zeros((100, 100), bool)
    person[40:60, 40:60] = True  # the person fills 4 % of the box
    seen = [(0.0, 0.0, 0.99)] * 4
    thin = _detection("top", (0, 0, 100, 100), seen, person, "pose:upper-body")
    person[:, :] = True
    full = _detection("top", (0, 0, 100, 100), seen, person, "pose:upper-body")
    assert thin.confidence < 0.1 < 0.9 < full.confidence
