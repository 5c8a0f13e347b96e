"""Garment attributes from words and stored values (aura.taxonomy.attributes)."""

from __future__ import annotations

import pytest

from aura.taxonomy.attributes import from_stored, from_words, infer


@pytest.mark.parametrize(
    "text", ["rain jacket", "navy Raincoat", "waterproof shell", "Gore-Tex anorak", "wellies"]
)
def test_waterproof_words(text: str) -> None:
    assert from_words(text).waterproof is True


@pytest.mark.parametrize("text", ["blazer", "wool coat", "t-shirt", "denim jacket"])
def test_not_waterproof_unless_said(text: str) -> None:
    assert from_words(text).waterproof is None


def test_formality_and_warmth_words() -> None:
    assert from_words("navy blazer").formality == 0.85
    assert from_words("grey hoodie").formality == 0.05
    for warm in ("parka", "black puffer", "camel wool coat"):
        assert (from_words(warm).warmth or 0) >= 0.85, warm
    assert from_words("wool coat").warmth == 0.9  # the two-word term, not wool + coat
    assert from_words("linen shorts").warmth == pytest.approx(0.075)
    assert from_words("thingamajig") == from_words("")


def test_stored_values_beat_words_and_odd_ones_are_ignored() -> None:
    assert infer("raincoat", {"waterproof": False}).waterproof is False
    assert infer("t-shirt", {"formality": "business"}).formality == 0.7
    assert infer("t-shirt", {"formality": 3, "warmth": "hot"}).formality == 0.15
    odd = from_stored({"formality": True, "warmth": 2, "waterproof": "yes"})
    assert (odd.formality, odd.warmth, odd.waterproof) == (None, None, None)
    assert infer("shell", {"warmth": 0.4}).warmth == 0.4
