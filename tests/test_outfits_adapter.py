"""Database wardrobe items as scorer items: categories, attributes, image features."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from PIL import Image

from aura.outfits import adapter
from aura.outfits.features import HandcraftedExtractor
from aura.outfits.item_features import ItemImageFeatures
from aura.storage.schema import ItemColor
from aura.storage.schema import WardrobeItem as ItemRow
from aura.taxonomy import Slot, Taxonomy


def row(item_id: int, category: str, colors=(), attributes=None, **fields) -> ItemRow:
    r = ItemRow(
        id=item_id,
        user_id=1,
        category=category,
        attributes=attributes or {},
        description=fields.pop("description", ""),
        updated_at=fields.pop("updated_at", datetime(2026, 1, 1, tzinfo=UTC)),
        **fields,
    )
    r.color_rows = [ItemColor(color=c, position=n) for n, c in enumerate(colors)]
    return r


@pytest.mark.parametrize(
    ("category", "slot"),
    [
        ("jeans", Slot.BOTTOM),
        ("T-Shirt", Slot.TOP),
        ("denim jacket", Slot.OUTERWEAR),
        ("ankle boots", Slot.SHOES),
        ("maxi dress", Slot.ONE_PIECE),
        ("earrings", Slot.ACCESSORY),
        ("Sneaker", Slot.SHOES),
        ("thingamajig", Slot.OTHER),  # unknown, words only: no core slot is invented
    ],
)
def test_categories_resolve_to_slots(category: str, slot: Slot) -> None:
    item = adapter.to_wardrobe_item(row(1, category))
    assert item.slot is slot and item.category == category
    assert adapter.summary(row(1, category))["slot"] == str(slot)


def test_an_unknown_word_resolves_by_the_text_embedding_when_one_is_at_hand() -> None:
    """A taxonomy with an embedder places a word the table lacks (here a toy embedder that
    knows 'gizmo' means a coat), and the item carries that slot."""

    def embed(texts):
        out = np.zeros((len(texts), 4), dtype=np.float32)
        for n, text in enumerate(texts):
            out[n, 0 if text in ("gizmo", "coat") else 1 + n % 3] = 1.0
        return out

    item = adapter.to_wardrobe_item(row(1, "gizmo"), taxonomy=Taxonomy(embed))
    assert item.slot is Slot.OUTERWEAR
    assert adapter.to_wardrobe_item(row(1, "gizmo")).slot is Slot.OTHER


def test_attributes_become_scorer_fields() -> None:
    item = adapter.to_wardrobe_item(
        row(
            7,
            "blazer",
            ["navy", "white"],
            {"formality": "business", "warmth": 0.5, "seasons": ["Autumn", "winter", "x"]},
            description="wool",
        )
    )
    assert item.slot is Slot.OUTERWEAR and item.colour == "navy"
    assert item.formality == 0.7 and item.warmth == 0.5
    assert item.seasons == frozenset({"autumn", "winter"})
    assert "blazer" in item.title and "wool" in item.title  # words the rules read
    assert adapter.db_id(item) == 7
    odd = adapter.to_wardrobe_item(row(8, "tee", attributes={"formality": 7, "warmth": True}))
    assert odd.formality == 0.15 and odd.warmth == 0.2 and odd.colour is None  # the words'
    coat = adapter.to_wardrobe_item(row(9, "rain jacket"))
    assert coat.waterproof is True and coat.slot is Slot.OUTERWEAR
    shell = adapter.to_wardrobe_item(row(10, "shell", attributes={"waterproof": True}))
    assert shell.waterproof is True
    dry = adapter.to_wardrobe_item(row(11, "raincoat", attributes={"waterproof": False}))
    assert dry.waterproof is False  # a stored value beats the words
    summary = adapter.summary(row(7, "blazer", ["navy blue", "ivory", "cream"]))
    assert summary["colour_families"] == ["navy", "white"]


def test_image_features_from_photo_or_colour_swatch_recomputed_on_edit() -> None:
    features = ItemImageFeatures(HandcraftedExtractor())
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (0, 160, 0)).save(buffer, "PNG")
    photos = {"a" * 64: buffer.getvalue(), "b" * 64: b"not an image"}
    calls: list[str] = []

    def photo(sha: str) -> bytes | None:
        calls.append(sha)
        return photos.get(sha)

    red, blue = row(1, "tee", ["red"]), row(2, "tee", ["blue"])
    green = row(3, "tee", ["red"], image_sha256="a" * 64)
    broken = row(4, "tee", ["red"], image_sha256="b" * 64)
    got = features.get([red, blue, green, broken], photo)
    assert not np.allclose(got[1], got[2])  # the swatch's colour counts
    assert not np.allclose(got[1], got[3])  # the photo wins over the colour name
    assert np.allclose(got[1], got[4])  # an undecodable photo falls back to the swatch
    assert features.get([green], photo)[3] is got[3] and calls.count("a" * 64) == 1  # kept
    edited = row(3, "tee", ["red"], updated_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(1))
    assert np.allclose(features.get([edited], photo)[3], got[1])  # edited: recomputed


def test_text_features_kept_per_item_version() -> None:
    features = ItemImageFeatures(HandcraftedExtractor())
    tee = row(1, "tee", ["red"])
    first = features.text([tee], ["red tee"])[1]
    assert features.text([tee], ["red tee"])[1] is first  # kept, not recomputed
    edited = row(1, "tee", ["blue"], updated_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(1))
    again = features.text([edited], ["blue tee"])[1]
    assert again is not first and not np.allclose(again, first)
