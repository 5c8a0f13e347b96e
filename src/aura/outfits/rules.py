"""The transparent rule-based outfit scorer (``"rules"``): what serves before a model exists.

Four checks, each a number in [0, 1] with a sentence saying why:

* coverage (weight 0.30): a core (a top and a bottom, or a one-piece), shoes, no slot of
  the core, shoes or outer layer twice (slots: :mod:`aura.taxonomy`);
* colour harmony (0.25): neutrals go with anything; accent colours should be analogous
  (≤ 45° apart on the colour wheel) or complementary (≥ 150°); three or more unrelated
  accents clash;
* formality (0.25): items agree with each other and with the occasion;
* season and weather (0.20): the outfit's warmth suits the temperature and season; below
  :data:`COLD_C` it wants an outer layer; in the rain a waterproof one, and no open shoes.

Formality is what shows: an outer layer counts for half of it (a blazer over a t-shirt is
smart), and only the pieces under it must agree with each other. Missing attributes are
inferred from the words (:mod:`aura.taxonomy.attributes`: a "blazer" is formal, a "parka"
warm, a "rain jacket" waterproof) and otherwise count as neutral. Every given part of the
context gets its own sentence in the explanation, from the same numbers as the score.
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence

from aura.outfits.scorer import Context, ScoreResult, WardrobeItem
from aura.taxonomy.attributes import from_words
from aura.taxonomy.colours import colour_family
from aura.taxonomy.slots import Slot

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
SEASON_TEMPERATURE = {"winter": 2.0, "autumn": 12.0, "spring": 15.0, "summer": 26.0}
COLD_C = 15.0  # below this an outer layer is wanted
LIGHT_BELOW_C = 10.0  # below this shorts, sandals and tank tops are penalised
OPEN_SHOES = {"sandals", "sandal", "flip-flops", "flip-flop", "espadrilles", "slides"}
NEUTRAL_FAMILIES = {"black", "white", "grey", "beige", "brown", "navy", "metallic"}
ONCE = (Slot.TOP, Slot.BOTTOM, Slot.ONE_PIECE, Slot.SHOES, Slot.OUTERWEAR)


def _text(item: WardrobeItem) -> str:
    return f"{item.title} {item.category}"


def formality(item: WardrobeItem) -> float:
    if item.formality is not None:
        return item.formality
    inferred = from_words(_text(item)).formality
    return 0.45 if inferred is None else inferred


def warmth(item: WardrobeItem) -> float | None:
    if item.warmth is not None:
        return item.warmth
    found = from_words(_text(item)).warmth
    if found is None and item.slot is Slot.OUTERWEAR:
        return 0.7
    return found


def waterproof(item: WardrobeItem) -> bool:
    if item.waterproof is not None:
        return item.waterproof
    return bool(from_words(_text(item)).waterproof)


def open_shoes(item: WardrobeItem) -> bool:
    return item.slot is Slot.SHOES and bool(set(_text(item).lower().split()) & OPEN_SHOES)


def hue(colour: str | None) -> int | None:
    """The accent hue of a colour name or #rrggbb, or None for a neutral/unknown colour."""
    if not colour:
        return None
    c = colour.strip().lower()
    if c.startswith("#") and len(c) == 7:
        r, g, b = (int(c[i : i + 2], 16) / 255 for i in (1, 3, 5))
        h, s, v = colorsys.rgb_to_hsv(r, g, b)
        return None if s < 0.25 or v < 0.2 else round(h * 360)
    last = c.split()[-1] if c.split() else ""
    if last in NEUTRAL_COLOURS:
        return None
    if last in HUES:
        return HUES[last]
    family = colour_family(c)
    return None if family is None or family in NEUTRAL_FAMILIES else HUES.get(family)


def _gap(a: int, b: int) -> int:
    d = abs(a - b) % 360
    return min(d, 360 - d)


def wanted_temperature(context: Context) -> float | None:
    if context.temperature_c is not None:
        return context.temperature_c
    return SEASON_TEMPERATURE.get(context.season or "")


def temperature_text(context: Context) -> str | None:
    """How the temperature the rules use was known: "8°C", or "winter (about 2°C)"."""
    temp = wanted_temperature(context)
    if temp is None:
        return None
    if context.temperature_c is not None:
        return f"{temp:.0f}°C"
    return f"{context.season} (about {temp:.0f}°C)"


def is_cold(context: Context) -> bool:
    temp = wanted_temperature(context)
    return temp is not None and temp < COLD_C


def has_core(slots: Sequence[Slot] | set[Slot]) -> bool:
    return Slot.ONE_PIECE in slots or (Slot.TOP in slots and Slot.BOTTOM in slots)


def coverage(items: Sequence[WardrobeItem], context: Context) -> tuple[float, str]:
    slots = [i.slot for i in items]
    score, notes = 1.0, []
    twice = [str(s) for s in ONCE if slots.count(s) > 1]
    if twice:
        score -= 0.4
        notes.append(f"{' and '.join(twice)} appear{'s' if len(twice) == 1 else ''} twice")
    if Slot.ONE_PIECE in slots and Slot.BOTTOM in slots:
        score -= 0.4
        notes.append("a one-piece with a bottom")
    if not has_core(slots):
        score -= 0.5
        notes.append("it needs a top and a bottom, or a one-piece (a dress, a jumpsuit)")
    if Slot.SHOES not in slots:
        score -= 0.3
        notes.append("it has no shoes")
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


def visible_formality(items: Sequence[WardrobeItem]) -> float:
    """The outfit's formality as it shows: an outer layer is half of it."""
    outer = [formality(i) for i in items if i.slot is Slot.OUTERWEAR]
    rest = [formality(i) for i in items if i.slot is not Slot.OUTERWEAR]
    if not outer or not rest:
        levels = outer or rest
        return sum(levels) / len(levels)
    return 0.5 * sum(outer) / len(outer) + 0.5 * sum(rest) / len(rest)


def occasion_fit(items: Sequence[WardrobeItem], context: Context) -> tuple[float, str] | None:
    """How close the outfit's visible formality is to the occasion's; None with no occasion."""
    target = OCCASION_FORMALITY.get(context.occasion or "")
    if target is None or not items:
        return None
    miss = abs(visible_formality(items) - target)
    fit = max(0.0, 1.0 - 2.0 * miss)
    return fit, f"{'suits' if miss < 0.25 else 'does not suit'} a {context.occasion} occasion"


def formality_fit(items: Sequence[WardrobeItem], context: Context) -> tuple[float, str]:
    under = [formality(i) for i in items if i.slot is not Slot.OUTERWEAR] or [
        formality(i) for i in items
    ]
    spread = max(under) - min(under)
    score = 1.0 - min(1.0, max(0.0, spread - 0.2) * 1.5)
    note = "consistent formality" if spread <= 0.35 else "mixes casual and formal pieces"
    occasion = occasion_fit(items, context)
    if occasion is not None:
        score = 0.5 * score + 0.5 * occasion[0]
        note += f"; {occasion[1]}"
    return score, note


def weather_fit(items: Sequence[WardrobeItem], context: Context) -> tuple[float, str]:
    """Warmth for the temperature, the season's items, an outer layer when cold, a waterproof
    one and closed shoes in the rain. Each given part of the context gets a sentence."""
    notes, score = [], 1.0
    temp, said = wanted_temperature(context), temperature_text(context)
    outer = [i for i in items if i.slot is Slot.OUTERWEAR]
    if temp is not None:
        warm = [w for w in (warmth(i) for i in items) if w is not None]
        if warm:
            wanted = min(1.0, max(0.0, (25.0 - temp) / 25.0))
            have = max(warm) if temp < COLD_C else sum(warm) / len(warm)
            miss = abs(have - wanted)
            score -= min(0.7, miss)
            notes.append(f"{'right' if miss < 0.3 else 'wrong'} warmth for {said}")
        else:
            notes.append(f"warmth of the pieces unknown for {said}")
        if temp < COLD_C and not outer:
            score -= 0.3
            notes.append(f"cold ({said}) and no outer layer")
        light = [i for i in items if temp < LIGHT_BELOW_C and (warmth(i) or 0.5) <= 0.1]
        if light:
            score -= 0.3 * len(light)
            notes.append(f"{len(light)} light piece(s) for {said}")
    if context.season:
        off = [i for i in items if i.seasons and context.season not in i.seasons]
        if off:
            score -= 0.2 * len(off)
            notes.append(f"{len(off)} item(s) not meant for {context.season}")
        elif context.temperature_c is not None:
            notes.append(f"nothing out of season for {context.season}")
    if context.raining:
        if any(waterproof(i) for i in outer):
            notes.append("a waterproof layer for the rain")
        elif outer:
            score -= 0.4
            notes.append("raining and the outer layer is not waterproof")
        else:
            score -= 0.5
            notes.append("raining and no outer layer")
        if any(open_shoes(i) for i in items):
            score -= 0.3
            notes.append("open shoes in the rain")
    return max(score, 0.0), "; ".join(notes) or "no weather given"


def item_fit(item: WardrobeItem, context: Context) -> float:
    """How well one item suits the context alone (used to shortlist a wardrobe)."""
    f, _ = formality_fit([item], context)
    w, _ = weather_fit([item], context)
    return 0.5 * f + 0.5 * w


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
        return item_fit(item, context)
