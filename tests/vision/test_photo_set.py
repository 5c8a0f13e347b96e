"""The photo-like set (:mod:`tests.vision.photos`) through a fresh install's pipeline:
the garment's slot, its first colour's family and its pattern, against the truth."""

from __future__ import annotations

import numpy as np
import pytest

from tests.vision.conftest import confusion_table, needs_fashion_mnist
from tests.vision.photos import photo_set

COUNT = 80
MIN_SLOT = 0.85


@pytest.fixture(scope="module")
def answers(pipeline, fmnist: dict[str, np.ndarray]):
    out = []
    for photo in photo_set(fmnist, COUNT):
        result = pipeline.analyze(photo.data, 0.3, 5)
        detections = result["detections"]
        if not detections:
            out.append((photo, None))
            continue
        main = max(detections, key=lambda d: d["area"])
        out.append((photo, main["attributes"]))
    return out


def _slot(attrs) -> str:
    category = (attrs or {}).get("category") or {}
    return str(category.get("slot") or "none")


@needs_fashion_mnist
def test_slot_of_the_garment(answers) -> None:
    truth = [p.slot for p, _ in answers]
    predicted = [_slot(a) for _, a in answers]
    accuracy = float(np.mean([t == p for t, p in zip(truth, predicted, strict=True)]))
    words = [p.label for p, _ in answers]
    said = [str(((a or {}).get("category") or {}).get("label")) for _, a in answers]
    print("\n" + confusion_table(truth, predicted, f"slot on {len(truth)} photos: {accuracy:.3f}"))
    print(confusion_table(words, said, "garment word (rows: truth)"))
    for backdrop in sorted({p.backdrop for p, _ in answers}):
        pairs = [(p.slot, _slot(a)) for p, a in answers if p.backdrop == backdrop]
        print(f"slot accuracy on {backdrop}: {np.mean([t == s for t, s in pairs]):.3f} "
              f"({len(pairs)})")  # fmt: skip
    assert accuracy >= MIN_SLOT, accuracy


@needs_fashion_mnist
def test_first_colour_family(answers) -> None:
    solid = [(p, a) for p, a in answers if p.family is not None]
    truth = [p.family for p, _ in solid]
    predicted = [str(((a or {}).get("colors") or [{}])[0].get("family")) for _, a in solid]
    accuracy = float(np.mean([t == p for t, p in zip(truth, predicted, strict=True)]))
    print("\n" + confusion_table(truth, predicted, f"first colour family: {accuracy:.3f}"))
    for _, attrs in answers:
        names = [c["name"] for c in (attrs or {}).get("colors") or []]
        assert len(names) == len(set(names)) and 1 <= len(names) <= 3, names
        for colour in (attrs or {}).get("colors") or []:
            assert colour["family"] is not None and colour["hex"].startswith("#")
    assert accuracy >= 0.95, accuracy


@needs_fashion_mnist
def test_pattern(answers) -> None:
    truth = [p.pattern for p, _ in answers]
    predicted = [str(((a or {}).get("pattern") or {}).get("label")) for _, a in answers]
    accuracy = float(np.mean([t == p for t, p in zip(truth, predicted, strict=True)]))
    print("\n" + confusion_table(truth, predicted, f"pattern: {accuracy:.3f}"))
    assert accuracy >= 0.9, accuracy
