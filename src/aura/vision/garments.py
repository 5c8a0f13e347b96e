"""From regions to garments: one category per garment, one garment per pair of shoes.

* :func:`combine_category`: Aura's silhouette classifier gives a fine word and a slot; a
  body region (the ``top`` or ``bottom`` of a person) only allows the slots a garment there
  can have; EfficientNet-Lite0's ImageNet garment tag replaces the classifier's answer when it
  is confident (``IMAGENET_CONFIDENT``) and surer than the classifier's slot. The answer says
  where it came from, how sure the word and the slot are, and whether to ask the owner
  (``unsure``: the slot is below ``SURE_SLOT``).
* :func:`merge_shoe_pairs`: on a flat-lay the two shoes of a pair are two foreground pieces;
  two pieces the classifier calls shoes, of similar size and colour, side by side, become one
  region. Other separate pieces stay separate (a shirt beside trousers is two garments).
"""

from __future__ import annotations

from typing import Any

# scikit-image (and the scipy it imports: about 30 MiB resident) is imported where it is
# used: by the first photo, not on load
import numpy as np
from PIL import Image

from aura.taxonomy import Slot, slot_of
from aura.vision.classifier import CLASS_SLOTS, CategoryPrediction
from aura.vision.detectors.base import Detection

IMAGENET_CONFIDENT = 0.5
SURE_SLOT = 0.6
PAIR_MAX_AREA_RATIO = 3.0
PAIR_MAX_DELTA_E = 20.0
# the slots a garment in a person's body region can have
REGION_SLOTS: dict[str, frozenset[str]] = {
    "top": frozenset({Slot.TOP, Slot.OUTERWEAR, Slot.ONE_PIECE}),
    "bottom": frozenset({Slot.BOTTOM, Slot.ONE_PIECE}),
}
# ImageNet lemmas as the garment words Aura uses (the rest are used as they are)
IMAGENET_WORDS: dict[str, str] = {
    "jersey, T-shirt": "t-shirt",
    "jean": "jeans",
    "miniskirt": "skirt",
    "overskirt": "skirt",
    "hoopskirt": "skirt",
    "running shoe": "sneakers",
    "sandal": "sandals",
    "loafer": "loafers",
    "clog": "clogs",
    "cowboy boot": "boots",
    "maillot": "swimsuit",
    "maillot, tank suit": "swimsuit",
}


def _restricted(pred: CategoryPrediction, allowed: frozenset[str]) -> CategoryPrediction:
    probs = {k: v for k, v in pred.probabilities.items() if CLASS_SLOTS.get(k, "other") in allowed}
    total = sum(probs.values())
    if not probs or total <= 0:
        return pred
    probs = {k: v / total for k, v in probs.items()}
    slots: dict[str, float] = {}
    for name, p in probs.items():
        slots[CLASS_SLOTS[name]] = slots.get(CLASS_SLOTS[name], 0.0) + p
    slot = max(slots, key=slots.__getitem__)
    best = max((n for n in probs if CLASS_SLOTS[n] == slot), key=probs.__getitem__)
    return CategoryPrediction(best, probs[best], probs)


def combine_category(
    prediction: CategoryPrediction | None, imagenet: dict[str, Any], region_label: str
) -> dict[str, Any] | None:
    """The category attribute of one garment (see the module docstring), or None when
    neither the classifier nor ImageNet names one."""
    allowed = REGION_SLOTS.get(region_label)
    out: dict[str, Any] | None = None
    if prediction is not None:
        if allowed is not None:
            prediction = _restricted(prediction, allowed)
        out = prediction.to_dict()
        out["source"] = "aura-garment-classifier"
    tags = imagenet.get("tags") or []
    if tags:
        tag = tags[0]
        word = IMAGENET_WORDS.get(tag["label"], tag["label"].split(",")[0].strip().lower())
        slot = slot_of(word)
        p = float(tag["probability"])
        usable = slot is not Slot.OTHER and (allowed is None or slot in allowed)
        if usable and p >= IMAGENET_CONFIDENT:
            if out is None or (out["slot"] != slot.value and p > out["slot_confidence"]):
                out = {
                    "label": word,
                    "slot": slot.value,
                    "confidence": round(p, 4),
                    "slot_confidence": round(p, 4),
                    "top": [{"label": word, "probability": round(p, 4)}],
                    "slots": [{"slot": slot.value, "probability": round(p, 4)}],
                    "source": "imagenet",
                }
            elif out["slot"] == slot.value:
                out["slot_confidence"] = round(max(out["slot_confidence"], p), 4)
                out["imagenet_agrees"] = True
    if out is not None:
        out["unsure"] = out["slot_confidence"] < SURE_SLOT
    return out


def _mean_lab(crop: Image.Image, mask: np.ndarray) -> np.ndarray:
    from skimage.color import rgb2lab

    small = crop.convert("RGB").resize((48, 48), Image.BILINEAR)
    m = np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).resize((48, 48))) > 127
    lab = rgb2lab(np.asarray(small))
    return lab[m].mean(axis=0) if m.any() else lab.reshape(-1, 3).mean(axis=0)


def _pairable(a: Detection, b: Detection) -> bool:
    ax1, ay1, ax2, ay2 = a.box
    bx1, by1, bx2, by2 = b.box
    big, small = max(a.area, b.area), max(min(a.area, b.area), 1e-6)
    if big / small > PAIR_MAX_AREA_RATIO:
        return False
    gap_x = max(0.0, max(ax1, bx1) - min(ax2, bx2))
    gap_y = max(0.0, max(ay1, by1) - min(ay2, by2))
    reach = max(ax2 - ax1, bx2 - bx1, ay2 - ay1, by2 - by1)
    return gap_x <= reach and gap_y <= reach


def merge_shoe_pairs(
    work: Image.Image,
    detections: list[Detection],
    crops: list[Image.Image],
    masks: list[np.ndarray],
    predictions: list[CategoryPrediction | None],
) -> list[tuple[Detection, list[int]]]:
    """[(detection, indexes it came from)]: shoe pairs on a flat-lay merged, the rest as
    they were. Only flat-lay pieces are paired (a person's regions are body parts)."""
    from skimage.color import deltaE_cie76

    shoes = [
        i
        for i, (d, p) in enumerate(zip(detections, predictions, strict=True))
        if p is not None
        and d.source.startswith("whole-photo:foreground")
        and p.slot_probabilities().get(Slot.SHOES.value, 0.0) >= 0.5
    ]
    used: set[int] = set()
    merged: dict[int, tuple[Detection, list[int]]] = {}
    labs = {i: _mean_lab(crops[i], masks[i]) for i in shoes}
    for n, i in enumerate(shoes):
        if i in used:
            continue
        best, best_de = None, PAIR_MAX_DELTA_E
        for j in shoes[n + 1 :]:
            if j in used or not _pairable(detections[i], detections[j]):
                continue
            de = float(deltaE_cie76(labs[i], labs[j]))
            if de < best_de:
                best, best_de = j, de
        if best is None:
            continue
        used.update((i, best))
        merged[i] = (_union(work, detections[i], detections[best]), [i, best])
    out = []
    for i, det in enumerate(detections):
        if i in merged:
            out.append(merged[i])
        elif i not in used:
            out.append((det, [i]))
    return out


def _union(work: Image.Image, a: Detection, b: Detection) -> Detection:
    x1, y1 = min(a.box[0], b.box[0]), min(a.box[1], b.box[1])
    x2, y2 = max(a.box[2], b.box[2]), max(a.box[3], b.box[3])
    left, top = int(x1), int(y1)
    right, bottom = max(left + 1, round(x2)), max(top + 1, round(y2))
    mask = np.zeros((bottom - top, right - left), bool)
    for d in (a, b):
        dl, dt = int(d.box[0]), int(d.box[1])
        dr, db = max(dl + 1, round(d.box[2])), max(dt + 1, round(d.box[3]))
        if d.mask is not None and d.mask.size:
            piece = (
                np.asarray(
                    Image.fromarray(d.mask.astype(np.uint8) * 255).resize((dr - dl, db - dt))
                )
                > 127
            )
        else:
            piece = np.ones((db - dt, dr - dl), bool)
        region = mask[dt - top : db - top, dl - left : dr - left]
        region |= piece[: region.shape[0], : region.shape[1]]
    return Detection(
        a.label,
        min(a.confidence, b.confidence),
        (float(x1), float(y1), float(x2), float(y2)),
        mask,
        a.source + "+pair",
    )
