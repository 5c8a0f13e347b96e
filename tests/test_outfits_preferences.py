"""Feedback as a score adjustment, by hand: rated outfits, shared item pairs, explanations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aura.outfits.preferences import WEIGHT, FeedbackScorer, Preferences, Rated
from aura.outfits.scorer import Context, ScoreResult, WardrobeItem


def test_values_of_ratings_and_wears() -> None:
    assert Rated(frozenset({1, 2}), 1, 0).value == -1.0
    assert Rated(frozenset({1, 2}), 3, 0).value == 0.0
    assert Rated(frozenset({1, 2}), 4, 1).value == 0.75
    assert Rated(frozenset({1, 2}), 5, 3).value == 1.0  # clamped
    assert Rated(frozenset({1, 2}), None, 3).value == 0.5  # two wears count at most


def test_adjustment_by_shared_pairs() -> None:
    prefs = Preferences([Rated(frozenset({1, 2, 3}), 1, 0), Rated(frozenset({4, 5, 6}), 5, 1)])
    assert prefs.adjust([1, 2, 3]) == (-1.0, "you rated this outfit 1/5")
    shift, note = prefs.adjust([1, 2, 9])  # shares the pair (1, 2): 1 of its 3 pairs
    assert shift == pytest.approx(-1 / 3)
    assert note == "you rated a similar outfit (2 of its items) 1/5"
    shift, note = prefs.adjust([4, 5, 6, 1])  # 3 of 6 pairs with the liked, 0 with the other
    assert shift == pytest.approx(0.5)
    assert note == "you rated a similar outfit (3 of its items) 5/5 and wore it 1 time(s)"
    assert prefs.adjust([1, 4, 7]) == (0.0, None)  # no pair in common: no effect
    assert prefs.adjust([1]) == (0.0, None)
    assert not Preferences([Rated(frozenset({1, 2}), 3, 0)])  # neutral feedback is no feedback


class Constant:
    name = "constant"

    def score_many(self, outfits, context):  # type: ignore[no-untyped-def]
        return [ScoreResult(0.6, self.name, ["constant"], {"c": 0.6}) for _ in outfits]


def _item(n: int) -> WardrobeItem:
    return WardrobeItem(f"{n}@{datetime(2026, 1, 1, tzinfo=UTC).isoformat()}", "tops")


def test_the_wrapped_scorer_moves_scores_and_says_why() -> None:
    prefs = Preferences([Rated(frozenset({1, 2, 3}), 1, 0)])
    scorer = FeedbackScorer(Constant(), prefs)  # type: ignore[arg-type]
    same, other = scorer.score_many(
        [[_item(1), _item(2), _item(3)], [_item(7), _item(8)]], Context()
    )
    assert same.score == pytest.approx(0.6 - WEIGHT) and same.parts["feedback"] == -1.0
    assert same.explanation[-1] == "feedback: you rated this outfit 1/5"
    assert (
        other.score == 0.6 and other.explanation == ["constant"] and "feedback" not in other.parts
    )
    assert scorer.name == "constant"
