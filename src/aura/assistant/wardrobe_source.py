"""The assistant's :class:`~aura.assistant.service.WardrobeSource` over the real wardrobe:
vector similarity from :meth:`aura.wardrobe.service.WardrobeService.search` (the index,
filtered to the user's own item ids), turned into re-rank candidates.

Ownership is the wardrobe service's job (it only ever searches the user's items); this
adapter only translates rows, so the reply's item ids can never be another user's.
"""

from __future__ import annotations

from typing import Any

from aura.assistant.retrieval import Candidate
from aura.wardrobe.service import WardrobeService

OCCASION_KEYS = ("occasions", "occasion")


def _occasions(attributes: dict[str, Any] | None) -> tuple[str, ...]:
    for key in OCCASION_KEYS:
        value = (attributes or {}).get(key)
        if isinstance(value, str) and value.strip():
            return (value.strip(),)
        if isinstance(value, list):
            return tuple(str(v).strip() for v in value if str(v).strip())
    return ()


def candidate(item: dict[str, Any], score: float) -> Candidate:
    words = [item.get("pattern") or "", item.get("description") or ""]
    return Candidate(
        id=str(item["id"]),
        score=float(score),
        category=item.get("category") or "",
        colours=tuple(item.get("colors") or ()),
        occasions=_occasions(item.get("attributes")),
        description=" ".join(w for w in words if w).strip(),
    )


class IndexWardrobeSource:
    """The user's items nearest to the question, from the vector index."""

    def __init__(self, wardrobe: WardrobeService) -> None:
        self.wardrobe = wardrobe

    def candidates(self, user_id: str, question: str, k: int) -> list[Candidate]:
        if not (user_id.isascii() and user_id.isdigit()):
            return []
        hits = self.wardrobe.search(int(user_id), question, k)
        return [candidate(hit["item"], hit["score"]) for hit in hits]
