"""Database wardrobe items as the scorers' plain :class:`~aura.outfits.scorer.WardrobeItem`.

The one place that knows both shapes. People and the vision service name categories freely
("jeans", "denim jacket", "sneakers"); the scorers think in Polyvore's semantic categories
(tops, bottoms, all-body, outerwear, shoes, bags, accessories, jewellery). The raw category
word stays in the title, so the rule scorer still infers formality and warmth from it
("blazer" is formal, "sandals" are light). Attributes the wardrobe may carry are used when
present: ``formality`` (0–1 or casual/smart/business/formal), ``warmth`` (0–1) and
``season``/``seasons`` (a name or a list of names).
"""

from __future__ import annotations

from typing import Any

from aura.outfits.scorer import SEASONS, WardrobeItem
from aura.storage.schema import WardrobeItem as ItemRow

SEMANTIC: dict[str, tuple[str, ...]] = {
    "tops": (
        "top", "tops", "shirt", "t-shirt", "tshirt", "tee", "blouse", "sweater", "jumper",
        "hoodie", "sweatshirt", "tank", "polo", "camisole", "knit", "turtleneck", "bodysuit",
    ),
    "bottoms": (
        "bottom", "bottoms", "jeans", "trousers", "pants", "shorts", "skirt", "leggings",
        "chinos", "joggers", "culottes",
    ),
    "all-body": ("all-body", "dress", "jumpsuit", "gown", "romper", "sundress", "overalls", "suit"),
    "outerwear": (
        "outerwear", "coat", "jacket", "blazer", "parka", "trench", "raincoat", "puffer",
        "cardigan", "vest", "gilet", "anorak", "poncho",
    ),
    "shoes": (
        "shoe", "shoes", "sneakers", "trainers", "boots", "sandals", "heels", "pumps", "loafers",
        "oxfords", "flats", "espadrilles", "slippers", "mules", "brogues", "footwear",
    ),
    "bags": ("bag", "bags", "handbag", "backpack", "clutch", "tote", "satchel", "purse"),
    "accessories": (
        "accessory", "accessories", "belt", "scarf", "hat", "cap", "beanie", "sunglasses",
        "tie", "gloves", "watch",
    ),
    "jewellery": ("jewellery", "jewelry", "necklace", "earrings", "bracelet", "ring"),
}  # fmt: skip
_WORD_TO_SEMANTIC = {word: cat for cat, words in SEMANTIC.items() for word in words}
FORMALITY_NAMES = {"casual": 0.2, "smart casual": 0.5, "smart": 0.6, "business": 0.7, "formal": 0.9}


def semantic_category(category: str) -> str:
    """The scorers' category for a free-form one; unknown categories stay as they are.

    The last known word wins ("denim jacket" → outerwear, "jacket dress" → all-body)."""
    raw = category.strip().lower()
    if raw in _WORD_TO_SEMANTIC:
        return _WORD_TO_SEMANTIC[raw]
    for word in reversed(raw.replace("/", " ").replace(",", " ").split()):
        for candidate in (word, word.removesuffix("s"), word + "s"):
            if candidate in _WORD_TO_SEMANTIC:
                return _WORD_TO_SEMANTIC[candidate]
    return raw


def _unit(value: Any, names: dict[str, float] | None = None) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and 0.0 <= float(value) <= 1.0:
        return float(value)
    if isinstance(value, str) and names:
        return names.get(value.strip().lower())
    return None


def _seasons(attributes: dict[str, Any]) -> frozenset[str]:
    value = attributes.get("seasons", attributes.get("season"))
    names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return frozenset(str(n).strip().lower() for n in names if str(n).strip().lower() in SEASONS)


def to_wardrobe_item(
    row: ItemRow, image_features: Any = None, text_features: Any = None
) -> WardrobeItem:
    """One database item as a scorer item. ``item_id`` is ``"{id}@{updated_at}"``: a scorer
    that keeps per-item vectors by id (the trained model does) recomputes an edited item."""
    attributes = row.attributes if isinstance(row.attributes, dict) else {}
    colors = row.colors
    words = [row.description, *colors, row.pattern or "", row.category]
    return WardrobeItem(
        item_id=f"{row.id}@{row.updated_at.isoformat()}",
        category=semantic_category(row.category),
        title=" ".join(w for w in words if w).strip(),
        colour=colors[0] if colors else None,
        formality=_unit(attributes.get("formality"), FORMALITY_NAMES),
        warmth=_unit(attributes.get("warmth")),
        seasons=_seasons(attributes),
        image_features=image_features,
        text_features=text_features,
    )


def db_id(item: WardrobeItem) -> int:
    """The database id of an item made by :func:`to_wardrobe_item`."""
    return int(item.item_id.split("@", 1)[0])


def summary(row: ItemRow) -> dict[str, Any]:
    """What a response shows of an item (enough to render the outfit without a second call)."""
    return {
        "id": row.id,
        "category": row.category,
        "semantic_category": semantic_category(row.category),
        "colors": row.colors,
        "pattern": row.pattern,
        "description": row.description,
        "image_sha256": row.image_sha256,
    }
