"""Garment attributes from words and stored values; one rule: a stored value beats a word.

Three attributes the outfit engine reasons about, each known or ``None`` (unknown):

* ``formality`` in [0, 1] (0 casual … 1 formal): "blazer" 0.85, "hoodie" 0.05; stored as a
  number or a name (casual, smart casual, smart, business, formal);
* ``warmth`` in [0, 1] (0 light … 1 warm): "parka", "puffer", "wool coat" are warm,
  "sandals", "linen" light; stored as a number;
* ``waterproof``: "rain jacket", "raincoat", "waterproof", "gore-tex", "wellies" are;
  stored as a boolean.

Words are read from the item's whole text (category, description, colours, pattern); where
several words are known their values are averaged, and a known two-word term ("wool coat",
"rain jacket") counts instead of its parts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from aura.taxonomy.slots import normalise

FORMALITY_NAMES = {"casual": 0.2, "smart casual": 0.5, "smart": 0.6, "business": 0.7, "formal": 0.9}

FORMAL_WORDS: dict[str, float] = {
    "blazer": 0.85, "suit": 0.95, "suit jacket": 0.9, "tuxedo": 1.0, "gown": 0.95,
    "evening gown": 0.95, "cocktail dress": 0.8, "oxford": 0.85, "oxfords": 0.85,
    "brogues": 0.75, "pumps": 0.8, "heels": 0.8, "stiletto": 0.85, "loafers": 0.7,
    "trousers": 0.7, "slacks": 0.7, "tailored": 0.8, "blouse": 0.7, "shirt": 0.6,
    "dress shirt": 0.8, "oxford shirt": 0.65, "pencil": 0.8, "sheath": 0.8, "clutch": 0.8,
    "trench": 0.7, "overcoat": 0.75, "wool coat": 0.7, "peacoat": 0.6, "satchel": 0.6,
    "briefcase": 0.8, "smart": 0.75, "formal": 0.9, "silk": 0.7, "tie": 0.9, "necktie": 0.9,
    "bow tie": 0.95, "waistcoat": 0.8, "cufflinks": 0.95, "chinos": 0.5, "cardigan": 0.45,
    "t-shirt": 0.15, "tshirt": 0.15, "t shirt": 0.15, "tee": 0.15, "jeans": 0.25,
    "sneakers": 0.15, "trainers": 0.15, "hoodie": 0.05, "sweatshirt": 0.1, "shorts": 0.1,
    "sandals": 0.2, "flip-flops": 0.0, "tank": 0.1, "backpack": 0.15, "jogger": 0.05,
    "joggers": 0.05, "sweatpants": 0.0, "leggings": 0.1, "relaxed": 0.2, "sundress": 0.3,
    "parka": 0.2, "puffer": 0.15, "denim": 0.25, "rain jacket": 0.3, "raincoat": 0.35,
    "anorak": 0.2, "windbreaker": 0.15, "fleece": 0.1, "cap": 0.1, "beanie": 0.15,
    "casual": 0.2, "sport": 0.05, "running": 0.05,
}  # fmt: skip

WARM_WORDS: dict[str, float] = {
    "parka": 1.0, "puffer": 1.0, "down jacket": 1.0, "wool coat": 0.9, "overcoat": 0.9,
    "coat": 0.85, "peacoat": 0.85, "duffle coat": 0.9, "fur coat": 1.0, "wool": 0.8,
    "cashmere": 0.8, "fleece": 0.7, "sweater": 0.7, "jumper": 0.7, "knit": 0.65,
    "turtleneck": 0.65, "hoodie": 0.6, "sweatshirt": 0.55, "boots": 0.7, "cardigan": 0.6,
    "trench": 0.6, "blazer": 0.5, "jacket": 0.6, "rain jacket": 0.5, "raincoat": 0.5,
    "anorak": 0.55, "scarf": 0.7, "gloves": 0.7, "beanie": 0.7, "shorts": 0.05,
    "sandals": 0.05, "flip-flops": 0.0, "tank": 0.05, "sundress": 0.1, "t-shirt": 0.2,
    "tee": 0.2, "linen": 0.1, "windbreaker": 0.35, "gilet": 0.5,
}  # fmt: skip

WATERPROOF_WORDS: frozenset[str] = frozenset({
    "rain jacket", "raincoat", "rain coat", "waterproof", "water-proof", "gore-tex", "goretex",
    "mac", "mackintosh", "slicker", "oilskin", "anorak", "poncho", "rain boot", "rain boots",
    "wellington", "wellingtons", "wellies", "shell jacket", "rain shell", "rain",
    "trench", "trench coat", "water-resistant", "windbreaker",
})  # fmt: skip


@dataclass(frozen=True)
class Attributes:
    formality: float | None = None
    warmth: float | None = None
    waterproof: bool | None = None


def _terms(text: str) -> list[str]:
    """The known terms of a text: two-word terms first, their words not counted again."""
    words = normalise(text).replace("/", " ").split()
    out, skip = [], False
    for n, word in enumerate(words):
        if skip:
            skip = False
            continue
        pair = f"{word} {words[n + 1]}" if n + 1 < len(words) else ""
        if pair and (pair in FORMAL_WORDS or pair in WARM_WORDS or pair in WATERPROOF_WORDS):
            out.append(pair)
            skip = True
        else:
            out.append(word)
    return out


@lru_cache(maxsize=16384)
def from_words(text: str) -> Attributes:
    """What the words of ``text`` say (cached: scoring is hot)."""
    terms = _terms(text)
    values: list[float | None] = []
    for table in (FORMAL_WORDS, WARM_WORDS):
        found = [table[t] for t in terms if t in table]
        values.append(round(sum(found) / len(found), 4) if found else None)
    waterproof = True if any(t in WATERPROOF_WORDS for t in terms) else None
    return Attributes(values[0], values[1], waterproof)


def _unit(value: Any, names: Mapping[str, float] | None = None) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and 0.0 <= float(value) <= 1.0:
        return float(value)
    if isinstance(value, str) and names:
        return names.get(value.strip().lower())
    return None


def from_stored(attributes: Mapping[str, Any] | None) -> Attributes:
    """What an item's stored ``attributes`` say (odd values are ignored, not guessed)."""
    attributes = attributes or {}
    water = attributes.get("waterproof")
    return Attributes(
        _unit(attributes.get("formality"), FORMALITY_NAMES),
        _unit(attributes.get("warmth")),
        water if isinstance(water, bool) else None,
    )


def infer(text: str, stored: Mapping[str, Any] | None = None) -> Attributes:
    """Stored values where valid, else what the words say, else ``None``."""
    kept, words = from_stored(stored), from_words(text)
    return Attributes(
        kept.formality if kept.formality is not None else words.formality,
        kept.warmth if kept.warmth is not None else words.warmth,
        kept.waterproof if kept.waterproof is not None else words.waterproof,
    )
