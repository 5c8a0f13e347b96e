"""The outfit engine on many wardrobes × contexts, on both scorers (the rules and a small
trained OutfitTransformer): wardrobes from 2 items to 200, typed in varied words, with no
shoes, no outer layer, only dresses, only formal or only casual pieces, or no core at all.

Every (wardrobe, context) pair is checked for the engine's promises: an outfit whenever a
core exists (else ``missing`` names the core's slots), as many distinct outfits as asked
for and the wardrobe allows (the diversity rule: no two share all their core items), the
outer layer when it is cold or raining and one is owned (a waterproof one in the rain when
owned), and reasons that agree with the score and the context. Some scenarios add their
own expectations (rain picks the rain jacket over the blazer; formal puts the blazer over
the t-shirt)."""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import pytest

from aura.outfits import rules
from aura.outfits.recommend import SHORTLIST, Suggestions, recommend
from aura.outfits.scorer import Context, OutfitScorer, WardrobeItem
from aura.taxonomy import Slot

K = 4

CONTEXTS: dict[str, Context] = {
    "none": Context(),
    "casual summer 28": Context(occasion="casual", season="summer", temperature_c=28),
    "work autumn 8 rain": Context(occasion="work", season="autumn", temperature_c=8, raining=True),
    "formal": Context(occasion="formal"),
    "winter -2": Context(season="winter", temperature_c=-2),
    "sport spring": Context(occasion="sport", season="spring"),
    "date 20 rain": Context(occasion="date", temperature_c=20, raining=True),
    "party winter": Context(occasion="party", season="winter"),
}


def _items(*specs: str | tuple[str, str, dict]) -> list[WardrobeItem]:
    """Items from "colour|category|description" strings, or (spec, id, stored attributes)."""
    out = []
    for n, spec in enumerate(specs):
        text, stored = (spec, {}) if isinstance(spec, str) else (spec[0], spec[2])
        colour, category, *rest = text.split("|")
        description = rest[0] if rest else ""
        out.append(
            WardrobeItem(
                item_id=f"i{n:03d}",
                category=category,
                title=f"{description} {colour} {category}".strip(),
                colour=colour,
                waterproof=stored.get("waterproof"),
                formality=stored.get("formality"),
                warmth=stored.get("warmth"),
            )
        )
    return out


TOPS = ["t-shirt", "Tee", "shirt", "blouse", "sweater", "hoodie", "cardigan", "polo", "tank top"]
BOTTOMS = ["jeans", "trousers", "chinos", "shorts", "skirt", "leggings", "joggers"]
PIECES = ["dress", "jumpsuit", "Maxi Dress", "romper"]
OUTER = ["rain jacket", "blazer", "parka", "wool coat", "denim jacket", "trench coat"]
SHOES = ["sneakers", "Chelsea Boots", "loafers", "sandals", "heels", "trainers"]
EXTRA = ["tote bag", "backpack", "scarf", "belt", "beanie", "watch"]
COLOURS = ["black", "white", "navy", "grey", "beige", "red", "olive", "mustard", "denim", "pink"]


def generated(size: int, seed: int) -> list[WardrobeItem]:
    """A wardrobe of ``size`` items over every slot, words and colours varied."""
    rng = random.Random(seed)
    pools = [TOPS, BOTTOMS, PIECES, OUTER, SHOES, EXTRA]
    weights = [0.3, 0.2, 0.08, 0.12, 0.18, 0.12]
    specs = []
    for _ in range(size):
        pool = rng.choices(pools, weights)[0]
        specs.append(f"{rng.choice(COLOURS)}|{rng.choice(pool)}")
    return _items(*specs)


WARDROBES: dict[str, Callable[[], list[WardrobeItem]]] = {
    "two items": lambda: _items("red|t-shirt", "blue|trousers"),
    "rain jacket and blazer": lambda: _items(
        "red|t-shirt", "blue|trousers", "white|sneakers", "navy|rain jacket", "black|blazer"
    ),
    "blazer over a t-shirt": lambda: _items(
        "white|t-shirt", "black|trousers|tailored", "navy|blazer", "brown|loafers"
    ),
    "no shoes": lambda: _items("white|Tee", "blue|Jeans", "grey|hoodie", "black|skirt"),
    "no outer layer": lambda: _items(
        "white|shirt", "navy|polo", "grey|chinos", "blue|jeans", "white|sneakers", "tan|sandals"
    ),
    "only dresses": lambda: _items(
        "red|Maxi Dress", "black|slip dress", "yellow|sundress", "tan|sandals", "black|heels"
    ),
    "only formal": lambda: _items(
        "navy|suit jacket",
        "white|dress shirt",
        "black|tailored trousers",
        "black|oxfords",
        "grey|overcoat",
        "burgundy|tie",
        "black|pencil skirt",
    ),
    "only casual": lambda: _items(
        "grey|hoodie",
        "black|joggers",
        "white|sneakers",
        "blue|denim shorts",
        "green|graphic tee",
        "navy|cap",
        "black|backpack",
    ),
    "plurals and case": lambda: _items(
        "white|T-SHIRTS",
        "blue|Jeans",
        "brown|Chelsea Boots",
        "beige|Trench Coat",
        "black|Leggings",
        "cream|Blouses",
        "navy|Sweaters",
    ),
    "stored waterproof": lambda: _items(
        "black|t-shirt",
        "grey|trousers",
        "black|boots",
        ("olive|shell|lightweight", "x", {"waterproof": True}),
        "navy|parka",
    ),
    "eleven items": lambda: _items(
        "white|t-shirt",
        "cream|blouse",
        "grey|sweater|wool",
        "blue|jeans",
        "black|trousers",
        "khaki|shorts|linen",
        "white|sneakers",
        "black|pumps",
        "tan|sandals",
        "brown|ankle boots",
        "camel|wool coat",
    ),
    "dresses and separates": lambda: _items(
        "black|dress",
        "white|shirt",
        "navy|skirt",
        "white|sneakers",
        "black|handbag",
        "gold|necklace",
    ),
    "only tops": lambda: _items("white|t-shirt", "black|sweater", "white|sneakers"),
    "shoes and bags only": lambda: _items("white|sneakers", "black|tote", "brown|belt"),
    "unknown words": lambda: _items("white|t-shirt", "blue|jeans", "grey|thingamajig"),
    "thirty items": lambda: generated(30, 1),
    "sixty items": lambda: generated(60, 2),
    "two hundred items": lambda: generated(200, 3),
}
# extra expectations: (wardrobe, context) -> check(suggestions, wardrobe)
Check = Callable[[Suggestions, list[WardrobeItem]], None]


def _named(items: Sequence[WardrobeItem], word: str) -> set[str]:
    return {i.item_id for i in items if word in i.category.lower()}


def _rain_jacket_not_blazer(found: Suggestions, wardrobe: list[WardrobeItem]) -> None:
    jacket, blazer = _named(wardrobe, "rain jacket"), _named(wardrobe, "blazer")
    for rec in found.outfits:
        ids = {i.item_id for i in rec.items}
        assert jacket <= ids and not blazer & ids, rec.items


def _blazer_over_tee(found: Suggestions, wardrobe: list[WardrobeItem]) -> None:
    best = {i.item_id for i in found.outfits[0].items}
    assert _named(wardrobe, "blazer") <= best and _named(wardrobe, "t-shirt") <= best


def _missing(*slots: Slot) -> Check:
    def check(found: Suggestions, _wardrobe: list[WardrobeItem]) -> None:
        assert not found.outfits and found.missing == list(slots), found
        assert "no outfit" in found.message.lower()

    return check


def _notes_say(text: str) -> Check:
    def check(found: Suggestions, _wardrobe: list[WardrobeItem]) -> None:
        assert found.outfits and all(any(text in n for n in r.notes) for r in found.outfits)
        assert text in found.message

    return check


EXPECT: dict[tuple[str, str], Check] = {
    ("rain jacket and blazer", "work autumn 8 rain"): _rain_jacket_not_blazer,
    ("rain jacket and blazer", "date 20 rain"): _rain_jacket_not_blazer,
    ("blazer over a t-shirt", "formal"): _blazer_over_tee,
    ("blazer over a t-shirt", "party winter"): _blazer_over_tee,
    ("only tops", "none"): _missing(Slot.BOTTOM),
    ("only tops", "formal"): _missing(Slot.BOTTOM),
    ("shoes and bags only", "none"): _missing(Slot.TOP, Slot.BOTTOM),
    ("two items", "work autumn 8 rain"): _notes_say("no waterproof layer"),
    ("no shoes", "casual summer 28"): _notes_say("no shoes"),
    ("no outer layer", "winter -2"): _notes_say("no outer layer"),
}


# ---- the scorers ------------------------------------------------------------------------


@functools.cache
def model_scorer() -> OutfitScorer:
    from aura.outfits.inference import OutfitInference
    from tests.outfit_model import trained_artifact

    return OutfitInference.load(trained_artifact())


@functools.cache
def _featured(name: str) -> list[WardrobeItem]:
    """The wardrobe with the model's features: a colour swatch and the title's words."""
    from aura.outfits.item_features import swatch

    model = model_scorer()
    items = WARDROBES[name]()
    extractor = model.extractor  # type: ignore[attr-defined]
    image = extractor.image_features([swatch(i.colour) for i in items])
    text = extractor.text_features([i.title for i in items])
    return [replace(i, image_features=image[n], text_features=text[n]) for n, i in enumerate(items)]


def wardrobe_for(scorer_name: str, name: str) -> list[WardrobeItem]:
    return _featured(name) if scorer_name == "model" else WARDROBES[name]()


def scorer_for(name: str) -> OutfitScorer:
    return model_scorer() if name == "model" else rules.RulesScorer()


# ---- the properties ---------------------------------------------------------------------


def _possible_cores(wardrobe: Sequence[WardrobeItem]) -> int:
    count = {s: sum(i.slot is s for i in wardrobe) for s in Slot}
    cap = {s: min(count[s], SHORTLIST[s]) for s in (Slot.TOP, Slot.BOTTOM, Slot.ONE_PIECE)}
    return cap[Slot.TOP] * cap[Slot.BOTTOM] + cap[Slot.ONE_PIECE]


def contradictions(
    items: Sequence[WardrobeItem],
    explanation: Sequence[str],
    notes: Sequence[str],
    context: Context,
    wardrobe: Sequence[WardrobeItem],
) -> list[str]:
    """Reasons that contradict the outfit, the context or the wardrobe (empty: none)."""
    said = " | ".join(explanation)
    slots = [i.slot for i in items]
    outer = [i for i in items if i.slot is Slot.OUTERWEAR]
    owned = {i.slot for i in wardrobe}
    weather_given = context.temperature_c is not None or context.season or context.raining
    bad = []

    def claim(condition: bool, text: str) -> None:
        if condition:
            bad.append(f"{text}: {said} / {list(notes)}")

    claim(bool(weather_given) and "no weather given" in said, "no weather although given")
    claim(not weather_given and "weather: no weather given" not in said, "weather invented")
    claim(bool(context.occasion) and "no occasion given" in said, "no occasion although given")
    claim(
        bool(context.occasion) and f"a {context.occasion} occasion" not in said,
        "the occasion is not the one asked",
    )
    claim(bool(outer) and "no outer layer" in said, "no outer layer although there is one")
    claim(
        rules.is_cold(context) and not outer and "no outer layer" not in said,
        "cold without a layer, unsaid",
    )
    claim(Slot.SHOES in slots and "no shoes" in said, "no shoes although there are")
    judged = "coverage:" in said  # the rules judge coverage; the model's score does not
    claim(judged and Slot.SHOES not in slots and "no shoes" not in said, "no shoes, unsaid")
    claim(rules.has_core(slots) and "needs a top and a bottom" in said, "core said missing")
    claim(not context.raining and ("rain" in said), "rain although it is dry")
    if context.raining:
        dry = any(rules.waterproof(i) for i in outer)
        claim(dry and "a waterproof layer for the rain" not in said, "waterproof layer, unsaid")
        claim(not dry and "waterproof layer for the rain" in said, "a waterproof layer invented")
    text = rules.temperature_text(context)
    claim(text is not None and "warmth" in said and f"for {text}" not in said, "wrong temperature")
    claim(
        any(n.startswith("no shoes") for n in notes) and Slot.SHOES in owned,
        "note says no shoes but some are owned",
    )
    claim(
        any(n.startswith("no waterproof") for n in notes)
        and any(rules.waterproof(i) for i in wardrobe if i.slot is Slot.OUTERWEAR),
        "note says no waterproof layer but one is owned",
    )
    return bad


def check_properties(
    found: Suggestions, wardrobe: list[WardrobeItem], context: Context, scorer_name: str
) -> None:
    slots = {i.slot for i in wardrobe}
    if not rules.has_core(slots):
        assert not found.outfits and found.missing, found
        assert set(found.missing) <= {Slot.TOP, Slot.BOTTOM}
        return
    outfits = found.outfits
    assert len(outfits) == min(K, _possible_cores(wardrobe)), (len(outfits), found.message)
    cores = [r.core for r in outfits]
    assert len(set(cores)) == len(cores), "two outfits share all their core items"
    scores = [r.result.score for r in outfits]
    assert scores == sorted(scores, reverse=True)
    for rec in outfits:
        items = rec.items
        got = [i.slot for i in items]
        assert rules.has_core(got), items
        for slot in (Slot.TOP, Slot.BOTTOM, Slot.ONE_PIECE, Slot.SHOES, Slot.OUTERWEAR):
            assert got.count(slot) <= 1, items
        assert Slot.ONE_PIECE not in got or Slot.BOTTOM not in got
        layers = [i for i in wardrobe if i.slot is Slot.OUTERWEAR]
        dry = [i for i in layers if rules.waterproof(i)]
        if context.raining and dry:
            assert any(rules.waterproof(i) for i in items if i.slot is Slot.OUTERWEAR), items
        if (context.raining or rules.is_cold(context)) and layers:
            assert Slot.OUTERWEAR in got, items
        result = rec.result
        assert result.scorer == ("outfit_transformer" if scorer_name == "model" else "rules")
        if scorer_name == "rules":
            total = sum(rules.WEIGHTS[k] * v for k, v in result.parts.items())
            assert abs(total - result.score) < 2e-3, result
        else:
            total = 0.5 * result.parts["compatibility"] + 0.5 * result.parts["context"]
            assert abs(total - result.score) < 2e-3, result
        problems = contradictions(items, result.explanation, rec.notes, context, wardrobe)
        assert not problems, problems
    for slot in found.missing:
        assert slot is Slot.OUTERWEAR or slot not in slots, found.missing


CASES = [(w, c) for w in WARDROBES for c in CONTEXTS]


@dataclass
class Tally:
    cases: int = 0
    answered: int = 0
    outfits: int = 0


TALLY: dict[str, Tally] = {}


@pytest.mark.parametrize("scorer_name", ["rules", "model"])
def test_every_wardrobe_in_every_context(scorer_name: str) -> None:
    """All wardrobes × contexts on one scorer (one test: the scorer is loaded once)."""
    scorer = scorer_for(scorer_name)
    tally = TALLY.setdefault(scorer_name, Tally())
    failures = []
    for wardrobe_name, context_name in CASES:
        wardrobe = wardrobe_for(scorer_name, wardrobe_name)
        context = CONTEXTS[context_name]
        found = recommend(scorer, wardrobe, context, K)
        tally.cases += 1
        tally.answered += bool(found.outfits)
        tally.outfits += len(found.outfits)
        try:
            check_properties(found, wardrobe, context, scorer_name)
            extra = EXPECT.get((wardrobe_name, context_name))
            if extra is not None:
                extra(found, wardrobe)
        except AssertionError as error:
            failures.append(f"{wardrobe_name} × {context_name}: {error}")
    assert len(CASES) >= 30
    assert not failures, "\n".join(failures[:10]) + f"\n({len(failures)}/{len(CASES)} failed)"
    print(
        f"{scorer_name}: {len(CASES) - len(failures)}/{len(CASES)} scenarios hold; "
        f"{tally.answered}/{tally.cases} answered with {tally.outfits} outfits"
    )


def test_the_contradiction_check_catches_contradictions() -> None:
    """The checker itself: reasons that lie are caught."""
    items = _items("white|t-shirt", "blue|jeans", "navy|rain jacket")
    rain = CONTEXTS["work autumn 8 rain"]
    honest = rules.RulesScorer().score(items, rain)
    assert not [
        p for p in contradictions(items, honest.explanation, [], rain, items) if "shoes" not in p
    ]
    lies = [
        ["weather: no weather constraint; no weather given (1.00)"],
        ["coverage: it is cold or wet and there is no outer layer"],
        ["weather: right warmth for 20°C"],
    ]
    for explanation in lies:
        assert contradictions(items, explanation, [], rain, items), explanation
    dry = CONTEXTS["formal"]
    assert contradictions(items, ["weather: open shoes in the rain"], [], dry, items)
