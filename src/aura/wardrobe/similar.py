"""Items like this one: nearest neighbours of an item's own vector in the user's wardrobe.

An item saved from a photo has an image embedding (EfficientNet-Lite0 pooled features, its
own space in ``item_embeddings``): "looks like" is searched there, through that space's
FAISS index (opened on first use, loaded from its snapshot or rebuilt from the database like
every index), among the user's other photographed items. An item typed by hand, or a photo
with no other photographed items to compare with, is searched by its text embedding in the
wardrobe's text index. The answer names the space it used.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import select

from aura.errors import NotFound
from aura.storage.changes import Space
from aura.storage.index_manager import IndexManager
from aura.storage.schema import ItemEmbedding, WardrobeItem
from aura.vision.weights import IMAGE_SPACE_MODEL
from aura.wardrobe.service import item_dict

if TYPE_CHECKING:
    from aura.config import Settings
    from aura.layout import DataTree
    from aura.storage.db import Database


class SimilarItems:
    def __init__(
        self, db: Database, tree: DataTree, settings: Settings, text_index: IndexManager
    ) -> None:
        self.db, self.tree, self.settings = db, tree, settings
        self.text_index = text_index
        self._indexes: dict[str, IndexManager] = {text_index.space.key: text_index}
        self._lock = threading.Lock()

    def _index(self, space: Space) -> IndexManager:
        with self._lock:
            index = self._indexes.get(space.key)
            if index is None:
                index = IndexManager(self.db, self.tree, self.settings, space)
                index.open()
                self._indexes[space.key] = index
            return index

    def _queries(self, user_id: int, item_id: int) -> tuple[list[ItemEmbedding], list[int]]:
        """The item's vectors to search with (newest image one first, then its text one)
        and the user's other item ids."""
        with self.db.session() as s:
            own = set(s.scalars(select(WardrobeItem.id).where(WardrobeItem.user_id == user_id)))
            if item_id not in own:
                raise NotFound(
                    f"No wardrobe item {item_id}.",
                    fix="GET /api/v1/wardrobe/items lists your items.",
                )
            rows = s.scalars(
                select(ItemEmbedding)
                .where(
                    ItemEmbedding.item_id == item_id,
                    ItemEmbedding.deleted.is_(False),
                    ItemEmbedding.vector.is_not(None),
                )
                .order_by(ItemEmbedding.seq.desc())
            ).all()
            s.expunge_all()
        image = [r for r in rows if r.model_id == IMAGE_SPACE_MODEL][:1]
        text = [r for r in rows if r.space == self.text_index.space.key][:1]
        if not image and not text:
            raise NotFound(
                f"Wardrobe item {item_id} has no embedding yet.",
                fix="Retry in a moment; an item is embedded when it is saved.",
            )
        return [*image, *text], sorted(own - {item_id})

    def similar(self, user_id: int, item_id: int, k: int = 10) -> dict[str, Any]:
        """Nearest by the photo when other photographed items exist, else by description."""
        queries, others = self._queries(user_id, item_id)
        hits: list[tuple[int, float]] = []
        for row in queries:
            space = Space(row.model_id, row.model_revision, row.dimension)
            vector = np.frombuffer(row.vector or b"", dtype=np.float32, count=row.dimension)
            if others:
                allowed = np.asarray(others, dtype=np.int64)
                hits = self._index(space).search(vector.reshape(1, -1), k, allowed, user_id=user_id)
            if hits:
                break
        kind = "text" if space == self.text_index.space else "image"
        with self.db.session() as s:
            rows = {
                r.id: r
                for r in s.scalars(
                    select(WardrobeItem).where(
                        WardrobeItem.user_id == user_id,
                        WardrobeItem.id.in_([i for i, _ in hits]),
                    )
                )
            }
            results = [
                {"item": item_dict(rows[i]), "score": round(score, 6)}
                for i, score in hits
                if i in rows
            ]
        return {"item_id": item_id, "space": kind, "space_key": space.key, "results": results}

    def close(self) -> None:
        """Close the indexes this opened (the text index belongs to the wardrobe)."""
        with self._lock:
            for key, index in self._indexes.items():
                if key != self.text_index.space.key:
                    index.close()
            self._indexes = {self.text_index.space.key: self.text_index}
