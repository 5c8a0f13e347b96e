"""What every outfit scorer offers, and the plain objects they score.

Two scorers implement :class:`OutfitScorer`: ``"rules"`` (:mod:`aura.outfits.rules`, serves
until a trained model exists) and ``"outfit_transformer"`` (:mod:`aura.outfits.inference`).
Each response names the scorer that produced it. Items are plain objects so the API, the
database and the vector index can be wired in without touching the scorers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from aura.taxonomy.slots import Slot, slot_of

if TYPE_CHECKING:  # numpy stays unimported on the rules-only start-up path
    import numpy as np

OCCASIONS = ("casual", "work", "formal", "party", "date", "sport")
SEASONS = ("spring", "summer", "autumn", "winter")


@dataclass(frozen=True, eq=False)
class WardrobeItem:
    """One garment. Unknown attributes stay None; the rule scorer infers what it can.

    ``category`` is any category text (a person's word, a Polyvore category); ``slot`` is
    where it goes (:class:`~aura.taxonomy.Slot`), resolved from ``category`` by its words
    when not given (the database adapter resolves it with the text-embedding fallback)."""

    item_id: str
    category: str
    title: str = ""
    colour: str | None = None  # a colour name or #rrggbb
    formality: float | None = None  # 0 = casual … 1 = formal
    warmth: float | None = None  # 0 = light … 1 = warm
    seasons: frozenset[str] = frozenset()  # empty = any season
    waterproof: bool | None = None
    slot: Slot = None  # type: ignore[assignment]  # None: slot_of(category)
    image_features: np.ndarray | None = field(default=None, repr=False)
    text_features: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        slot = slot_of(self.category) if self.slot is None else Slot(self.slot)
        object.__setattr__(self, "slot", slot)


@dataclass(frozen=True)
class Context:
    """Where the outfit will be worn. Every field is optional; each one changes the ranking."""

    occasion: str | None = None  # one of OCCASIONS
    season: str | None = None  # one of SEASONS
    temperature_c: float | None = None
    raining: bool = False


@dataclass
class ScoreResult:
    score: float  # 0 … 1, higher is better
    scorer: str  # "rules" or "outfit_transformer"
    explanation: list[str]
    parts: dict[str, float] = field(default_factory=dict)


class OutfitScorer(Protocol):
    name: str

    def score(self, items: Sequence[WardrobeItem], context: Context) -> ScoreResult: ...

    def score_many(
        self, outfits: Sequence[Sequence[WardrobeItem]], context: Context
    ) -> list[ScoreResult]: ...
