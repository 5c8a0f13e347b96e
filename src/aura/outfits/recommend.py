"""Whole outfits from whatever a wardrobe holds, for a context, with any :class:`OutfitScorer`.

Slots, not templates (:mod:`aura.taxonomy`). An outfit is built on a **core**: a top and a
bottom, or a one-piece. Each slot's items are shortlisted by how well they suit the context
alone (occasion formality, temperature, season, rain), the cores (every shortlisted top ×
bottom, every one-piece) are scored, and the best :func:`core_beam` of them grow slot by
slot through :data:`STEPS` (outer layer, shoes, bag, accessory). A slot joins an outfit
when the wardrobe has one and it raises the score ("optional"); an empty slot never
withholds an outfit. The outer layer is **required** when it is cold or raining and one is
owned, and in the rain only waterproof layers compete when one is owned (a rain jacket
beats a blazer there); without one the outfit still comes, with a note naming what is
missing. Requested target slots are required too.

**Diversity rule**: no two returned outfits share all their core items (the core minus any
seed items; where the seeds are the whole core, the whole outfit). Outfits are taken best
first, skipping one whose core key was already taken; each core keeps its best variants
during the search so that up to ``k`` distinct cores survive it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from aura.outfits import rules
from aura.outfits.scorer import Context, OutfitScorer, ScoreResult, WardrobeItem
from aura.taxonomy.slots import SLOTS, Slot

MAX_ITEMS = 8  # the trained model's outfit size (aura.outfits.batching.MAX_ITEMS)
STEPS: tuple[Slot, ...] = (Slot.OUTERWEAR, Slot.SHOES, Slot.BAG, Slot.ACCESSORY)
SHORTLIST = {
    Slot.TOP: 8,
    Slot.BOTTOM: 8,
    Slot.ONE_PIECE: 8,
    Slot.OUTERWEAR: 6,
    Slot.SHOES: 6,
    Slot.BAG: 3,
    Slot.ACCESSORY: 3,
}
# what a missing slot would be, in notes and messages
EXAMPLES = {
    Slot.TOP: "a top (a t-shirt, a shirt, a sweater)",
    Slot.BOTTOM: "a bottom (jeans, trousers, a skirt)",
    Slot.ONE_PIECE: "a one-piece (a dress, a jumpsuit)",
    Slot.OUTERWEAR: "an outer layer (a coat, a jacket)",
    Slot.SHOES: "a pair of shoes",
    Slot.BAG: "a bag",
    Slot.ACCESSORY: "an accessory",
    Slot.OTHER: "an item",
}


@dataclass
class Recommendation:
    items: list[WardrobeItem]
    result: ScoreResult
    notes: list[str] = field(default_factory=list)
    missing: list[Slot] = field(default_factory=list)
    core: frozenset[str] = frozenset()


@dataclass
class Suggestions:
    """The outfits (best first), the slots that would complete them (or, with no outfit,
    that a core needs), and a sentence saying so."""

    outfits: list[Recommendation]
    missing: list[Slot]
    message: str


def core_beam(k: int) -> int:
    """How many cores grow into whole outfits: enough for ``k`` distinct ones, with slack."""
    return max(12, 2 * k)


def _by_slot(items: Sequence[WardrobeItem]) -> dict[Slot, list[WardrobeItem]]:
    out: dict[Slot, list[WardrobeItem]] = {}
    for item in items:
        out.setdefault(item.slot, []).append(item)
    return out


def _ordered(slots: set[Slot]) -> list[Slot]:
    return [s for s in SLOTS if s in slots]


def _no_core(seeds: Sequence[WardrobeItem], owned: dict[Slot, list[WardrobeItem]]) -> Suggestions:
    have = {s.slot for s in seeds} | set(owned)
    missing = _ordered({Slot.TOP, Slot.BOTTOM} - have)
    needs = " and ".join(EXAMPLES[s] for s in missing)
    if Slot.TOP in have or Slot.BOTTOM in have:
        message = f"No outfit yet: your wardrobe has no {' or '.join(map(str, missing))}. "
    else:
        message = "No outfit yet: your wardrobe has no top, bottom or one-piece. "
    message += f"Add {needs}, or {EXAMPLES[Slot.ONE_PIECE]}."
    return Suggestions([], missing, message)


def _cores(
    seeds: Sequence[WardrobeItem], short: dict[Slot, list[WardrobeItem]]
) -> list[tuple[WardrobeItem, ...]]:
    have = {s.slot for s in seeds}
    if rules.has_core(have):
        return [()]
    if Slot.TOP in have:
        return [(b,) for b in short.get(Slot.BOTTOM, [])]
    if Slot.BOTTOM in have:
        return [(t,) for t in short.get(Slot.TOP, [])]
    pairs = [(t, b) for t in short.get(Slot.TOP, []) for b in short.get(Slot.BOTTOM, [])]
    return pairs + [(d,) for d in short.get(Slot.ONE_PIECE, [])]


def _keep(options: list[Recommendation], size: int) -> list[Recommendation]:
    """The best ``size`` options, each core keeping at most its share of them."""
    options.sort(key=lambda r: (-r.result.score, sorted(i.item_id for i in r.items)))
    cores = len({o.core for o in options}) or 1
    cap = max(1, math.ceil(size / cores))
    kept: list[Recommendation] = []
    per_core: dict[frozenset[str], int] = {}
    for option in options:
        if per_core.get(option.core, 0) < cap:
            per_core[option.core] = per_core.get(option.core, 0) + 1
            kept.append(option)
            if len(kept) == size:
                break
    return kept


def _grow(
    scorer: OutfitScorer,
    context: Context,
    frontier: list[Recommendation],
    candidates: Sequence[WardrobeItem],
    required: bool,
    size: int,
) -> list[Recommendation]:
    pairs = [
        (o, c)
        for o in frontier
        for c in candidates
        if len(o.items) < MAX_ITEMS and all(i.item_id != c.item_id for i in o.items)
    ]
    results = scorer.score_many([[*o.items, c] for o, c in pairs], context)
    grown = {id(o) for o, _ in pairs}
    # without this slot: always an option when it is optional; when it is required only
    # for an outfit that could not take it (already at the model's item limit)
    options = [o for o in frontier if not required or id(o) not in grown]
    options += [
        Recommendation([*o.items, c], r, core=o.core)
        for (o, c), r in zip(pairs, results, strict=True)
    ]
    return _keep(options, size)


def outer_layers(
    context: Context, owned: Sequence[WardrobeItem]
) -> tuple[list[WardrobeItem], bool]:
    """(the outer layers that compete, whether one is required) for this context."""
    cold = rules.is_cold(context)
    if context.raining:
        dry = [i for i in owned if rules.waterproof(i)]
        if dry:
            return dry, True
    return list(owned), bool(owned) and (cold or context.raining)


def _notes(
    items: Sequence[WardrobeItem],
    context: Context,
    owned: dict[Slot, list[WardrobeItem]],
    targets: Sequence[Slot],
) -> tuple[list[str], list[Slot]]:
    """What this outfit lacks that the wardrobe cannot supply, as sentences and slots."""
    slots = {i.slot for i in items}
    notes, missing = [], set()
    outer = [i for i in items if i.slot is Slot.OUTERWEAR]
    dry_owned = any(rules.waterproof(i) for i in owned.get(Slot.OUTERWEAR, []))
    if context.raining and not any(rules.waterproof(i) for i in outer) and not dry_owned:
        notes.append("no waterproof layer: a rain jacket would complete this")
        missing.add(Slot.OUTERWEAR)
    if rules.is_cold(context) and not outer and Slot.OUTERWEAR not in owned:
        notes.append(
            f"no outer layer for {rules.temperature_text(context)}: a coat or a jacket "
            "would complete this"
        )
        missing.add(Slot.OUTERWEAR)
    if Slot.SHOES not in slots and Slot.SHOES not in owned:
        notes.append("no shoes: a pair of shoes would complete this")
        missing.add(Slot.SHOES)
    for slot in targets:
        if slot not in slots and slot not in owned:
            notes.append(f"no {slot} in your wardrobe: {EXAMPLES[slot]} was asked for")
            missing.add(slot)
    return notes, _ordered(missing)


def _diverse(ranked: list[Recommendation], k: int) -> list[Recommendation]:
    """Best first; an outfit whose core key was already taken is skipped (module doc)."""
    chosen: list[Recommendation] = []
    keys: set[frozenset[str]] = set()
    for rec in ranked:
        key = rec.core or frozenset(i.item_id for i in rec.items)
        if key not in keys:
            keys.add(key)
            chosen.append(rec)
            if len(chosen) == k:
                break
    return chosen


def recommend(
    scorer: OutfitScorer,
    wardrobe: Sequence[WardrobeItem],
    context: Context,
    k: int = 5,
    *,
    seeds: Sequence[WardrobeItem] = (),
    target_slots: Sequence[Slot] = (),
) -> Suggestions:
    """Up to ``k`` distinct outfits from ``wardrobe`` (each containing every seed)."""
    seed_ids = {s.item_id for s in seeds}
    owned = _by_slot([i for i in wardrobe if i.item_id not in seed_ids])
    short = {
        slot: sorted(items, key=lambda i: (-rules.item_fit(i, context), i.item_id))[
            : SHORTLIST.get(slot, 3)
        ]
        for slot, items in owned.items()
        if slot is not Slot.OTHER
    }
    cores = _cores(seeds, short)
    if not cores:
        return _no_core(seeds, owned)
    size = core_beam(k)
    outfits = [[*seeds, *c] for c in cores]
    frontier = _keep(
        [
            Recommendation(o, r, core=frozenset(i.item_id for i in c))
            for o, c, r in zip(outfits, cores, scorer.score_many(outfits, context), strict=True)
        ],
        size,
    )
    seeded = {s.slot for s in seeds}
    targets = list(dict.fromkeys(Slot(t) for t in target_slots))
    for slot in [*STEPS, *(t for t in targets if t not in STEPS)]:
        if slot in seeded and slot not in targets:
            continue  # the seeds fill it
        required = slot in targets
        if slot is Slot.OUTERWEAR:
            candidates, layer = outer_layers(context, owned.get(slot, []))
            candidates = sorted(candidates, key=lambda i: (-rules.item_fit(i, context), i.item_id))
            candidates, required = candidates[: SHORTLIST[slot]], required or layer
        else:
            candidates = short.get(slot, [])
        if candidates:
            frontier = _grow(scorer, context, frontier, candidates, required, size)
    for rec in frontier:
        rec.notes, rec.missing = _notes(rec.items, context, owned, targets)
    chosen = _diverse(frontier, k)
    missing = _ordered({s for r in chosen for s in r.missing})
    return Suggestions(chosen, missing, _message(chosen, missing))


def _message(chosen: list[Recommendation], missing: list[Slot]) -> str:
    count = f"{len(chosen)} outfit{'s' if len(chosen) != 1 else ''} from your wardrobe."
    if not missing:
        return count
    notes = list(dict.fromkeys(n for r in chosen for n in r.notes))
    return f"{count} Missing: {'; '.join(notes)}."
