"""Saved outfits and outfit feedback, in the database (tables ``outfits``, ``outfit_items``,
``feedback``, ``interactions``): the source of truth, so they survive any restart.

One user at a time, like the wardrobe: another user's outfit is answered exactly like a
missing one. Each write is one transaction; a 2xx means it is committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aura.errors import NotFound
from aura.outfits import adapter
from aura.outfits.scorer import Context
from aura.outfits.service import ROW_ID_MAX, OutfitService
from aura.storage import wear
from aura.storage.schema import Feedback, Interaction, Outfit, OutfitItem
from aura.storage.schema import WardrobeItem as ItemRow


def _iso(moment: datetime) -> str:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def weather_of(context: Context) -> dict[str, Any] | None:
    if context.temperature_c is None and not context.raining:
        return None
    return {"temperature_c": context.temperature_c, "raining": context.raining}


class SavedOutfits:
    def __init__(self, outfits: OutfitService) -> None:
        self.outfits = outfits
        self.db = outfits.db

    @staticmethod
    def _owned(s: Session, user_id: int, outfit_id: int) -> Outfit:
        found = (
            s.scalar(select(Outfit).where(Outfit.id == outfit_id, Outfit.user_id == user_id))
            if outfit_id <= ROW_ID_MAX
            else None
        )
        if found is None:
            raise NotFound(
                f"No saved outfit {outfit_id}.",
                fix="GET /api/v1/outfit-recommendation/outfits lists your outfits.",
            )
        return found

    @staticmethod
    def _dict(s: Session, outfit: Outfit) -> dict[str, Any]:
        rows = s.execute(
            select(ItemRow)
            .join(OutfitItem, OutfitItem.item_id == ItemRow.id)
            .where(OutfitItem.outfit_id == outfit.id)
            .order_by(OutfitItem.position)
        ).scalars()
        items = [adapter.summary(r) for r in rows]
        return {
            "id": outfit.id,
            "item_ids": [i["id"] for i in items],
            "items": items,
            "occasion": outfit.occasion,
            "season": outfit.season,
            "weather": outfit.weather,
            "score": outfit.score,
            "rating": outfit.rating,
            "times_worn": outfit.times_worn,
            "favorite": outfit.favorite,
            "created_at": _iso(outfit.created_at),
        }

    def save(
        self, user_id: int, ids: Sequence[int], context: Context, favorite: bool = False
    ) -> dict[str, Any]:
        """Store an outfit of the user's items, scored now by the serving scorer."""
        scored = self.outfits.compatibility(user_id, ids, context)
        with self.db.session() as s:
            self.outfits.owned_rows(s, user_id, ids)  # still theirs, inside this transaction
            outfit = Outfit(
                user_id=user_id,
                occasion=context.occasion,
                season=context.season,
                weather=weather_of(context),
                score=scored["score"],
                favorite=favorite,
            )
            s.add(outfit)
            s.flush()
            s.add_all(
                OutfitItem(user_id=user_id, outfit_id=outfit.id, item_id=i, position=n)
                for n, i in enumerate(ids)
            )
            s.flush()
            return {**self._dict(s, outfit), "scorer": scored["scorer"]}

    def list(
        self, user_id: int, *, favorite: bool | None = None, limit: int = 20, offset: int = 0
    ) -> dict[str, Any]:
        query = select(Outfit).where(Outfit.user_id == user_id)
        if favorite is not None:
            query = query.where(Outfit.favorite == favorite)
        with self.db.session() as s:
            total = s.scalar(select(func.count()).select_from(query.subquery()))
            rows = s.scalars(query.order_by(Outfit.id).limit(limit).offset(offset)).all()
            return {
                "outfits": [self._dict(s, o) for o in rows],
                "total": total,
                "limit": limit,
                "offset": offset,
            }

    def update(self, user_id: int, outfit_id: int, patch: dict[str, Any]) -> dict[str, Any]:
        with self.db.session() as s:
            outfit = self._owned(s, user_id, outfit_id)
            for key in ("favorite", "rating"):
                if key in patch:
                    setattr(outfit, key, patch[key])
            s.flush()
            return self._dict(s, outfit)

    def worn(self, user_id: int, outfit_id: int) -> dict[str, Any]:
        with self.db.session() as s:
            outfit = self._owned(s, user_id, outfit_id)
            self._wear(s, outfit)
            s.flush()
            s.refresh(outfit)
            return self._dict(s, outfit)

    @staticmethod
    def _wear(s: Session, outfit: Outfit) -> None:
        # a wear of the outfit's items today, in the wear log; it also counts the
        # outfit's wear (in SQL: two concurrent wears both count)
        ids = s.scalars(
            select(OutfitItem.item_id)
            .where(OutfitItem.outfit_id == outfit.id)
            .order_by(OutfitItem.position)
        ).all()
        wear.add_wear(s, outfit.user_id, date.today(), list(ids), outfit_id=outfit.id)
        s.add(Interaction(user_id=outfit.user_id, kind="outfit_worn", outfit_id=outfit.id))

    def feedback(
        self,
        user_id: int,
        outfit_id: int,
        *,
        rating: int | None,
        worn: bool,
        comment: str | None,
    ) -> dict[str, Any]:
        """Record the feedback; a rating becomes the outfit's rating, ``worn`` counts a wear."""
        with self.db.session() as s:
            outfit = self._owned(s, user_id, outfit_id)
            entry = Feedback(
                user_id=user_id,
                target_type="outfit",
                target_id=outfit.id,
                rating=rating,
                comment=comment,
            )
            s.add(entry)
            if rating is not None:
                outfit.rating = rating
            if worn:
                self._wear(s, outfit)
            s.flush()
            s.refresh(outfit)
            return {"feedback_id": entry.id, "outfit": self._dict(s, outfit)}
