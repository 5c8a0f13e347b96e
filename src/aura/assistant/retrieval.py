"""Re-ranking of wardrobe candidates by the attributes a question names.

The vector search (issue 4's index, filtered to the user) supplies candidates with a
similarity score; this pure function adds boosts for the colours, categories and occasions
the question names, so "my navy blazer for the office" puts navy blazers first even when
the embedding ranked a navy jumper higher. No I/O, no model: cheap enough for 10k items.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from aura.assistant.vocabulary import CATEGORIES, COLOURS, OCCASIONS, words

COLOUR_WEIGHT = 0.35
CATEGORY_WEIGHT = 0.5
OCCASION_WEIGHT = 0.25


@dataclass(frozen=True)
class Candidate:
    """A wardrobe item as retrieval sees it. ``score``: vector similarity (higher = closer)."""

    id: str
    score: float
    category: str = ""
    colours: tuple[str, ...] = ()
    occasions: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class QueryAttributes:
    colours: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()  # canonical categories and groups
    occasions: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.colours or self.categories or self.occasions)


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    score: float
    matched: dict[str, list[str]] = field(default_factory=dict)


def query_attributes(question: str) -> QueryAttributes:
    """The colours, categories and occasions a question names."""
    ws = words(question)
    return QueryAttributes(
        colours=frozenset(w for w in ws if w in COLOURS),
        categories=frozenset(x for w in ws if w in CATEGORIES for x in CATEGORIES[w]),
        occasions=frozenset(OCCASIONS[w] for w in ws if w in OCCASIONS),
    )


def _item_terms(candidate: Candidate) -> tuple[set[str], set[str], set[str]]:
    text_words = words(" ".join((candidate.category, candidate.description)))
    colours = {c.lower() for c in candidate.colours} | {w for w in text_words if w in COLOURS}
    colours |= {COLOURS[c] for c in list(colours) if c in COLOURS}
    cats = {x for w in words(candidate.category) if w in CATEGORIES for x in CATEGORIES[w]}
    if candidate.category:
        cats.add(candidate.category.lower())
    occasions = {OCCASIONS.get(o.lower(), o.lower()) for o in candidate.occasions}
    occasions |= {OCCASIONS[w] for w in text_words if w in OCCASIONS}
    return colours, cats, occasions


def rerank(candidates: Iterable[Candidate], question: str, *, k: int | None = None) -> list[Ranked]:
    """Candidates ordered by similarity plus attribute boosts; the top ``k`` if given.

    Ties keep the similarity order, then the id (deterministic).
    """
    query = query_attributes(question)
    ranked: list[Ranked] = []
    for cand in candidates:
        if query.empty:
            ranked.append(Ranked(cand, cand.score))
            continue
        colours, cats, occasions = _item_terms(cand)
        matched: dict[str, list[str]] = {}
        boost = 0.0
        for name, wanted, have, weight in (
            ("colours", query.colours, colours, COLOUR_WEIGHT),
            ("categories", query.categories, cats, CATEGORY_WEIGHT),
            ("occasions", query.occasions, occasions, OCCASION_WEIGHT),
        ):
            hit = wanted & have
            if hit:
                matched[name] = sorted(hit)
                boost += weight * len(hit) / len(wanted)
        ranked.append(Ranked(cand, cand.score + boost, matched))
    ranked.sort(key=lambda r: (-r.score, -r.candidate.score, r.candidate.id))
    return ranked[:k] if k is not None else ranked


def recall_at_k(ranked: Sequence[Ranked], relevant: set[str], k: int = 5) -> float:
    """Share of the relevant ids found in the top ``k``."""
    if not relevant:
        return 1.0
    top = {r.candidate.id for r in ranked[:k]}
    return len(top & relevant) / len(relevant)
