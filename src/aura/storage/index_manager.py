"""The item index of one embedding space: load or rebuild at start, catch up, snapshot.

The process holding the folder's :class:`~aura.storage.locks.DirectoryLock` is its one
writer: it writes snapshots in the background, every ``snapshot_changes`` changes or
``snapshot_seconds`` after the first unsaved change. A process that finds the lock held
(a second server on the same folder) serves as a reader: it loads the snapshot and
follows the database in memory, and never writes the folder. Both pull new changes from
the database before every search, so an acknowledged write is always searchable.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import numpy as np

from aura.config import Settings
from aura.errors import LockHeld
from aura.layout import DataTree
from aura.storage import changes
from aura.storage.changes import Space
from aura.storage.db import Database
from aura.storage.locks import DirectoryLock
from aura.storage.vectors import SnapshotInvalid, VectorIndex, choose_type, read_manifest

log = logging.getLogger("aura.index")


class IndexManager:
    def __init__(self, db: Database, tree: DataTree, settings: Settings, space: Space) -> None:
        self.db, self.settings, self.space = db, settings, space
        self.folder = tree.index_dir(space.slug)
        self.lock = DirectoryLock(self.folder, "vector index writer")
        self.writer = False
        self.index: VectorIndex | None = None
        self.how: str | None = None
        self._sync_lock = threading.Lock()
        self._unsaved = 0
        self._first_unsaved: float | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- start-up --------------------------------------------------------------------

    def open(self, *, writer_required: bool = False, background: bool = True) -> str:
        """Load (or rebuild) and catch up; returns what happened, also logged."""
        try:
            self.lock.acquire()
            self.writer = True
            for stale in self.folder.glob(".index-*.tmp"):  # a snapshot killed mid-write
                stale.unlink(missing_ok=True)
        except LockHeld as exc:
            if writer_required:
                raise
            log.warning(
                "index folder has another writer; serving read-only", extra={"reason": exc.message}
            )
        rebuilt = False
        try:
            self.index = VectorIndex.load(
                self.folder, self.space, nprobe=self.settings.index_nprobe
            )
            how = f"loaded snapshot ({self.index.count} vectors, seq {self.index.last_seq})"
        except SnapshotInvalid as exc:
            log.warning(
                "index snapshot unusable, rebuilding from the database",
                extra={"folder": str(self.folder), "reason": str(exc)},
            )
            self.index = self._build()
            how, rebuilt = f"rebuilt from the database because {exc}", True
        caught_up = self.sync()
        self.how = f"{how}; caught up {caught_up} change(s)"
        log.info(
            "index ready",
            extra={
                "how": self.how,
                "folder": str(self.folder),
                "count": self.index.count,
                "last_seq": self.index.last_seq,
                "writer": self.writer,
            },
        )
        if self.writer and (rebuilt or caught_up):
            self.snapshot()
        if self.writer and background:
            self._thread = threading.Thread(
                target=self._loop, name="aura-index-snapshot", daemon=True
            )
            self._thread.start()
        return self.how

    def _build(self) -> VectorIndex:
        """A fresh index from the database's live vectors (changes after it: see sync)."""
        began = time.perf_counter()
        upto = changes.last_seq(self.db, self.space)
        id_parts, vec_parts = [], []
        for ids, vecs in changes.live_vectors(self.db, self.space):
            id_parts.append(ids)
            vec_parts.append(vecs)
        dim = self.space.dimension
        ids = np.concatenate(id_parts) if id_parts else np.zeros(0, np.int64)
        vecs = np.concatenate(vec_parts) if vec_parts else np.zeros((0, dim), np.float32)
        kind = choose_type(len(ids), self.settings.index_type, self.settings.index_flat_max)
        index = VectorIndex.build(self.space, ids, vecs, upto, kind, self.settings.index_nprobe)
        log.info(
            "index built",
            extra={
                "count": index.count,
                "type": index.kind,
                "seconds": round(time.perf_counter() - began, 3),
            },
        )
        return index

    def rebuild(self) -> dict[str, Any]:
        """Rebuild from the database and snapshot it (writer only)."""
        if not self.writer:
            self.lock.acquire()
            self.writer = True
        self.index = self._build()
        self.sync()
        self.how = "rebuilt on request"
        return self.snapshot()

    # ---- following the database ------------------------------------------------------

    def sync(self) -> int:
        """Apply every committed change after the index's sequence number."""
        assert self.index is not None
        applied = 0
        with self._sync_lock:
            while True:
                batch = changes.changes_after(self.db, self.space, self.index.last_seq)
                if not batch:
                    break
                applied += self.index.apply(batch)
        if applied:
            if self._first_unsaved is None:
                self._first_unsaved = time.monotonic()
            self._unsaved += applied
            if self._unsaved >= self.settings.index_snapshot_changes:
                self._wake.set()
        return applied

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None
    ) -> list[tuple[int, float]]:
        assert self.index is not None
        self.sync()
        scores, ids = self.index.search(query, k, allowed)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    # ---- snapshots -------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        assert self.index is not None and self.writer
        unsaved = self._unsaved
        manifest = self.index.save(self.folder)
        self._unsaved -= unsaved
        self._first_unsaved = time.monotonic() if self._unsaved else None
        return manifest

    def _due(self) -> bool:
        if not self._unsaved or self._first_unsaved is None:
            return False
        return (
            self._unsaved >= self.settings.index_snapshot_changes
            or time.monotonic() - self._first_unsaved >= self.settings.index_snapshot_seconds
        )

    def _loop(self) -> None:
        tick = min(1.0, self.settings.index_snapshot_seconds)
        while not self._stop.is_set():
            self._wake.wait(tick)
            self._wake.clear()
            try:
                self.sync()  # follows writes made by other processes too
                if self._due():
                    self.snapshot()
            except Exception:  # keep serving; the next tick tries again
                log.exception("index background sync/snapshot failed")
                self._stop.wait(5)

    def status(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "space": self.space.key,
            "writer": self.writer,
            "how": self.how,
            "count": None if self.index is None else self.index.count,
            "type": None if self.index is None else self.index.kind,
            "last_seq": None if self.index is None else self.index.last_seq,
            "unsaved_changes": self._unsaved,
            "manifest": read_manifest(self.folder),
        }

    def close(self) -> None:
        """Stop the background thread, save unsaved changes, release the lock."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(30)
        try:
            if self.writer and self.index is not None and self._unsaved:
                self.snapshot()
        finally:
            if self.writer:
                self.lock.release()
                self.writer = False
