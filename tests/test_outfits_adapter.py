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
    ("category", "semantic"),
    [
        ("jeans", "bottoms"),
        ("T-Shirt", "tops"),
        ("denim jacket", "outerwear"),
        ("ankle boots", "shoes"),
        ("maxi dress", "all-body"),
        ("earrings", "jewellery"),
        ("Sneaker", "shoes"),
        ("umbrella", "umbrella"),  # unknown stays itself: no core category is invented
    ],
)
def test_semantic_categories(category: str, semantic: str) -> None:
    assert adapter.semantic_category(category) == semantic


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
    assert item.category == "outerwear" and item.colour == "navy"
    assert item.formality == 0.7 and item.warmth == 0.5
    assert item.seasons == frozenset({"autumn", "winter"})
    assert "blazer" in item.title and "wool" in item.title  # words the rules read
    assert adapter.db_id(item) == 7
    odd = adapter.to_wardrobe_item(row(8, "tee", attributes={"formality": 7, "warmth": True}))
    assert odd.formality is None and odd.warmth is None and odd.colour is None


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
