"""The rule scorer: transparent, explained, and context (occasion, season, weather) matters."""

from __future__ import annotations

from aura.outfits.recommend import recommend
from aura.outfits.rules import RulesScorer, hue
from aura.outfits.scorer import Context, WardrobeItem
from aura.taxonomy import CORE_SLOTS, Slot

W = [
    WardrobeItem("t1", "tops", "white linen t-shirt", "white"),
    WardrobeItem("t2", "tops", "silk blouse", "ivory"),
    WardrobeItem("t3", "tops", "wool sweater", "navy"),
    WardrobeItem("b1", "bottoms", "denim shorts", "blue"),
    WardrobeItem("b2", "bottoms", "tailored trousers", "black"),
    WardrobeItem("b3", "bottoms", "jeans", "denim"),
    WardrobeItem("d1", "all-body", "evening gown", "burgundy"),
    WardrobeItem("d2", "all-body", "cotton sundress", "yellow"),
    WardrobeItem("s1", "shoes", "leather sandals", "tan"),
    WardrobeItem("s2", "shoes", "black pumps", "black"),
    WardrobeItem("s3", "shoes", "white sneakers", "white"),
    WardrobeItem("s4", "shoes", "leather ankle boots", "brown"),
    WardrobeItem("o1", "outerwear", "wool coat", "camel"),
    WardrobeItem("o2", "outerwear", "navy blazer", "navy"),
]
BY_ID = {i.item_id: i for i in W}
rules = RulesScorer()


def outfit(*ids: str) -> list[WardrobeItem]:
    return [BY_ID[i] for i in ids]


def test_every_score_is_explained() -> None:
    result = rules.score(outfit("t1", "b3", "s3"), Context())
    assert result.scorer == "rules" and 0 <= result.score <= 1
    assert set(result.parts) == {"coverage", "colour", "formality", "weather"}
    assert len(result.explanation) == 4 and result.explanation[0].startswith("coverage:")


def test_coverage_colour_and_formality_rules() -> None:
    ctx = Context()
    complete = rules.score(outfit("t1", "b3", "s3"), ctx)
    no_shoes = rules.score(outfit("t1", "b3"), ctx)
    two_bottoms = rules.score(outfit("t1", "b3", "b2", "s3"), ctx)
    assert complete.score > no_shoes.score and "no shoes" in no_shoes.explanation[0]
    assert "bottom appears twice" in two_bottoms.explanation[0]
    assert complete.score > two_bottoms.score
    red, orange, green, blue = (
        WardrobeItem(c, "tops", colour=c) for c in ("red", "orange", "green", "blue")
    )
    assert (
        rules.score([red, orange], ctx).parts["colour"]
        > rules.score([red, green, blue], ctx).parts["colour"]
    )
    assert hue("#ff0000") == 0 and hue("#808080") is None and hue("navy") is None
    mixed = rules.score(outfit("t1", "b1", "s2"), ctx)  # t-shirt, shorts, pumps
    assert mixed.parts["formality"] < complete.parts["formality"]


def test_context_changes_the_score_of_the_same_outfit() -> None:
    summer = outfit("t1", "b1", "s1")
    cold = Context(season="winter", temperature_c=0)
    warm = Context(season="summer", temperature_c=30)
    assert rules.score(summer, warm).score > rules.score(summer, cold).score
    assert (
        rules.score(summer, Context(raining=True)).parts["weather"]
        < rules.score(summer, Context()).parts["weather"]
    )
    office = outfit("t2", "b2", "s2")
    assert (
        rules.score(office, Context(occasion="work")).score
        > rules.score(office, Context(occasion="sport")).score
    )


def test_context_changes_the_recommendations() -> None:
    gala = recommend(
        rules, W, Context(occasion="formal", season="winter", temperature_c=2), k=3
    ).outfits
    beach = recommend(
        rules, W, Context(occasion="casual", season="summer", temperature_c=31), k=3
    ).outfits
    assert gala and beach and all(r.result.scorer == "rules" for r in gala + beach)
    best_gala = {i.item_id for i in gala[0].items}
    best_beach = {i.item_id for i in beach[0].items}
    assert best_gala != best_beach
    assert "o1" in best_gala or "o2" in best_gala  # cold: an outer layer
    assert {"s2"} & best_gala and not {"s1", "b1"} & best_gala  # pumps, not sandals or shorts
    assert not {"o1", "o2", "t3"} & best_beach  # no coat or sweater at 31 °C
    assert {"s1", "s3"} & best_beach


def test_seeds_and_target_slots_are_respected() -> None:
    found = recommend(rules, W, Context(occasion="work"), k=3, seeds=outfit("b2"))
    recs = found.outfits
    assert len(recs) == 3 and all("b2" in {i.item_id for i in r.items} for r in recs)
    assert all({i.slot for i in r.items} >= {Slot.TOP, Slot.BOTTOM, Slot.SHOES} for r in recs)
    assert len({r.core for r in recs}) == 3  # distinct tops: the seed is no part of the key
    recs = recommend(rules, W, Context(), k=2, target_slots=[Slot.OUTERWEAR]).outfits
    assert len(recs) == 2 and all(any(i.slot is Slot.OUTERWEAR for i in r.items) for r in recs)


def test_seeds_that_make_the_core_vary_the_rest() -> None:
    """A seeded top and bottom are the whole core: outfits then differ in other items."""
    recs = recommend(rules, W, Context(), k=3, seeds=outfit("t2", "b2")).outfits
    assert len(recs) == 3
    assert len({frozenset(i.item_id for i in r.items) for r in recs}) == 3
    assert all({"t2", "b2"} <= {i.item_id for i in r.items} for r in recs)


def test_the_diversity_rule_no_two_outfits_share_their_core() -> None:
    recs = recommend(rules, W, Context(occasion="casual"), k=20).outfits
    cores = [frozenset(i.item_id for i in r.items if i.slot in CORE_SLOTS) for r in recs]
    assert len(cores) == len(set(cores)) == 3 * 3 + 2  # every top × bottom, every dress
    assert [r.result.score for r in recs] == sorted((r.result.score for r in recs), reverse=True)


def test_an_empty_answer_names_what_is_missing() -> None:
    tops = [BY_ID["t1"], BY_ID["t2"], BY_ID["s1"]]
    found = recommend(rules, tops, Context())
    assert found.outfits == [] and found.missing == [Slot.BOTTOM]
    assert "no bottom" in found.message and "shoes" not in found.message
    found = recommend(rules, [BY_ID["s1"]], Context())
    assert found.missing == [Slot.TOP, Slot.BOTTOM]


def test_cold_or_rain_adds_the_best_layer_or_says_it_is_missing() -> None:
    rain = Context(occasion="work", temperature_c=8, raining=True)
    jacket = WardrobeItem("o3", "rain jacket", "navy rain jacket", "navy")
    recs = recommend(rules, [*W, jacket], rain, k=4).outfits
    assert all("o3" in {i.item_id for i in r.items} for r in recs)  # not the blazer or coat
    assert all("waterproof layer for the rain" in r.result.explanation[3] for r in recs)
    bare = [i for i in W if i.slot is not Slot.OUTERWEAR]
    found = recommend(rules, bare, rain, k=2)
    assert len(found.outfits) == 2 and found.missing == [Slot.OUTERWEAR]
    assert all(any("no waterproof layer" in n for n in r.notes) for r in found.outfits)
    assert all("raining and no outer layer" in r.result.explanation[3] for r in found.outfits)
