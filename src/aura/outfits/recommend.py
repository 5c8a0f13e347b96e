"""Whole outfits from a wardrobe for a context, with any :class:`OutfitScorer`.

Search, not enumeration (a 500-item wardrobe has millions of outfits): each category's
items are shortlisted by how well they suit the context alone (occasion formality,
temperature, season, rain: this is where context enters), then a beam search builds
outfits category by category from the outfit templates, re-scoring partial outfits with
the scorer, and the best complete outfits are returned with their explanations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aura.outfits import rules
from aura.outfits.scorer import Context, OutfitScorer, ScoreResult, WardrobeItem

TEMPLATES: tuple[tuple[str, ...], ...] = (("tops", "bottoms", "shoes"), ("all-body", "shoes"))


@dataclass
class Recommendation:
    items: list[WardrobeItem]
    result: ScoreResult


def _templates(
    context: Context, seeds: Sequence[WardrobeItem], extra: Sequence[str]
) -> list[list[str]]:
    temp = rules.wanted_temperature(context)
    layer = (temp is not None and temp < 15) or context.raining
    seed_cats = {s.category for s in seeds}
    out = []
    for base in TEMPLATES:
        cats = [*base, *(["outerwear"] if layer else []), *extra]
        if seed_cats - set(cats) - {"bags", "accessories", "jewellery", "outerwear"}:
            continue  # a seed this template has no place for (a dress in a top+bottom look)
        out.append(list(dict.fromkeys(cats)))
    return out


def recommend(
    scorer: OutfitScorer,
    wardrobe: Sequence[WardrobeItem],
    context: Context,
    k: int = 5,
    *,
    seeds: Sequence[WardrobeItem] = (),
    target_categories: Sequence[str] = (),
    shortlist: int = 8,
    beam: int = 24,
) -> list[Recommendation]:
    fit = rules.RulesScorer().item_fit
    by_cat: dict[str, list[WardrobeItem]] = {}
    for item in wardrobe:
        by_cat.setdefault(item.category, []).append(item)
    short = {
        c: sorted(items, key=lambda i: (-fit(i, context), i.item_id))[:shortlist]
        for c, items in by_cat.items()
    }
    finished: dict[frozenset[str], Recommendation] = {}
    for template in _templates(context, seeds, target_categories):
        if any(c not in short for c in template if c not in {s.category for s in seeds}):
            continue  # the wardrobe cannot fill this template
        frontier: list[list[WardrobeItem]] = [list(seeds)]
        for cat in template:
            if any(i.category == cat for i in seeds):
                continue
            grown = [[*o, c] for o in frontier for c in short[cat]]
            results = scorer.score_many(grown, context)
            ranked = sorted(zip(grown, results, strict=True), key=lambda p: -p[1].score)
            frontier = [o for o, _ in ranked[:beam]]
        for outfit, result in zip(frontier, scorer.score_many(frontier, context), strict=True):
            key = frozenset(i.item_id for i in outfit)
            if key not in finished:
                finished[key] = Recommendation(outfit, result)
    ranked = sorted(
        finished.values(), key=lambda r: (-r.result.score, sorted(i.item_id for i in r.items))
    )
    return _diverse(ranked, k)


def _diverse(ranked: list[Recommendation], k: int) -> list[Recommendation]:
    """Best first, skipping outfits that share all but one item with one already chosen."""
    chosen: list[Recommendation] = []
    for rec in ranked:
        ids = {i.item_id for i in rec.items}
        if all(len(ids - {i.item_id for i in c.items}) >= 2 for c in chosen):
            chosen.append(rec)
        if len(chosen) == k:
            break
    return chosen
