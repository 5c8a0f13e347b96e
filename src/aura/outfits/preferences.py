"""What a user's feedback says about outfits, applied to the scores of new ones.

Feedback on a saved outfit (``POST /feedback``: a rating, a wear) is kept on the outfit
(``outfits.rating``, ``outfits.times_worn``). Each rated or worn outfit carries a value in
[-1, 1]: a rating of 1/5 is -1, 3/5 is 0, 5/5 is +1, and each wear (up to two) adds 0.25,
because wearing an outfit is liking it. A candidate outfit is judged by the item pairs it
shares with those outfits: the same outfit shares all its pairs, a similar one some, an
unrelated one none. The score moves by ``WEIGHT`` × the sum of value × shared fraction
(clamped to [-1, 1]), and the explanation says which feedback moved it.

:class:`FeedbackScorer` wraps any scorer, so the recommendation search itself (not only its
final list) prefers combinations the user liked and avoids those they did not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from aura.outfits import adapter
from aura.outfits.scorer import Context, OutfitScorer, ScoreResult, WardrobeItem
from aura.storage.schema import Outfit, OutfitItem

WEIGHT = 0.25  # the most feedback can move a 0–1 score
WEAR_BONUS = 0.25
MAX_RATED = 500  # the most recent rated/worn outfits considered


def _pairs(ids: Sequence[int]) -> set[tuple[int, int]]:
    return set(combinations(sorted(set(ids)), 2))


@dataclass(frozen=True)
class Rated:
    """One saved outfit with feedback."""

    items: frozenset[int]
    rating: int | None
    times_worn: int

    @property
    def value(self) -> float:
        liked = 0.0 if self.rating is None else (self.rating - 3) / 2
        return max(-1.0, min(1.0, liked + WEAR_BONUS * min(self.times_worn, 2)))

    def describe(self, same: bool, shared: int) -> str:
        what = "this outfit" if same else f"a similar outfit ({shared} of its items)"
        if self.rating is None:
            return f"you wore {what} {self.times_worn} time(s)"
        text = f"you rated {what} {self.rating}/5"
        return text + (f" and wore it {self.times_worn} time(s)" if self.times_worn else "")


class Preferences:
    def __init__(self, rated: Sequence[Rated]) -> None:
        self.rated = [r for r in rated if len(r.items) >= 2 and r.value != 0.0]
        self._pairs = [_pairs(list(r.items)) for r in self.rated]

    def __bool__(self) -> bool:
        return bool(self.rated)

    @classmethod
    def load(cls, s: Session, user_id: int) -> Preferences:
        outfits = s.execute(
            select(Outfit.id, Outfit.rating, Outfit.times_worn)
            .where(
                Outfit.user_id == user_id,
                or_(Outfit.rating.is_not(None), Outfit.times_worn > 0),
            )
            .order_by(Outfit.id.desc())
            .limit(MAX_RATED)
        ).all()
        if not outfits:
            return cls([])
        members: dict[int, set[int]] = {}
        for outfit_id, item_id in s.execute(
            select(OutfitItem.outfit_id, OutfitItem.item_id).where(
                OutfitItem.outfit_id.in_([o[0] for o in outfits])
            )
        ):
            members.setdefault(outfit_id, set()).add(item_id)
        return cls([Rated(frozenset(members.get(o[0], ())), o[1], int(o[2] or 0)) for o in outfits])

    def adjust(self, ids: Sequence[int]) -> tuple[float, str | None]:
        """(adjustment in [-1, 1], the feedback that weighed most) for an outfit of ``ids``."""
        mine = _pairs(ids)
        if not mine:
            return 0.0, None
        total, best, note = 0.0, 0.0, None
        for rated, pairs in zip(self.rated, self._pairs, strict=True):
            shared = len(mine & pairs)
            if not shared:
                continue
            effect = rated.value * shared / len(mine)
            total += effect
            if abs(effect) > abs(best):
                same = rated.items == frozenset(ids)
                best, note = effect, rated.describe(same, len(rated.items & set(ids)))
        return max(-1.0, min(1.0, total)), note


class FeedbackScorer:
    """``scorer`` with the user's feedback applied to every score (same name: the model
    or the rules still score; feedback only moves the result and says so)."""

    def __init__(self, scorer: OutfitScorer, preferences: Preferences) -> None:
        self.scorer, self.preferences = scorer, preferences
        self.name = scorer.name

    def score_many(
        self, outfits: Sequence[Sequence[WardrobeItem]], context: Context
    ) -> list[ScoreResult]:
        results = self.scorer.score_many(outfits, context)
        return [self._apply(o, r) for o, r in zip(outfits, results, strict=True)]

    def score(self, items: Sequence[WardrobeItem], context: Context) -> ScoreResult:
        return self.score_many([items], context)[0]

    def _apply(self, outfit: Sequence[WardrobeItem], result: ScoreResult) -> ScoreResult:
        shift, note = self.preferences.adjust([adapter.db_id(i) for i in outfit])
        if note is None:
            return result
        score = max(0.0, min(1.0, result.score + WEIGHT * shift))
        return ScoreResult(
            round(score, 4),
            result.scorer,
            [*result.explanation, f"feedback: {note}"],
            {**result.parts, "feedback": round(shift, 4)},
        )
