"""The wear log and laundry for one user at a time (no HTTP here).

A wear names items (the user's own, or items shared with them in a household) or one of
their saved outfits, on a day that is not in the future (future days are planned in the
calendar). Undo deletes the entry; the items' counts are recomputed in the same
transaction. Items that are not clean are left out of outfit suggestions
(:func:`available_rows`), and items worn in the last :data:`REST_DAYS` days rest while
another item can take their place.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aura.errors import InvalidInput, NotFound
from aura.storage import households, wear
from aura.storage.db import Database
from aura.storage.schema import WardrobeItem, Wear
from aura.wardrobe.service import item_dict

REST_DAYS = 2  # worn today or yesterday: rested while the wardrobe has an alternative
ITEMS_FIX = "GET /api/v1/wardrobe/items lists your items."


def check_items(session: Session, user_id: int, ids: Sequence[int]) -> list[int]:
    """``ids`` if every one is the user's or shared with them; else NotFound naming the rest
    (another user's unshared item is answered exactly like a missing one)."""
    if len(set(ids)) != len(ids):
        raise InvalidInput("An item id appears twice.", fix="List each item once.")
    own = wear.owned_ids(session, user_id, ids)
    rest = [i for i in ids if i not in own]
    shared = households.shared_with(session, user_id, rest) if rest else {}
    missing = [i for i in rest if i not in shared]
    if missing:
        raise NotFound(f"No wardrobe item {', '.join(map(str, missing))}.", fix=ITEMS_FIX)
    return list(ids)


def wear_dict(w: Wear, item_ids: list[int]) -> dict[str, Any]:
    return {
        "id": w.id,
        "date": w.worn_on.isoformat(),
        "item_ids": item_ids,
        "outfit_id": w.outfit_id,
        "note": w.note,
    }


def available_rows(
    session: Session, user_id: int, rows: Sequence[WardrobeItem], today: date | None = None
) -> tuple[list[WardrobeItem], dict[int, str]]:
    """The rows an outfit suggestion may use, and why the others were left out.

    Not clean (in the wash, at the cleaner, lent out): always left out. Worn in the last
    :data:`REST_DAYS` days: left out while another available item of the same slot
    remains in its slot, so a small wardrobe still gets outfits."""
    from aura.taxonomy import slot_of

    away = wear.unavailable_items(session, user_id)
    recent = wear.recent_wears(session, user_id, REST_DAYS, today)
    left_out = {r.id: f"left out: {away[r.id]}" for r in rows if r.id in away}
    keep = [r for r in rows if r.id not in away]
    fresh: dict[str, int] = {}
    for r in keep:
        if r.id not in recent:
            slot = slot_of(r.category)
            fresh[slot] = fresh.get(slot, 0) + 1
    out = []
    for r in keep:
        if r.id in recent and fresh.get(slot_of(r.category), 0) > 0:
            left_out[r.id] = f"resting: worn on {recent[r.id].isoformat()}"
        else:
            out.append(r)
    return out, left_out


class WearLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    def wear(
        self,
        user_id: int,
        *,
        day: date | None = None,
        item_ids: Sequence[int] = (),
        outfit_id: int | None = None,
        note: str | None = None,
    ) -> dict[str, Any]:
        day = day or date.today()
        if day > date.today() + timedelta(days=1):  # a day of slack for time zones
            raise InvalidInput(
                f"{day.isoformat()} is in the future: a wear is logged on the day or after.",
                fix="Plan future days in the calendar: POST /api/v1/calendar/plans.",
            )
        with self.db.session() as s:
            ids = list(item_ids)
            if outfit_id is not None:
                outfit_items = wear.outfit_item_ids(s, user_id, outfit_id)
                if outfit_items is None:
                    raise NotFound(
                        f"No saved outfit {outfit_id}.",
                        fix="GET /api/v1/outfit-recommendation/outfits lists your outfits.",
                    )
                ids = list(dict.fromkeys([*outfit_items, *ids]))
            if not ids:
                raise InvalidInput(
                    "A wear needs item_ids or an outfit_id.",
                    fix="Name the items you wore, or the saved outfit.",
                )
            check_items(s, user_id, ids)
            entry = wear.add_wear(s, user_id, day, ids, outfit_id=outfit_id, note=note)
            return wear_dict(entry, ids)

    def undo(self, user_id: int, wear_id: int) -> None:
        with self.db.session() as s:
            entry = wear.get_wear(s, user_id, wear_id)
            if entry is None:
                raise NotFound(f"No wear {wear_id}.", fix="GET /api/v1/wardrobe/wears lists them.")
            wear.delete_wear(s, entry)

    def list(self, user_id: int, **filters: Any) -> dict[str, Any]:
        with self.db.session() as s:
            total, rows = wear.list_wears(s, user_id, **filters)
            items = wear.wear_item_ids(s, [r.id for r in rows])
            return {"wears": [wear_dict(r, items[r.id]) for r in rows], "total": total}

    def set_laundry(self, user_id: int, item_ids: Sequence[int], state: str) -> dict[str, Any]:
        with self.db.session() as s:
            own = wear.owned_ids(s, user_id, item_ids)
            missing = [i for i in item_ids if i not in own]
            if missing:
                raise NotFound(f"No wardrobe item {', '.join(map(str, missing))}.", fix=ITEMS_FIX)
            wear.set_laundry(s, list(own), state)
            return {"items": self._items(s, user_id, sorted(own))}

    def back_from(self, user_id: int, states: Sequence[str]) -> dict[str, Any]:
        with self.db.session() as s:
            ids = wear.back_from(s, user_id, states)
            return {"items": self._items(s, user_id, ids), "count": len(ids)}

    @staticmethod
    def _items(s: Session, user_id: int, ids: Sequence[int]) -> list[dict[str, Any]]:
        s.expire_all()
        rows = s.scalars(
            select(WardrobeItem)
            .where(WardrobeItem.user_id == user_id, WardrobeItem.id.in_(list(ids)))
            .order_by(WardrobeItem.id)
        )
        return [item_dict(r) for r in rows]
