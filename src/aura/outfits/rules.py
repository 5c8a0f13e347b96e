"""The transparent rule-based outfit scorer (``"rules"``): what serves before a model exists.

Four checks, each a number in [0, 1] with a sentence saying why:

* coverage (weight 0.30): a top and a bottom, or one all-body piece; shoes; no core
  category twice; an outer layer when it is cold or raining;
* colour harmony (0.25): neutrals go with anything; accent colours should be analogous
  (≤ 45° apart on the colour wheel) or complementary (≥ 150°); three or more unrelated
  accents clash;
* formality (0.25): items agree with each other and with the occasion;
* season and weather (0.20): the outfit's warmth suits the temperature and season; open
  shoes and no outer layer are penalised in the rain.

Missing attributes are inferred from the title and category words (a "blazer" is formal
and warm-ish, "sandals" are light) and otherwise count as neutral.
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence
from functools import lru_cache

from aura.outfits.scorer import Context, ScoreResult, WardrobeItem

NAME = "rules"
WEIGHTS = {"coverage": 0.30, "colour": 0.25, "formality": 0.25, "weather": 0.20}
NEUTRAL_COLOURS = {
    "black",
    "white",
    "grey",
    "gray",
    "beige",
    "navy",
    "cream",
    "ivory",
    "khaki",
    "brown",
    "tan",
    "camel",
    "denim",
    "charcoal",
    "silver",
    "gold",
    "nude",
}
HUES = {
    "red": 0,
    "maroon": 0,
    "burgundy": 345,
    "coral": 15,
    "orange": 30,
    "mustard": 48,
    "yellow": 55,
    "olive": 80,
    "green": 120,
    "mint": 150,
    "teal": 175,
    "turquoise": 175,
    "blue": 215,
    "purple": 275,
    "lavender": 270,
    "lilac": 280,
    "pink": 330,
    "magenta": 300,
}
OCCASION_FORMALITY = {
    "casual": 0.2,
    "sport": 0.0,
    "date": 0.5,
    "work": 0.65,
    "party": 0.7,
    "formal": 0.9,
}
FORMAL_WORDS = {
    "blazer": 0.85,
    "suit": 0.95,
    "gown": 0.95,
    "oxfords": 0.85,
    "pumps": 0.8,
    "heels": 0.8,
    "loafers": 0.7,
    "trousers": 0.7,
    "blouse": 0.7,
    "shirt": 0.6,
    "pencil": 0.8,
    "sheath": 0.8,
    "clutch": 0.8,
    "trench": 0.7,
    "satchel": 0.6,
    "smart": 0.75,
    "tie": 0.9,
    "t-shirt": 0.15,
    "tee": 0.15,
    "jeans": 0.25,
    "sneakers": 0.15,
    "hoodie": 0.05,
    "shorts": 0.1,
    "sandals": 0.2,
    "tank": 0.1,
    "backpack": 0.15,
    "jogger": 0.05,
    "leggings": 0.1,
    "relaxed": 0.2,
    "sundress": 0.3,
    "parka": 0.2,
    "denim": 0.25,
}
WARM_WORDS = {
    "parka": 1.0,
    "coat": 0.9,
    "puffer": 1.0,
    "wool": 0.8,
    "sweater": 0.7,
    "boots": 0.7,
    "cardigan": 0.6,
    "trench": 0.6,
    "blazer": 0.5,
    "jacket": 0.6,
    "scarf": 0.7,
    "shorts": 0.05,
    "sandals": 0.05,
    "tank": 0.05,
    "sundress": 0.1,
    "t-shirt": 0.2,
    "linen": 0.1,
}
SEASON_TEMPERATURE = {"winter": 2.0, "autumn": 12.0, "spring": 15.0, "summer": 26.0}
OPEN_SHOES = {"sandals", "flip-flops", "espadrilles", "slides"}


def _words(item: WardrobeItem) -> list[str]:
    return f"{item.title} {item.category}".lower().replace(",", " ").split()


@lru_cache(maxsize=16384)
def _inferred(title: str, category: str) -> tuple[float | None, float | None]:
    """(formality, warmth) from the words of a title and category; cached (scoring is hot)."""
    words = f"{title} {category}".lower().replace(",", " ").split()
    out: list[float | None] = []
    for table in (FORMAL_WORDS, WARM_WORDS):
        found = [table[w] for w in words if w in table]
        out.append(sum(found) / len(found) if found else None)
    return out[0], out[1]


def formality(item: WardrobeItem) -> float:
    if item.formality is not None:
        return item.formality
    inferred = _inferred(item.title, item.category)[0]
    return 0.45 if inferred is None else inferred


def warmth(item: WardrobeItem) -> float | None:
    if item.warmth is not None:
        return item.warmth
    found = _inferred(item.title, item.category)[1]
    if found is None and item.category == "outerwear":
        return 0.7
    return found


def hue(colour: str | None) -> int | None:
    """The accent hue of a colour name or #rrggbb, or None for a neutral/unknown colour."""
    if not colour:
        return None
    c = colour.strip().lower()
    if c.startswith("#") and len(c) == 7:
        r, g, b = (int(c[i : i + 2], 16) / 255 for i in (1, 3, 5))
        h, s, v = colorsys.rgb_to_hsv(r, g, b)
        return None if s < 0.25 or v < 0.2 else round(h * 360)
    last = c.split()[-1]
    return None if last in NEUTRAL_COLOURS else HUES.get(last)


def _gap(a: int, b: int) -> int:
    d = abs(a - b) % 360
    return min(d, 360 - d)


def wanted_temperature(context: Context) -> float | None:
    if context.temperature_c is not None:
        return context.temperature_c
    return SEASON_TEMPERATURE.get(context.season or "")


def coverage(items: Sequence[WardrobeItem], context: Context) -> tuple[float, str]:
    cats = [i.category for i in items]
    core = [c for c in cats if c in ("tops", "bottoms", "all-body", "shoes")]
    score, notes = 1.0, []
    if len(core) != len(set(core)):
        score -= 0.4
        notes.append("a core garment category appears twice")
    has_body = ("tops" in cats and "bottoms" in cats) or "all-body" in cats
    if not has_body:
        score -= 0.5
        notes.append("it needs a top and a bottom, or a dress/jumpsuit")
    if "shoes" not in cats:
        score -= 0.3
        notes.append("it has no shoes")
    temp = wanted_temperature(context)
    if ((temp is not None and temp < 12) or context.raining) and "outerwear" not in cats:
        score -= 0.3
        notes.append("it is cold or wet and there is no outer layer")
    score = max(score, 0.0)
    return score, "complete outfit" if not notes else "; ".join(notes)


def colour_harmony(items: Sequence[WardrobeItem]) -> tuple[float, str]:
    hues = sorted({h for h in (hue(i.colour) for i in items) if h is not None})
    if len(hues) <= 1:
        return 1.0, "neutrals with at most one accent colour"
    gaps = [_gap(a, b) for n, a in enumerate(hues) for b in hues[n + 1 :]]
    if all(g <= 45 for g in gaps):
        return 0.95, "analogous accent colours"
    if len(hues) == 2 and gaps[0] >= 150:
        return 0.8, "complementary accent colours"
    clash = sum(45 < g < 150 for g in gaps) / len(gaps)
    return max(0.0, 0.6 - 0.6 * clash), f"{len(hues)} accent colours that clash"


def occasion_fit(items: Sequence[WardrobeItem], context: Context) -> tuple[float, str] | None:
    """How close the outfit's mean formality is to the occasion's; None with no occasion."""
    target = OCCASION_FORMALITY.get(context.occasion or "")
    if target is None or not items:
        return None
    miss = abs(sum(formality(i) for i in items) / len(items) - target)
    fit = max(0.0, 1.0 - 2.0 * miss)
    return fit, f"{'suits' if miss < 0.25 else 'does not suit'} a {context.occasion} occasion"


def formality_fit(items: Sequence[WardrobeItem], context: Context) -> tuple[float, str]:
    levels = [formality(i) for i in items]
    spread = max(levels) - min(levels)
    score = 1.0 - min(1.0, max(0.0, spread - 0.2) * 1.5)
    note = "consistent formality" if spread <= 0.35 else "mixes casual and formal pieces"
    occasion = occasion_fit(items, context)
    if occasion is not None:
        score = 0.5 * score + 0.5 * occasion[0]
        note += f"; {occasion[1]}"
    return score, note


def weather_fit(items: Sequence[WardrobeItem], context: Context) -> tuple[float, str]:
    notes, score = [], 1.0
    temp = wanted_temperature(context)
    warm = [w for w in (warmth(i) for i in items) if w is not None]
    if temp is not None and warm:
        wanted = min(1.0, max(0.0, (25.0 - temp) / 25.0))
        have = max(warm) if temp < 15 else sum(warm) / len(warm)
        miss = abs(have - wanted)
        score -= min(0.7, miss)
        notes.append(f"{'right' if miss < 0.3 else 'wrong'} warmth for {temp:.0f}°C")
    if context.season:
        off = [i for i in items if i.seasons and context.season not in i.seasons]
        if off:
            score -= 0.2 * len(off)
            notes.append(f"{len(off)} item(s) not meant for {context.season}")
    if context.raining and any(set(_words(i)) & OPEN_SHOES for i in items):
        score -= 0.3
        notes.append("open shoes in the rain")
    return max(score, 0.0), "; ".join(notes) or "no weather constraint"


class RulesScorer:
    """Deterministic, explainable; the weights are the module's ``WEIGHTS``."""

    name = NAME

    def score(self, items: Sequence[WardrobeItem], context: Context) -> ScoreResult:
        if not items:
            return ScoreResult(0.0, NAME, ["an empty outfit"])
        parts = {
            "coverage": coverage(items, context),
            "colour": colour_harmony(items),
            "formality": formality_fit(items, context),
            "weather": weather_fit(items, context),
        }
        total = sum(WEIGHTS[k] * v[0] for k, v in parts.items())
        return ScoreResult(
            round(total, 4),
            NAME,
            [f"{k}: {v[1]} ({v[0]:.2f})" for k, v in parts.items()],
            {k: round(v[0], 4) for k, v in parts.items()},
        )

    def score_many(
        self, outfits: Sequence[Sequence[WardrobeItem]], context: Context
    ) -> list[ScoreResult]:
        return [self.score(o, context) for o in outfits]

    def item_fit(self, item: WardrobeItem, context: Context) -> float:
        """How well one item suits the context alone (used to shortlist a wardrobe)."""
        f, _ = formality_fit([item], context)
        w, _ = weather_fit([item], context)
        return 0.5 * f + 0.5 * w
