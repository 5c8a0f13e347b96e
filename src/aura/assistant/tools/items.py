"""A wardrobe item as the assistant's tools show it: the item JSON contract (``slot``,
``colour_families``) plus what the tools reason with (occasions, seasons, formality,
warmth, waterproof), computed with :mod:`aura.taxonomy` and the outfit engine's inference
(:func:`aura.outfits.adapter.to_wardrobe_item`, the same numbers the scorer uses).

``label`` is how a reply names the item ("navy blazer", "red plaid scarf"); items with
the same label in one wardrobe are told apart by their description.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, Field

from aura.assistant.vocabulary import OCCASIONS
from aura.outfits import adapter, rules
from aura.outfits.scorer import SEASONS
from aura.storage.schema import WardrobeItem as ItemRow
from aura.taxonomy import Slot, colour_family, slot_of

PLAIN_PATTERNS = frozenset({"", "solid", "plain", "none"})
SlotOf = Callable[[str], Slot]


class ItemView(BaseModel):
    """One of the caller's items."""

    id: int
    label: str = Field(description="How a reply names it, e.g. 'navy blazer'")
    category: str
    slot: str = Field(description="Taxonomy slot: top, bottom, one-piece, outerwear, ...")
    colors: list[str]
    colour_families: list[str]
    pattern: str | None = None
    description: str = ""
    occasions: list[str] = Field(default_factory=list)
    seasons: list[str] = Field(default_factory=list)
    formality: float = Field(description="0 casual … 1 formal (stated or inferred)")
    warmth: float | None = Field(None, description="0 light … 1 warm (stated or inferred)")
    waterproof: bool = False
    image_sha256: str | None = None

    def text(self) -> str:
        """The words retrieval matches (BM25) for this item."""
        return " ".join(
            [
                *self.colors,
                *self.colour_families,
                self.pattern or "",
                self.category,
                self.slot,
                self.description,
                *self.occasions,
                *self.seasons,
                "waterproof rain" if self.waterproof else "",
            ]
        ).strip()

    def brief(self) -> dict[str, Any]:
        """What a tool result summary shows of it."""
        return {"id": self.id, "label": self.label}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [str(v).strip().lower() for v in value if str(v).strip()]


def occasions_of(attributes: dict[str, Any]) -> list[str]:
    raw = _strings(attributes.get("occasions", attributes.get("occasion")))
    return list(dict.fromkeys(OCCASIONS.get(o, o) for o in raw))


def seasons_of(attributes: dict[str, Any]) -> list[str]:
    raw = _strings(attributes.get("seasons", attributes.get("season")))
    return [s for s in dict.fromkeys(raw) if s in SEASONS]


def families(colours: Sequence[str]) -> list[str]:
    found = (colour_family(c) for c in colours)
    return list(dict.fromkeys(f for f in found if f))


def item_label(colour: str, pattern: str, category: str) -> str:
    """ "white t-shirt", "navy striped shirt": colour, pattern, then the garment word, each
    left out where the garment word says it already ("white tee" stays "white tee", not
    "white white tee"; "denim jacket" in denim is "denim jacket")."""
    garment = " ".join(category.strip().lower().split())
    words = set(garment.replace("-", " ").split())
    bits = [
        b
        for b in (colour.strip().lower(), pattern.strip().lower())
        if b and not set(b.replace("-", " ").split()) <= words
    ]
    return " ".join([*bits, garment])


def view(row: ItemRow, slot_for: SlotOf = slot_of) -> ItemView:
    attributes = row.attributes if isinstance(row.attributes, dict) else {}
    scored = adapter.to_wardrobe_item(row)  # the outfit engine's inference (formality, ...)
    colours = list(row.colors)
    pattern = (row.pattern or "").strip().lower() or None
    shown_pattern = "" if (pattern or "") in PLAIN_PATTERNS else pattern or ""
    return ItemView(
        id=row.id,
        label=item_label(colours[0] if colours else "", shown_pattern, row.category),
        category=row.category,
        slot=str(slot_for(row.category)),
        colors=colours,
        colour_families=families(colours),
        pattern=pattern,
        description=row.description or "",
        occasions=occasions_of(attributes),
        seasons=seasons_of(attributes),
        formality=round(rules.formality(scored), 3),
        warmth=None if (w := rules.warmth(scored)) is None else round(w, 3),
        waterproof=bool(attributes.get("waterproof")) or rules.waterproof(scored),
        image_sha256=row.image_sha256,
    )


def distinct_labels(items: list[ItemView]) -> list[ItemView]:
    """The same items, labels made unique within the list (description, then the id)."""
    seen: dict[str, int] = {}
    for item in items:
        seen[item.label] = seen.get(item.label, 0) + 1
    out = []
    used: set[str] = set()
    for item in items:
        label = item.label
        if seen[label] > 1 and item.description:
            label = f"{label} ({item.description})"
        if label in used:
            label = f"{label} (#{item.id})"
        used.add(label)
        out.append(item.model_copy(update={"label": label}))
    return out
