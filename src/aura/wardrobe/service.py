"""Wardrobe items for one user at a time: create, list, get, update, delete, search.

Every method takes the acting user's id and only ever touches that user's rows; another
user's item is answered exactly like a missing one. A write embeds the item first (no
database transaction is open while the model runs), then stores the item and its
embedding in one transaction: an acknowledged item is always searchable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session

from aura.errors import NotFound
from aura.storage import changes, item_slots, photos
from aura.storage.changes import Space
from aura.storage.db import Database
from aura.storage.index_manager import IndexManager
from aura.storage.schema import ItemColor, WardrobeItem
from aura.taxonomy import Slot, Taxonomy, colour_family, colour_hex, slot_of
from aura.wardrobe.embedder import TextEmbedder, item_text

TEXT_FIELDS = ("category", "colors", "pattern", "description")


def _iso(moment: datetime) -> str:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def swatch_values(colors: list[str], attributes: dict[str, Any] | None) -> list[str | None]:
    """Per colour, the value its swatch shows: the photo's own (``color_hex``, set when the
    item came from a photo), else the colour name's (:func:`aura.taxonomy.colour_hex`)."""
    photo = (attributes or {}).get("color_hex")
    photo = photo if isinstance(photo, list) and len(photo) == len(colors) else [None] * len(colors)
    return [
        own if isinstance(own, str) and len(own) == 7 and own.startswith("#") else colour_hex(c)
        for c, own in zip(colors, photo, strict=True)
    ]


def item_dict(item: WardrobeItem, taxonomy: Taxonomy | None = None) -> dict[str, Any]:
    """An item as the API shows it, with its taxonomy ``slot`` (by ``taxonomy``, words only
    without one), its colours' ``colour_families`` and ``colour_hex`` (what a swatch shows)."""
    colors = item.colors
    return {
        "id": item.id,
        "category": item.category,
        "slot": str(taxonomy.slot(item.category) if taxonomy else slot_of(item.category)),
        "colors": colors,
        "colour_families": list(dict.fromkeys(f for c in colors if (f := colour_family(c)))),
        "colour_hex": swatch_values(colors, item.attributes),
        "pattern": item.pattern,
        "attributes": item.attributes,
        "description": item.description,
        "image_sha256": item.image_sha256,
        "source_photo_sha256": item.source_photo_sha256,
        "bbox": item.bbox,
        "source": item.source,
        "created_at": _iso(item.created_at),
        "updated_at": _iso(item.updated_at),
        **life_fields(item),
    }


def life_fields(item: WardrobeItem) -> dict[str, Any]:
    """Laundry state, purchase and wear counts (the wardrobe's life)."""
    return {
        "laundry": item.laundry or "clean",
        "purchase_price": item.purchase_price,
        "purchase_date": item.purchase_date.isoformat() if item.purchase_date else None,
        "times_worn": item.times_worn or 0,
        "last_worn": item.last_worn.isoformat() if item.last_worn else None,
    }


def _family(colour: str) -> str | None:
    return colour_family(colour)


class WardrobeService:
    def __init__(self, db: Database, embedder: TextEmbedder, index: IndexManager) -> None:
        self.db, self.embedder, self.index = db, embedder, index
        self.taxonomy = Taxonomy(embedder.embed)  # unknown category words by embedding

    # ---- helpers -------------------------------------------------------------------

    def _vectors(self, items: Sequence[dict[str, Any]]) -> np.ndarray:
        return self.embedder.embed(
            [item_text(f["category"], f["colors"], f["pattern"], f["description"]) for f in items]
        )

    @staticmethod
    def _owned(session: Session, user_id: int, item_id: int) -> WardrobeItem:
        item = session.scalar(
            select(WardrobeItem).where(WardrobeItem.id == item_id, WardrobeItem.user_id == user_id)
        )
        if item is None:
            raise NotFound(
                f"No wardrobe item {item_id}.", fix="GET /api/v1/wardrobe/items lists your items."
            )
        return item

    @staticmethod
    def _check_photos(session: Session, user_id: int, fields: dict[str, Any]) -> None:
        for key in ("image_sha256", "source_photo_sha256"):
            sha = fields.get(key)
            if sha and not photos.user_has_photo(session, user_id, sha):
                # 404, like any id that is not the caller's: the request itself is well formed
                raise NotFound(
                    f"{key} {sha} is not one of your photos.",
                    fix="Upload it first: POST /api/v1/wardrobe/photos.",
                )

    @staticmethod
    def _set_colors(item: WardrobeItem, colors: list[str]) -> None:
        unique = list(dict.fromkeys(c.strip().lower() for c in colors if c.strip()))
        item.color_rows = [ItemColor(color=c, position=i) for i, c in enumerate(unique)]

    # ---- items ---------------------------------------------------------------------

    def create(self, user_id: int, fields: dict[str, Any]) -> dict[str, Any]:
        return self.create_many(user_id, [fields])[0]

    def create_many(
        self,
        user_id: int,
        items: Sequence[dict[str, Any]],
        *,
        new_photos: Sequence[tuple[bytes, str]] = (),
        vectors: Sequence[dict[Space, np.ndarray]] = (),
        also: Callable[[Session], None] | None = None,
    ) -> list[dict[str, Any]]:
        """Store ``new_photos`` (bytes, content type) and ``items`` in ONE transaction: all of
        them, or (on any error) none. ``vectors[i]`` are item i's embeddings in further
        spaces (e.g. image embeddings) beside its text one; ``also`` runs last in the
        same transaction (e.g. to record the analysis the items came from)."""
        texts = self._vectors(items)
        for fields in items:  # any embedding a slot needs, before the transaction
            self.taxonomy.resolve(fields["category"])
        with self.db.session() as s:
            for data, content_type in new_photos:
                photos.put_photo(s, user_id, data, content_type)
            out = []
            for i, fields in enumerate(items):
                self._check_photos(s, user_id, fields)
                item = WardrobeItem(
                    user_id=user_id, **{k: v for k, v in fields.items() if k != "colors"}
                )
                self._set_colors(item, fields["colors"])
                s.add(item)
                s.flush()
                changes.upsert_embedding(s, self.embedder.space, item.id, user_id, texts[i])
                for space, vector in (vectors[i] if i < len(vectors) else {}).items():
                    changes.upsert_embedding(s, space, item.id, user_id, vector)
                out.append(item_dict(item, self.taxonomy))
            if also is not None:
                also(s)
        self.index.sync()
        return out

    def get(self, user_id: int, item_id: int) -> dict[str, Any]:
        with self.db.session() as s:
            return item_dict(self._owned(s, user_id, item_id), self.taxonomy)

    def list(
        self,
        user_id: int,
        *,
        category: str | None = None,
        color: str | None = None,
        pattern: str | None = None,
        text: str | None = None,
        slot: str | None = None,
        colour_family: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> dict[str, Any]:
        """``category`` is any word: its slot's items ("t-shirt": every top), or, for a word
        no slot knows, that exact category; ``slot`` and ``colour_family`` filter by the
        taxonomy (:mod:`aura.taxonomy`)."""
        query = select(WardrobeItem).where(WardrobeItem.user_id == user_id)
        slots = {Slot(slot)} if slot else set()
        if category:
            word = category.strip().lower()
            resolved = self.taxonomy.slot(word)
            if resolved is Slot.OTHER:
                query = query.where(WardrobeItem.category == word)
            else:
                slots.add(resolved)
        if len(slots) > 1:
            query = query.where(false())  # two different slots asked for: nothing is both
        elif slots:
            (wanted,) = slots
            with self.db.session() as s:
                listed = item_slots.categories(s, user_id)
            ids = [i for i, c in listed if self.taxonomy.slot(c) is wanted]
            query = query.where(WardrobeItem.id.in_(ids))
        if colour_family:
            with self.db.session() as s:
                listed = item_slots.colours(s, user_id)
            family = colour_family.strip().lower()
            ids = sorted({i for i, c in listed if _family(c) == family})
            query = query.where(WardrobeItem.id.in_(ids))
        if pattern:
            query = query.where(WardrobeItem.pattern == pattern.strip().lower())
        if color:
            query = query.where(
                WardrobeItem.id.in_(
                    select(ItemColor.item_id).where(ItemColor.color == color.strip().lower())
                )
            )
        if text:
            needle = f"%{text.strip().lower()}%"
            query = query.where(
                or_(
                    func.lower(WardrobeItem.description).like(needle),
                    WardrobeItem.category.like(needle),
                )
            )
        with self.db.session() as s:
            total = s.scalar(select(func.count()).select_from(query.subquery()))
            rows = s.scalars(query.order_by(WardrobeItem.id).limit(limit).offset(offset)).all()
            return {
                "items": [item_dict(r, self.taxonomy) for r in rows],
                "total": total,
                "limit": limit,
                "offset": offset,
            }

    def update(self, user_id: int, item_id: int, patch: dict[str, Any]) -> dict[str, Any]:
        if "category" in patch:  # any embedding a slot needs, before the transaction
            self.taxonomy.resolve(patch["category"])
        with self.db.session() as s:
            current = item_dict(self._owned(s, user_id, item_id), self.taxonomy)
        merged = {**current, **patch}
        embed = any(k in patch and patch[k] != current[k] for k in TEXT_FIELDS)
        vector = self._vectors([merged])[0] if embed else None
        with self.db.session() as s:
            item = self._owned(s, user_id, item_id)
            self._check_photos(s, user_id, patch)
            for key, value in patch.items():
                if key == "colors":
                    self._set_colors(item, value)
                else:
                    setattr(item, key, value)
            s.flush()
            if vector is not None:
                changes.upsert_embedding(s, self.embedder.space, item.id, user_id, vector)
            out = item_dict(item, self.taxonomy)
        self.index.sync()
        return out

    def delete(self, user_id: int, item_id: int) -> None:
        with self.db.session() as s:
            item = self._owned(s, user_id, item_id)
            s.delete(item)
            s.flush()
            changes.tombstone_item(s, item_id)
        self.index.sync()

    def search(self, user_id: int, query: str, k: int = 10) -> list[dict[str, Any]]:
        """The user's items nearest to ``query`` (cosine similarity of item sentences)."""
        vector = self.embedder.embed([query])
        with self.db.session() as s:
            own = s.scalars(select(WardrobeItem.id).where(WardrobeItem.user_id == user_id)).all()
        if not own:
            return []
        hits = self.index.search(vector, k, np.asarray(own, dtype=np.int64), user_id=user_id)
        with self.db.session() as s:
            rows = {
                r.id: r
                for r in s.scalars(
                    select(WardrobeItem).where(
                        WardrobeItem.user_id == user_id, WardrobeItem.id.in_([i for i, _ in hits])
                    )
                )
            }
            return [
                {"item": item_dict(rows[i], self.taxonomy), "score": round(score, 6)}
                for i, score in hits
                if i in rows
            ]

    # ---- photos --------------------------------------------------------------------

    def add_photo(self, user_id: int, data: bytes, content_type: str) -> str:
        with self.db.session() as s:
            return photos.put_photo(s, user_id, data, content_type)

    def photo(self, user_id: int, sha: str) -> tuple[bytes, str]:
        with self.db.session() as s:
            found = photos.get_photo(s, user_id, sha)
            if found is None:
                raise NotFound(f"No photo {sha}.", fix="Upload it: POST /api/v1/wardrobe/photos.")
            return found.content, found.content_type
