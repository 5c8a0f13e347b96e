"""The item index of one embedding space, as per-user partitions (:mod:`.partitions`).

The database is the source of truth (``item_embeddings`` and its change sequence); this is
a replica's cache of it. :meth:`IndexManager.open` reads one small manifest, whatever the
number of users. A user's partition is loaded on first use — from its snapshot when that
verifies, else rebuilt from the database with a log line saying why — and caught up with
that user's changes before every search (one index range scan of the user's rows), so an
acknowledged write is searchable from every replica at once. Least recently used
partitions are evicted above ``AURA_INDEX_MEMORY_MB``.

The process holding the folder's :class:`~aura.storage.locks.DirectoryLock` is its one
writer: it writes partitions with unsaved changes in the background, every
``snapshot_changes`` changes or ``snapshot_seconds`` after the first unsaved change, on
eviction and at shutdown. A process that finds the lock held (a second server on the same
folder) serves as a reader: it reads the snapshots and never writes the folder. Every
process also follows the change sequence's (seq, user) headers in the background to
refresh the partitions it holds.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import numpy as np
from sqlalchemy import distinct, select

from aura.config import Settings
from aura.errors import LockHeld
from aura.layout import DataTree
from aura.storage import changes
from aura.storage.changes import Space
from aura.storage.db import Database
from aura.storage.locks import DirectoryLock
from aura.storage.partitions import (
    Partition,
    PartitionAbsent,
    PartitionCache,
    PartitionStore,
)
from aura.storage.schema import ItemEmbedding
from aura.storage.vectors import SnapshotInvalid

log = logging.getLogger("aura.index")


class IndexManager:
    def __init__(self, db: Database, tree: DataTree, settings: Settings, space: Space) -> None:
        self.db, self.settings, self.space = db, settings, space
        self.folder = tree.index_dir(space.slug)
        self.lock = DirectoryLock(self.folder, "vector index writer")
        self.store = PartitionStore(self.folder, space)
        self.cache = PartitionCache(settings.index_memory_mb * 1024 * 1024, self._evicted)
        self.writer = False
        self.opened = False
        self.how: str | None = None
        self.last_seq = 0  # the change sequence followed up to here (headers)
        self.counts = {"loaded": 0, "rebuilt": 0, "built_new": 0, "saved": 0}
        self._loading: dict[int, threading.Lock] = {}
        self._loading_lock = threading.Lock()
        self._follow_lock = threading.Lock()
        self._pending: dict[int, Partition] = {}  # evicted with unsaved changes (writer)
        self._first_unsaved: float | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- start-up --------------------------------------------------------------------

    def open(self, *, writer_required: bool = False, background: bool = True) -> str:
        """Check the folder's manifest (one small file) and start following the database;
        returns what happened, also logged."""
        try:
            self.lock.acquire()
            self.writer = True
            for stale in self.folder.rglob(".*.tmp"):  # a snapshot killed mid-write
                stale.unlink(missing_ok=True)
        except LockHeld as exc:
            if writer_required:
                raise
            log.warning(
                "index folder has another writer; serving read-only", extra={"reason": exc.message}
            )
        self.last_seq = changes.last_seq(self.db, self.space)
        try:
            manifest = self.store.check()
            self.how = (
                f"loaded snapshot ({manifest.get('partitions', 0)} partitions, "
                f"{manifest.get('count', 0)} vectors in {self.store.shards} shards; each "
                "partition loads and catches up on first use)"
            )
        except SnapshotInvalid as exc:
            log.warning(
                "index snapshot unusable, rebuilding from the database",
                extra={"folder": str(self.folder), "reason": str(exc)},
            )
            if self.writer:
                self.store.reset()
            self.how = (
                f"rebuilt from the database because {exc} (every partition is rebuilt from "
                "the database on first use)"
            )
        self.opened = True
        log.info(
            "index ready",
            extra={
                "how": self.how,
                "folder": str(self.folder),
                "last_seq": self.last_seq,
                "writer": self.writer,
                "memory_budget_mb": self.settings.index_memory_mb,
            },
        )
        if background:
            self._thread = threading.Thread(target=self._loop, name="aura-index", daemon=True)
            self._thread.start()
        return self.how

    # ---- partitions --------------------------------------------------------------------

    def _approximate_above(self) -> int | None:
        kind = self.settings.index_type
        if kind == "flat":
            return None
        return 0 if kind == "ivf" else self.settings.index_flat_max

    def _make(
        self, user_id: int, ids: np.ndarray, vecs: np.ndarray, seq: int, adopt: bool = False
    ) -> Partition:
        return Partition(
            self.space,
            user_id,
            ids,
            vecs,
            seq,
            approximate_above=self._approximate_above(),
            nprobe=self.settings.index_nprobe,
            adopt=adopt,
        )

    def _load(self, user_id: int) -> Partition:
        """From the snapshot if it verifies, else from the database (logged, and why)."""
        try:
            ids, vecs, seq = self.store.load(user_id, self.cache.make_room)  # room first
            part = self._make(user_id, ids, vecs, seq, adopt=True)
            self.counts["loaded"] += 1
        except SnapshotInvalid as exc:
            if isinstance(exc, PartitionAbsent):
                log.debug("partition built from the database", extra={"user_id": user_id})
                self.counts["built_new"] += 1
            else:
                log.warning(
                    "partition snapshot unusable, rebuilding from the database",
                    extra={"folder": str(self.folder), "user_id": user_id, "reason": str(exc)},
                )
                self.counts["rebuilt"] += 1
            ids, vecs, seq = changes.user_vectors(self.db, self.space, user_id)
            part = self._make(user_id, ids, vecs, seq)
            part.unsaved = max(1, len(ids))  # the snapshot lacks it: save it
            self._note_unsaved()
        return part

    def partition(self, user_id: int) -> Partition:
        """The user's partition, loaded on first use (one loader per user at a time)."""
        part = self.cache.get(user_id)
        if part is not None:
            return part
        with self._loading_lock:
            gate = self._loading.setdefault(user_id, threading.Lock())
        with gate:
            part = self.cache.get(user_id)
            if part is None:
                part = self.cache.put(self._load(user_id))
        with self._loading_lock:
            self._loading.pop(user_id, None)
        return part

    def current(self, user_id: int) -> Partition:
        """The user's partition, loaded and caught up with the database."""
        part = self.partition(user_id)
        self._catch_up(part)
        return part

    def _catch_up(self, part: Partition) -> int:
        batch = changes.user_changes_after(self.db, self.space, part.user_id, part.last_seq)
        if not batch:
            return 0
        before = part.nbytes
        applied = part.apply(batch)
        if applied:
            self.cache.resized(part, before)
            self._note_unsaved()
        return applied

    def _note_unsaved(self) -> None:
        if self._first_unsaved is None:
            self._first_unsaved = time.monotonic()
        if self.unsaved_changes() >= self.settings.index_snapshot_changes:
            self._wake.set()

    # ---- following the database ------------------------------------------------------

    def sync(self, user_id: int | None = None) -> int:
        """Apply the database's new changes: of that user's partition, or (no user) of
        every partition held here whose user changed since the last call."""
        if user_id is not None:
            part = self.cache.get(user_id)
            return 0 if part is None else self._catch_up(part)
        applied = 0
        with self._follow_lock:
            while True:
                heads = changes.users_changed_after(self.db, self.space, self.last_seq)
                if not heads:
                    break
                for user in sorted({u for _, u in heads}):
                    part = self.cache.get(user)
                    if part is not None:
                        applied += self._catch_up(part)
                self.last_seq = heads[-1][0]
        return applied

    def search(
        self,
        query: np.ndarray,
        k: int,
        allowed: np.ndarray | None,
        *,
        user_id: int | None = None,
    ) -> list[tuple[int, float]]:
        """The ``k`` nearest of the user's vectors, restricted to ``allowed`` ids if given,
        after catching up with the user's changes (read-your-writes on every replica).
        Without ``user_id`` the user is the owner of ``allowed``'s first id."""
        if user_id is None:
            if allowed is None or len(allowed) == 0:
                raise ValueError("a search names its user (user_id=) or the ids it may return")
            owner = changes.owner_of(self.db, self.space, int(allowed[0]))
            if owner is None:
                return []
            user_id = owner
        return self.current(user_id).search(query, k, allowed)

    # ---- snapshots -------------------------------------------------------------------

    def unsaved_changes(self) -> int:
        return sum(p.unsaved for p in self.cache.partitions()) + sum(
            p.unsaved for p in self._pending.values()
        )

    def _evicted(self, part: Partition) -> None:
        if self.writer and part.unsaved:
            self._pending[part.user_id] = part
            self._wake.set()

    def snapshot(self) -> dict[str, Any]:
        """Write every partition with unsaved changes (writer); returns the folder manifest."""
        assert self.writer
        pending, self._pending = self._pending, {}
        dirty = [p for p in self.cache.partitions() if p.unsaved] + list(pending.values())
        began = time.perf_counter()
        taken = [(p, p.unsaved, p.arrays()) for p in dirty]
        written = self.store.save((p.user_id, *arrays) for p, _, arrays in taken)
        for part, unsaved, _ in taken:
            with part.lock:
                part.unsaved -= unsaved
        self.counts["saved"] += written
        self._first_unsaved = time.monotonic() if self.unsaved_changes() else None
        manifest = self.store.top() or {}
        if written:
            log.info(
                "index snapshot written",
                extra={
                    "folder": str(self.folder),
                    "partitions_written": written,
                    "partitions": manifest.get("partitions"),
                    "count": manifest.get("count"),
                    "seconds": round(time.perf_counter() - began, 3),
                },
            )
        return manifest

    def rebuild(self) -> dict[str, Any]:
        """Rebuild every user's partition from the database and snapshot it (writer)."""
        if not self.writer:
            self.lock.acquire()
            self.writer = True
        self.store.reset()
        self.cache.drop_all()
        self._pending.clear()
        with self.db.sessions() as s:
            users = s.scalars(
                select(distinct(ItemEmbedding.user_id)).where(ItemEmbedding.space == self.space.key)
            ).all()
        batch: list[tuple[int, np.ndarray, np.ndarray, int]] = []
        for user in users:
            ids, vecs, seq = changes.user_vectors(self.db, self.space, int(user))
            batch.append((int(user), ids, vecs, seq))
            if len(batch) >= 256:
                self.store.save(batch)
                batch = []
        self.store.save(batch)
        self.how = "rebuilt on request"
        manifest = self.store.top() or {}
        log.info(
            "index rebuilt",
            extra={"partitions": manifest.get("partitions"), "count": manifest.get("count")},
        )
        return manifest

    def _due(self) -> bool:
        unsaved = self.unsaved_changes()
        if not unsaved or self._first_unsaved is None:
            return False
        return (
            unsaved >= self.settings.index_snapshot_changes
            or time.monotonic() - self._first_unsaved >= self.settings.index_snapshot_seconds
        )

    def _take_over(self) -> None:
        """A reader becomes the folder's writer once the writer is gone (killed, stopped)."""
        try:
            self.lock.acquire()
        except LockHeld:
            return
        self.writer = True
        try:
            self.store.check()
        except SnapshotInvalid:
            self.store.reset()
        log.info("index folder's writer is gone; this process writes it now",
                 extra={"folder": str(self.folder)})  # fmt: skip

    def _loop(self) -> None:
        tick = min(1.0, self.settings.index_snapshot_seconds)
        next_try = time.monotonic() + 10
        while not self._stop.is_set():
            self._wake.wait(tick)
            self._wake.clear()
            try:
                if not self.writer and time.monotonic() >= next_try:
                    next_try = time.monotonic() + 10
                    self._take_over()
                self.sync()  # follows writes made by other processes too
                if self.writer and (self._pending or self._due()):
                    self.snapshot()
            except Exception:  # keep serving (the database may be restarting); retry
                log.warning("index background sync/snapshot failed; retrying", exc_info=True)
                self._stop.wait(2)

    def status(self) -> dict[str, Any]:
        parts = self.cache.partitions()
        return {
            "folder": str(self.folder),
            "space": self.space.key,
            "writer": self.writer,
            "how": self.how,
            "type": "partitioned",
            "count": sum(p.n for p in parts),
            "partitions_loaded": len(parts),
            "memory_bytes": self.cache.nbytes,
            "memory_budget_bytes": self.cache.budget,
            "evictions": self.cache.evictions,
            "partition_loads": dict(self.counts),
            "last_seq": self.last_seq,
            "unsaved_changes": self.unsaved_changes(),
            "manifest": {k: v for k, v in (self.store.top() or {}).items() if k != "shard_counts"},
        }

    def close(self) -> None:
        """Stop the background thread, save unsaved changes, release the lock."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(30)
        try:
            if self.writer and self.opened and self.unsaved_changes():
                self.snapshot()
        finally:
            if self.writer:
                self.lock.release()
                self.writer = False
