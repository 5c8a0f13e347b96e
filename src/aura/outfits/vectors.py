"""The trained outfit model's retrieval space for database wardrobe items.

Each item's retrieval-space vector (the model's item embedding) is computed once per item
and model revision and stored in the embedding table (``item_embeddings``) under the
model's :class:`~aura.storage.changes.Space` (model id + the weights' sha256 + dimension);
a FAISS index of that space (:class:`~aura.storage.index_manager.IndexManager`, its own
folder and manifest) answers complete-the-outfit searches.

* Lazily: an item gets its vector the first time the service needs it (a new item, or every
  item after a new model lands); no request recomputes a stored one.
* Versioned: a vector is stored with the ``updated_at`` of the item version it was computed
  from, so an edited item (new photo, new colours) is recomputed.
* A new model revision is a new space: the old vectors are ignored (its index, another
  folder, is never loaded), the new ones computed as above.
* Deleted items: the wardrobe tombstones every space's vector of a deleted item, and every
  search is restricted to ids of rows that exist now, so a deleted item is never returned.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
from prometheus_client import Counter
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from aura.storage import changes
from aura.storage.schema import ItemEmbedding
from aura.storage.schema import WardrobeItem as ItemRow

if TYPE_CHECKING:
    from aura.config import Settings
    from aura.layout import DataTree
    from aura.outfits.inference import OutfitInference
    from aura.outfits.scorer import WardrobeItem
    from aura.storage.db import Database
    from aura.storage.index_manager import IndexManager

COMPUTED = Counter(
    "aura_outfit_item_vectors_computed_total",
    "Wardrobe item vectors the outfit model computed and stored in its retrieval space",
)
MAX_KNOWN = 500_000


class OutfitVectors:
    def __init__(self, db: Database, index: IndexManager, model: OutfitInference) -> None:
        if index.space != model.space:
            raise ValueError(f"index space {index.space.key} is not {model.space.key}")
        self.db, self.index, self.model = db, index, model
        self.space = model.space
        self.computed = 0  # vectors this process computed (also the Prometheus counter)
        self._lock = threading.Lock()
        self._known: dict[int, datetime] = {}  # item id → version whose vector is stored

    @classmethod
    def open(
        cls, db: Database, tree: DataTree, settings: Settings, model: OutfitInference
    ) -> OutfitVectors:
        """Load (or build from the database) the space's index and catch up."""
        from aura.storage.index_manager import IndexManager

        index = IndexManager(db, tree, settings, model.space)
        index.open()
        return cls(db, index, model)

    def close(self) -> None:
        self.index.close()

    # ---- keeping vectors ---------------------------------------------------------------

    def stale(self, versions: Mapping[int, datetime]) -> list[int]:
        """The ids (of ``{item id: updated_at}``) with no vector for that item version.

        Versions known to be stored are remembered, so a warm wardrobe costs no query: a
        stored (item, version) vector never changes (an edit is a new version)."""
        unknown = [i for i, version in versions.items() if self._known.get(i) != version]
        if not unknown:
            return []
        with self.db.session() as s:
            stored = dict(
                s.execute(
                    select(ItemEmbedding.item_id, ItemEmbedding.updated_at).where(
                        ItemEmbedding.space == self.space.key,
                        ~ItemEmbedding.deleted,
                        ItemEmbedding.item_id.in_(unknown),
                    )
                ).all()
            )
        self._remember({i: versions[i] for i in unknown if stored.get(i) == versions[i]})
        return [i for i in unknown if stored.get(i) != versions[i]]

    def _remember(self, versions: Mapping[int, datetime]) -> None:
        if len(self._known) + len(versions) > MAX_KNOWN:
            self._known.clear()
        self._known.update(versions)

    def ensure(
        self,
        versions: Mapping[int, datetime],
        load: Callable[[list[int]], tuple[list[ItemRow], list[WardrobeItem]]],
    ) -> int:
        """Compute and store the vectors these item versions lack; returns how many.

        ``load(ids)`` returns the rows that still exist and their scorer items (with image
        features); each vector is stored with the version of the row it came from."""
        with self._lock:  # two requests for one wardrobe compute it once
            todo = self.stale(versions)
            if not todo:
                return 0
            rows, items = load(todo)
            if rows:
                self._store(rows, self.model.embed_items(items))
                self._remember({r.id: r.updated_at for r in rows})
            self.computed += len(rows)
            COMPUTED.inc(len(rows))
        self.index.sync()
        return len(rows)

    def _store(self, rows: list[ItemRow], vectors: np.ndarray) -> None:
        for attempt in (1, 2):
            try:
                with self.db.session() as s:
                    alive = set(
                        s.scalars(select(ItemRow.id).where(ItemRow.id.in_([r.id for r in rows])))
                    )
                    for row, vector in zip(rows, vectors, strict=True):
                        if row.id in alive:  # deleted meanwhile: nothing to keep
                            changes.upsert_embedding(
                                s,
                                self.space,
                                row.id,
                                row.user_id,
                                vector,
                                updated_at=row.updated_at,
                            )
                return
            except IntegrityError:  # another process stored one first; now it is an update
                if attempt == 2:
                    raise

    # ---- searching ---------------------------------------------------------------------

    def nearest(
        self, query: np.ndarray, allowed: Sequence[int], k: int, *, user_id: int | None = None
    ) -> list[tuple[int, float]]:
        """(item id, cosine similarity) of the ``k`` nearest among ``allowed`` ids (of the
        user's partition of the index)."""
        if not allowed or k < 1:
            return []
        return self.index.search(
            np.asarray(query, np.float32)[None, :],
            k,
            np.asarray(allowed, dtype=np.int64),
            user_id=user_id,
        )
