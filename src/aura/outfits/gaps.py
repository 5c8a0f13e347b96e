"""Wardrobe gaps: which one new item would unlock the most new good outfits.

Each of :data:`ARCHETYPES` (a white t-shirt, tailored trousers, a rain jacket, ...: one
typical item per slot and purpose, with its colour family, formality, warmth and whether it
is waterproof) is added to the wardrobe in turn, and the recommendation search
(:func:`~aura.outfits.recommend.recommend`, the same scorer) runs for every context asked.
An outfit it unlocks is one of the top :data:`TOP_K` that contains the new item and beats
(by :data:`MARGIN`) the current outfit on the same core, or, for a core not among the
current top :data:`TOP_K`, the weakest of them (where the wardrobe has fewer than that:
the current best; where it has none: any outfit counts).

Archetypes are ranked by the outfits they unlock over all contexts, then by the contexts
where they fill a slot the current outfits lack (shoes where none are owned, a waterproof
layer for the rain), then by how much they raise the best outfit's score. Those unlocking
nothing are left out, and so are those the wardrobe already has (same slot, garment word
and colour family: white sneakers where white sneakers are owned).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aura.outfits.recommend import recommend
from aura.outfits.scorer import Context, OutfitScorer, WardrobeItem
from aura.taxonomy.colours import colour_family
from aura.taxonomy.slots import Slot, lexical_slot

TOP_K = 5
MARGIN = 0.005  # a copy of an owned item scores the same: it unlocks nothing


@dataclass(frozen=True)
class Archetype:
    name: str  # what a person would buy: "navy rain jacket"
    category: str  # its category word
    slot: Slot
    colour: str
    formality: float
    warmth: float
    waterproof: bool = False
    plural: bool = False  # "blue jeans", not "a blue jeans"

    @property
    def label(self) -> str:
        return self.name if self.plural else f"a {self.name}"

    @property
    def colour_family(self) -> str:
        return colour_family(self.colour) or self.colour

    def item(self) -> WardrobeItem:
        """As a plain scorer item (a model scorer needs features: see the service)."""
        return WardrobeItem(
            item_id=f"gap:{self.name}",
            category=self.category,
            slot=self.slot,
            title=f"{self.colour} {self.category}",
            colour=self.colour,
            formality=self.formality,
            warmth=self.warmth,
            waterproof=self.waterproof,
        )


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype("white t-shirt", "t-shirt", Slot.TOP, "white", 0.15, 0.2),
    Archetype("white shirt", "shirt", Slot.TOP, "white", 0.7, 0.3),
    Archetype("grey sweater", "sweater", Slot.TOP, "grey", 0.45, 0.7),
    Archetype("blue jeans", "jeans", Slot.BOTTOM, "blue", 0.25, 0.5, plural=True),
    Archetype("black tailored trousers", "trousers", Slot.BOTTOM, "black", 0.75, 0.5, plural=True),
    Archetype("beige shorts", "shorts", Slot.BOTTOM, "beige", 0.1, 0.05, plural=True),
    Archetype("black dress", "dress", Slot.ONE_PIECE, "black", 0.7, 0.3),
    Archetype("navy rain jacket", "rain jacket", Slot.OUTERWEAR, "navy", 0.3, 0.5, True),
    Archetype("grey wool coat", "wool coat", Slot.OUTERWEAR, "grey", 0.7, 0.9),
    Archetype("navy blazer", "blazer", Slot.OUTERWEAR, "navy", 0.85, 0.5),
    Archetype("white sneakers", "sneakers", Slot.SHOES, "white", 0.15, 0.3, plural=True),
    Archetype("black leather shoes", "oxfords", Slot.SHOES, "black", 0.8, 0.4, plural=True),
    Archetype("brown boots", "boots", Slot.SHOES, "brown", 0.5, 0.7, plural=True),
    Archetype("black leather bag", "handbag", Slot.BAG, "black", 0.6, 0.3),
)


def context_dict(context: Context) -> dict[str, Any]:
    return {
        "occasion": context.occasion,
        "season": context.season,
        "temperature_c": context.temperature_c,
        "raining": context.raining,
    }


def describe(context: Context) -> str:
    words = [context.occasion or "any occasion"]
    if context.season:
        words.append(context.season)
    if context.temperature_c is not None:
        words.append(f"{context.temperature_c:.0f}°C")
    if context.raining:
        words.append("rain")
    return " ".join(words)


def gaps(
    scorer: OutfitScorer,
    wardrobe: Sequence[WardrobeItem],
    contexts: Sequence[Context],
    k: int = 5,
    *,
    candidates: Sequence[tuple[Archetype, WardrobeItem]] | None = None,
) -> list[dict[str, Any]]:
    """The ``k`` archetypes that unlock most new outfits over ``contexts`` (module doc).

    ``candidates`` pairs each archetype with the item to try (default: ``a.item()``)."""
    pairs = list(candidates) if candidates is not None else [(a, a.item()) for a in ARCHETYPES]
    owned = {_kind(i.category, i.slot, i.colour) for i in wardrobe}
    pairs = [(a, i) for a, i in pairs if _kind(a.category, a.slot, a.colour) not in owned]
    base = {}
    for n, context in enumerate(contexts):
        answer = recommend(scorer, wardrobe, context, TOP_K)
        scores = [r.result.score for r in answer.outfits]
        floor = min(scores) if len(scores) >= TOP_K else max(scores, default=None)
        cores = {r.core: r.result.score for r in answer.outfits}
        base[n] = (floor, max(scores, default=0.0), cores, set(answer.missing))
    ranked = []
    for archetype, item in pairs:
        unlocked, fills, gain, where = 0, 0, 0.0, []
        for n, context in enumerate(contexts):
            floor, best, cores, missing = base[n]
            found = recommend(scorer, [*wardrobe, item], context, TOP_K).outfits
            new = [
                r
                for r in found
                if any(i.item_id == item.item_id for i in r.items)
                and _beats(r.result.score, cores.get(r.core, floor))
            ]
            if new:
                unlocked += len(new)
                where.append(describe(context))
                fills += _fills(archetype, context, missing)
            gain += max((r.result.score for r in found), default=0.0) - best
        if unlocked:
            ranked.append((unlocked, fills, gain, archetype, where))
    ranked.sort(key=lambda r: (-r[0], -r[1], -r[2], r[3].name))
    return [
        {
            "slot": str(a.slot),
            "item": a.name,
            "colour_family": a.colour_family,
            "formality": a.formality,
            "warmth": a.warmth,
            "waterproof": a.waterproof,
            "unlocks": unlocked,
            "reason": (
                f"{a.label[0].upper()}{a.label[1:]} would make {unlocked} new "
                f"outfit{'s' if unlocked != 1 else ''} better than your current ones "
                f"({'; '.join(where)})" + (f"; you have no {_what(a)}" if fills else "")
            ),
        }
        for unlocked, fills, _gain, a, where in ranked[:k]
    ]


def _kind(category: str, slot: Slot, colour: str | None) -> tuple[Slot, str, str | None]:
    """What makes two items the same buy: slot, garment word, colour family."""
    found = lexical_slot(category)
    return slot, found[1] if found else category.strip().lower(), colour_family(colour or "")


def _beats(score: float, baseline: float | None) -> bool:
    return baseline is None or score > baseline + MARGIN


def _fills(archetype: Archetype, context: Context, missing: set[Slot]) -> int:
    """1 when the archetype is of a slot the current outfits lack for ``context``."""
    if archetype.slot not in missing:
        return 0
    if archetype.slot is Slot.OUTERWEAR and context.raining:
        return int(archetype.waterproof)
    return 1


def _what(archetype: Archetype) -> str:
    if archetype.slot is Slot.OUTERWEAR:
        return "waterproof layer" if archetype.waterproof else "outer layer"
    return str(archetype.slot)
