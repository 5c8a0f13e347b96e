"""Database wardrobe items as the scorers' plain :class:`~aura.outfits.scorer.WardrobeItem`.

The one place that knows both shapes. People and the vision service name categories freely
("jeans", "denim jacket", "kurta"); the engine thinks in taxonomy slots
(:mod:`aura.taxonomy`), resolved by a :class:`~aura.taxonomy.Taxonomy` (words, then the text
embedding where one is at hand). The raw category word stays in the title, so the rules
still read formality and warmth from it. Attributes come from
:mod:`aura.taxonomy.attributes`: stored values (``formality`` 0–1 or a name, ``warmth``
0–1, ``waterproof`` true/false) beat what the words say; ``season``/``seasons`` (a name or
a list of names) are the seasons an item is meant for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aura.outfits.scorer import SEASONS, WardrobeItem
from aura.storage.schema import WardrobeItem as ItemRow
from aura.taxonomy.attributes import infer
from aura.taxonomy.colours import colour_family
from aura.taxonomy.slots import Slot, slot_of

if TYPE_CHECKING:  # numpy stays unimported on the rules-only path
    from aura.taxonomy.resolver import Taxonomy


def _seasons(attributes: dict[str, Any]) -> frozenset[str]:
    value = attributes.get("seasons", attributes.get("season"))
    names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return frozenset(str(n).strip().lower() for n in names if str(n).strip().lower() in SEASONS)


def slot_of_row(row: ItemRow, taxonomy: Taxonomy | None = None) -> Slot:
    return taxonomy.slot(row.category) if taxonomy is not None else slot_of(row.category)


def colour_families(colors: list[str]) -> list[str]:
    """The families of ``colors``, de-duplicated, in order."""
    return list(dict.fromkeys(f for f in (colour_family(c) for c in colors) if f))


def to_wardrobe_item(
    row: ItemRow,
    image_features: Any = None,
    text_features: Any = None,
    taxonomy: Taxonomy | None = None,
) -> WardrobeItem:
    """One database item as a scorer item. ``item_id`` is ``"{id}@{updated_at}"``: a scorer
    that keeps per-item vectors by id (the trained model does) recomputes an edited item."""
    attributes = row.attributes if isinstance(row.attributes, dict) else {}
    colors = row.colors
    words = [row.description, *colors, row.pattern or "", row.category]
    title = " ".join(w for w in words if w).strip()
    known = infer(title, attributes)
    return WardrobeItem(
        item_id=f"{row.id}@{row.updated_at.isoformat()}",
        category=row.category,
        slot=slot_of_row(row, taxonomy),
        title=title,
        colour=colors[0] if colors else None,
        formality=known.formality,
        warmth=known.warmth,
        waterproof=known.waterproof,
        seasons=_seasons(attributes),
        image_features=image_features,
        text_features=text_features,
    )


def db_id(item: WardrobeItem) -> int:
    """The database id of an item made by :func:`to_wardrobe_item`."""
    return int(item.item_id.split("@", 1)[0])


def summary(row: ItemRow, taxonomy: Taxonomy | None = None) -> dict[str, Any]:
    """What a response shows of an item (enough to render the outfit without a second call)."""
    return {
        "id": row.id,
        "category": row.category,
        "slot": str(slot_of_row(row, taxonomy)),
        "colors": row.colors,
        "colour_families": colour_families(row.colors),
        "pattern": row.pattern,
        "description": row.description,
        "image_sha256": row.image_sha256,
    }
