"""The two reads the wardrobe's slot and colour-family filters need: one user's item
categories and item colours (slots and families are derived from these words by
:mod:`aura.taxonomy`, so they are computed, not stored)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from aura.storage.schema import ItemColor, WardrobeItem


def categories(session: Session, user_id: int) -> list[tuple[int, str]]:
    """(item id, category) of every item of ``user_id``."""
    rows = session.execute(
        select(WardrobeItem.id, WardrobeItem.category).where(WardrobeItem.user_id == user_id)
    )
    return [(int(i), str(c)) for i, c in rows]


def colours(session: Session, user_id: int) -> list[tuple[int, str]]:
    """(item id, colour) of every colour of every item of ``user_id``."""
    rows = session.execute(
        select(ItemColor.item_id, ItemColor.color)
        .join(WardrobeItem, WardrobeItem.id == ItemColor.item_id)
        .where(WardrobeItem.user_id == user_id)
    )
    return [(int(i), str(c)) for i, c in rows]
