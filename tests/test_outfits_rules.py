"""The rule scorer: transparent, explained, and context (occasion, season, weather) matters."""

from __future__ import annotations

from aura.outfits.recommend import recommend
from aura.outfits.rules import RulesScorer, hue
from aura.outfits.scorer import Context, WardrobeItem

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
    gala = recommend(rules, W, Context(occasion="formal", season="winter", temperature_c=2), k=3)
    beach = recommend(rules, W, Context(occasion="casual", season="summer", temperature_c=31), k=3)
    assert gala and beach and all(r.result.scorer == "rules" for r in gala + beach)
    best_gala = {i.item_id for i in gala[0].items}
    best_beach = {i.item_id for i in beach[0].items}
    assert best_gala != best_beach
    assert "o1" in best_gala or "o2" in best_gala  # cold: an outer layer
    assert {"s2"} & best_gala and not {"s1", "b1"} & best_gala  # pumps, not sandals or shorts
    assert not {"o1", "o2", "t3"} & best_beach  # no coat or sweater at 31 °C
    assert {"s1", "s3"} & best_beach


def test_seeds_and_target_categories_are_respected() -> None:
    recs = recommend(rules, W, Context(occasion="work"), k=3, seeds=outfit("b2"))
    assert recs and all("b2" in {i.item_id for i in r.items} for r in recs)
    assert all({i.category for i in r.items} >= {"tops", "bottoms", "shoes"} for r in recs)
    recs = recommend(rules, W, Context(), k=2, target_categories=["outerwear"])
    assert all(any(i.category == "outerwear" for i in r.items) for r in recs)
