"""Read-only queries over one user's wardrobe items for the assistant's tools.

The assistant reasons over a whole (small) wardrobe per turn: filters by slot, colour
family, occasion and season, counts, BM25 over item texts. One query loads the user's
rows (colours come with them, ``selectin``); nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from aura.storage.schema import WardrobeItem

ROW_ID_MAX = 2**31 - 1  # INTEGER ids: larger ones cannot exist (and PostgreSQL refuses them)


def user_items(session: Session, user_id: int) -> list[WardrobeItem]:
    """Every item of ``user_id``, oldest first."""
    return list(
        session.scalars(
            select(WardrobeItem).where(WardrobeItem.user_id == user_id).order_by(WardrobeItem.id)
        )
    )


def user_items_by_id(session: Session, user_id: int, ids: Sequence[int]) -> list[WardrobeItem]:
    """The items of ``user_id`` among ``ids`` (in the order given; others are skipped)."""
    wanted = [i for i in ids if 0 < i <= ROW_ID_MAX]
    if not wanted:
        return []
    found = {
        r.id: r
        for r in session.scalars(
            select(WardrobeItem).where(WardrobeItem.user_id == user_id, WardrobeItem.id.in_(wanted))
        )
    }
    return [found[i] for i in wanted if i in found]
