"""Item embeddings and their change sequence: the database side of the vector index.

Every upsert and every delete of an embedding takes the next value of the
``item_embeddings`` counter with ``UPDATE ... RETURNING`` as the *last* statement of its
transaction. The counter row stays locked until commit (PostgreSQL row lock; SQLite has
one writer anyway), so transactions commit in sequence order and there are no gaps:
a reader that has applied every change up to ``seq`` can read "changes after ``seq``"
and never miss a transaction that committed late.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from aura.storage.db import Database
from aura.storage.schema import ChangeCounter, ItemEmbedding, utcnow

COUNTER = "item_embeddings"


@dataclass(frozen=True)
class Space:
    """An embedding space: vectors from one model revision, comparable with each other."""

    model_id: str
    revision: str
    dimension: int

    @property
    def key(self) -> str:
        return f"{self.model_id}@{self.revision}/{self.dimension}"

    @property
    def slug(self) -> str:
        """A folder-safe name for the space."""
        return "".join(c if c.isalnum() or c in "-." else "_" for c in self.key)


@dataclass(frozen=True)
class Change:
    seq: int
    item_id: int
    user_id: int
    vector: np.ndarray | None  # None: the item is gone


def next_seq(session: Session) -> int:
    """Allocate the next change number; call it last in the transaction (see module doc)."""
    value = session.execute(
        update(ChangeCounter)
        .where(ChangeCounter.name == COUNTER)
        .values(value=ChangeCounter.value + 1)
        .returning(ChangeCounter.value)
    ).scalar_one()
    return int(value)


def _row(session: Session, space: Space, item_id: int, user_id: int) -> ItemEmbedding | None:
    return session.scalar(
        select(ItemEmbedding).where(
            ItemEmbedding.user_id == user_id,
            ItemEmbedding.space == space.key,
            ItemEmbedding.item_id == item_id,
        )
    )


def upsert_embedding(
    session: Session,
    space: Space,
    item_id: int,
    user_id: int,
    vector: np.ndarray,
    *,
    updated_at: datetime | None = None,
) -> int:
    """Record the item's vector in the caller's transaction; returns its change number.

    ``updated_at`` (default now) may name the version of the item the vector was computed
    from (its ``updated_at``), so a reader can tell a vector of an edited item is stale."""
    data = np.ascontiguousarray(vector, dtype=np.float32)
    if data.shape != (space.dimension,):
        raise ValueError(f"vector shape {data.shape} is not ({space.dimension},)")
    row = _row(session, space, item_id, user_id)
    seq = next_seq(session)
    if row is None:
        row = ItemEmbedding(
            space=space.key,
            item_id=item_id,
            user_id=user_id,
            model_id=space.model_id,
            model_revision=space.revision,
            dimension=space.dimension,
            seq=seq,
        )
        session.add(row)
    row.vector, row.deleted, row.seq = data.tobytes(), False, seq
    row.updated_at = updated_at or utcnow()
    session.flush()
    return seq


def insert_new_embeddings(
    session: Session, space: Space, user_id: int, item_ids: list[int], vectors: np.ndarray
) -> int:
    """Record vectors of items that have none yet (a bulk import), in the caller's
    transaction, with one block of consecutive change numbers; returns the last one.

    The block comes from one ``UPDATE ... RETURNING`` that holds the counter row until
    commit, like :func:`next_seq`, so the no-gaps ordering of the module doc holds.
    """
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    if data.shape != (len(item_ids), space.dimension):
        raise ValueError(f"vectors shape {data.shape} is not ({len(item_ids)}, {space.dimension})")
    if not item_ids:
        return 0
    last = int(
        session.execute(
            update(ChangeCounter)
            .where(ChangeCounter.name == COUNTER)
            .values(value=ChangeCounter.value + len(item_ids))
            .returning(ChangeCounter.value)
        ).scalar_one()
    )
    first, now = last - len(item_ids) + 1, utcnow()
    session.execute(
        insert(ItemEmbedding),
        [
            {
                "space": space.key,
                "item_id": item_id,
                "user_id": user_id,
                "model_id": space.model_id,
                "model_revision": space.revision,
                "dimension": space.dimension,
                "vector": data[i].tobytes(),
                "deleted": False,
                "seq": first + i,
                "updated_at": now,
            }
            for i, item_id in enumerate(item_ids)
        ],
    )
    return last


def tombstone_item(session: Session, item_id: int) -> list[int]:
    """Mark the item's embeddings (every space) deleted; returns the change numbers."""
    rows = session.scalars(
        select(ItemEmbedding).where(ItemEmbedding.item_id == item_id, ~ItemEmbedding.deleted)
    ).all()
    seqs = []
    for row in rows:
        seq = next_seq(session)
        row.vector, row.deleted, row.seq, row.updated_at = None, True, seq, utcnow()
        seqs.append(seq)
    session.flush()
    return seqs


def last_seq(db: Database, space: Space) -> int:
    with db.session() as s:
        return int(
            s.scalar(
                select(func.coalesce(func.max(ItemEmbedding.seq), 0)).where(
                    ItemEmbedding.space == space.key
                )
            )
        )


def _vector(blob: bytes | None, dimension: int) -> np.ndarray | None:
    if blob is None:
        return None
    return np.frombuffer(blob, dtype=np.float32, count=dimension)


def changes_after(db: Database, space: Space, seq: int, limit: int = 5000) -> list[Change]:
    """Changes with a number above ``seq``, in order (at most ``limit``)."""
    with db.sessions() as s:
        rows = s.execute(
            select(
                ItemEmbedding.seq,
                ItemEmbedding.item_id,
                ItemEmbedding.user_id,
                ItemEmbedding.vector,
                ItemEmbedding.deleted,
            )
            .where(ItemEmbedding.space == space.key, ItemEmbedding.seq > seq)
            .order_by(ItemEmbedding.seq)
            .limit(limit)
        ).all()
    return [
        Change(r[0], r[1], r[2], None if r[4] else _vector(r[3], space.dimension)) for r in rows
    ]


def live_vectors(
    db: Database, space: Space, batch: int = 20_000
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Every live (id, vector) of the space, in batches ordered by item id."""
    after = -1
    while True:
        with db.sessions() as s:
            rows = s.execute(
                select(ItemEmbedding.item_id, ItemEmbedding.vector)
                .where(
                    ItemEmbedding.space == space.key,
                    ~ItemEmbedding.deleted,
                    ItemEmbedding.item_id > after,
                )
                .order_by(ItemEmbedding.item_id)
                .limit(batch)
            ).all()
        if not rows:
            return
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        vecs = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(
            len(rows), space.dimension
        )
        yield ids, vecs
        after = int(ids[-1])


# ---- one user's partition (index ix_item_embeddings_space_user_seq) ----------------------


def user_changes_after(db: Database, space: Space, user_id: int, seq: int) -> list[Change]:
    """The user's changes with a number above ``seq``, in order: the catch-up of one
    partition, an index range scan over that user's rows only."""
    with db.sessions() as s:
        rows = s.execute(
            select(
                ItemEmbedding.seq,
                ItemEmbedding.item_id,
                ItemEmbedding.vector,
                ItemEmbedding.deleted,
            )
            .where(
                ItemEmbedding.space == space.key,
                ItemEmbedding.user_id == user_id,
                ItemEmbedding.seq > seq,
            )
            .order_by(ItemEmbedding.seq)
        ).all()
    return [
        Change(r[0], r[1], user_id, None if r[3] else _vector(r[2], space.dimension)) for r in rows
    ]


def user_vectors(db: Database, space: Space, user_id: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The user's live (ids, vectors) and the number of the user's newest change they
    reflect, read in one statement (one consistent view: changes commit in number order,
    so every change of the user up to that number is in it)."""
    with db.sessions() as s:
        rows = s.execute(
            select(ItemEmbedding.item_id, ItemEmbedding.vector, ItemEmbedding.seq)
            .where(ItemEmbedding.space == space.key, ItemEmbedding.user_id == user_id)
            .order_by(ItemEmbedding.item_id)
        ).all()
    upto = max((int(r[2]) for r in rows), default=0)
    live = [r for r in rows if r[1] is not None]
    ids = np.fromiter((r[0] for r in live), dtype=np.int64, count=len(live))
    vecs = np.frombuffer(b"".join(r[1] for r in live), dtype=np.float32).reshape(
        len(live), space.dimension
    )
    return ids, vecs, upto


def users_changed_after(
    db: Database, space: Space, seq: int, limit: int = 5000
) -> list[tuple[int, int]]:
    """(seq, user_id) of the changes above ``seq``, in order, without their vectors: what a
    replica follows to refresh the partitions it holds."""
    with db.sessions() as s:
        rows = s.execute(
            select(ItemEmbedding.seq, ItemEmbedding.user_id)
            .where(ItemEmbedding.space == space.key, ItemEmbedding.seq > seq)
            .order_by(ItemEmbedding.seq)
            .limit(limit)
        ).all()
    return [(int(r[0]), int(r[1])) for r in rows]


def owner_of(db: Database, space: Space, item_id: int) -> int | None:
    """The user whose item this is (its embedding row outlives the item as a tombstone)."""
    with db.sessions() as s:
        value = s.scalar(
            select(ItemEmbedding.user_id).where(
                ItemEmbedding.space == space.key, ItemEmbedding.item_id == item_id
            )
        )
    return None if value is None else int(value)
