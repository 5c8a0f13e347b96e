"""Per-user partitions of an embedding space, their on-disk snapshots, and the LRU of them.

A wardrobe is per person, so is the index: each user's vectors of a space are one
:class:`Partition`, searched, edited and deleted at the cost of that user's items whatever
the number of users. A partition is exact (numpy, one matrix product) unless it is larger
than ``AURA_INDEX_FLAT_MAX`` vectors (a shop's catalogue), where an approximate FAISS IVF
index (:class:`~aura.storage.vectors.VectorIndex`) answers unfiltered searches.

Snapshots are a cache of the database, sharded by user so that start-up reads one small
file whatever the number of users::

    <folder>/manifest.json                   format, model id and revision, dimension,
                                             shard count, [partitions, vectors] per shard
    <folder>/shards/<sss>/manifest.json      {user id: {file, count, last_seq, size, sha256}}
    <folder>/shards/<sss>/u<user>-<seq>.part that user's ids (int64) then vectors (float32)

Every file is written atomically (:mod:`aura.storage.atomic`); a partition file gets a new
name per version and its shard manifest is written after it (the commit record), the old
file deleted last, so a crash leaves the previous version intact. A partition is read on
its first use, and verified (size, sha256, shape) before it is trusted: anything else is
:class:`~aura.storage.vectors.SnapshotInvalid` and the caller rebuilds it from the database.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import mmap
import os
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from aura.storage import atomic
from aura.storage.changes import Change, Space
from aura.storage.vectors import SnapshotInvalid, VectorIndex

FORMAT = 2
LAYOUT = "per-user"
MANIFEST = "manifest.json"
SHARDS = 4096
_ENTRY_BYTES = 8192  # per loaded partition: its objects, lock, dict entry, page rounding


class PartitionAbsent(SnapshotInvalid):
    """The snapshot has no copy of this partition (a new user, or never saved yet)."""


class Partition:
    """One user's vectors of one space. Its ``lock`` guards every read and change."""

    def __init__(
        self,
        space: Space,
        user_id: int,
        ids: np.ndarray,
        vectors: np.ndarray,
        last_seq: int,
        *,
        approximate_above: int | None = None,
        nprobe: int = 32,
        adopt: bool = False,
    ) -> None:
        self.space, self.user_id, self.last_seq = space, user_id, last_seq
        n, dim = len(ids), space.dimension
        vectors = np.asarray(vectors, dtype=np.float32).reshape(n, dim)
        if (
            adopt
            and n
            and ids.dtype == np.int64
            and ids.flags.writeable
            and vectors.flags.writeable
            and vectors.flags.c_contiguous
        ):  # arrays nobody else holds (a snapshot just read): adopted, not copied
            self.ids, self.vecs = ids, vectors
        else:
            capacity = max(8, n)
            self.ids = np.empty(capacity, dtype=np.int64)
            self.vecs = np.empty((capacity, dim), dtype=np.float32)
            self.ids[:n] = ids
            self.vecs[:n] = vectors
        self.n = n
        self._live()
        self.unsaved = 0  # changes applied since the snapshot's copy
        self.lock = threading.Lock()
        self._approximate_above, self._nprobe = approximate_above, nprobe
        self.approx: VectorIndex | None = None
        self._maybe_approximate()

    def _live(self) -> None:
        """Views of the live rows (kept, not sliced per search)."""
        self.live_ids, self.live_vecs = self.ids[: self.n], self.vecs[: self.n]

    @property
    def kind(self) -> str:
        return "flat" if self.approx is None else "ivf"

    @property
    def nbytes(self) -> int:
        extra = 0 if self.approx is None else self.n * (self.space.dimension * 4 + 8)
        return self.ids.nbytes + self.vecs.nbytes + extra + _ENTRY_BYTES

    def _maybe_approximate(self) -> None:
        if self._approximate_above is None or self.n <= self._approximate_above:
            self.approx = None
            return
        if self.approx is None:
            self.approx = VectorIndex.build(
                self.space, self.ids[: self.n], self.vecs[: self.n], self.last_seq, "ivf",
                self._nprobe,
            )  # fmt: skip

    # ---- changes ------------------------------------------------------------------------

    def _grow(self, need: int) -> None:
        capacity = max(need, 2 * len(self.ids))
        ids = np.empty(capacity, dtype=np.int64)
        vecs = np.empty((capacity, self.space.dimension), dtype=np.float32)
        ids[: self.n], vecs[: self.n] = self.ids[: self.n], self.vecs[: self.n]
        self.ids, self.vecs = ids, vecs

    def apply(self, changes: Iterable[Change]) -> int:
        """Apply the user's changes in order; one seen before (``seq`` not above the
        partition's) is skipped, so replaying is harmless. Cost: that user's items."""
        with self.lock:
            fresh = [c for c in changes if c.seq > self.last_seq]
            if not fresh:
                return 0
            latest = {c.item_id: c for c in fresh}
            for item_id, change in latest.items():
                (rows,) = np.nonzero(self.ids[: self.n] == item_id)
                if change.vector is None:
                    if len(rows):
                        last = self.n - 1
                        row = int(rows[0])
                        self.ids[row], self.vecs[row] = self.ids[last], self.vecs[last]
                        self.n = last
                elif len(rows):
                    self.vecs[int(rows[0])] = change.vector
                else:
                    if self.n == len(self.ids):
                        self._grow(self.n + 1)
                    self.ids[self.n], self.vecs[self.n] = item_id, change.vector
                    self.n += 1
            self._live()
            if self.approx is not None:
                self.approx.apply(fresh)
            self.last_seq = max(c.seq for c in fresh)
            self.unsaved += len(fresh)
            self._maybe_approximate()
            return len(fresh)

    # ---- searching ----------------------------------------------------------------------

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """(item id, cosine similarity) of the ``k`` nearest, best first; ``allowed``
        restricts them to those ids."""
        q = query
        if type(q) is not np.ndarray or q.dtype != np.float32 or q.ndim != 1:
            q = np.asarray(query, dtype=np.float32).reshape(-1)
        with self.lock:
            n = self.n
            if n == 0 or k < 1:
                return []
            if self.approx is not None and allowed is None:
                scores, found = self.approx.search(q, k)
                pairs = zip(found[0], scores[0], strict=True)
                return [(int(i), float(s)) for i, s in pairs if i >= 0]
            ids = self.live_ids
            scores = self.live_vecs @ q
            if allowed is not None:
                keep = np.isin(ids, np.asarray(allowed, dtype=np.int64))
                ids, scores = ids[keep], scores[keep]
                n = len(ids)
            if n <= 4096:  # one sort of a wardrobe costs less than select-then-sort
                top = scores.argsort()[: -k - 1 : -1]
            else:
                top = np.argpartition(scores, n - k)[n - k :] if k < n else np.arange(n)
                top = top[np.argsort(-scores[top])]
            found = ids[top].tolist()
        return list(zip(found, scores[top].tolist(), strict=True))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, int]:
        """A copy of (ids, vectors, last_seq), for a snapshot."""
        with self.lock:
            return self.ids[: self.n].copy(), self.vecs[: self.n].copy(), self.last_seq


class PartitionStore:
    """The sharded snapshots of one space's partitions in ``folder`` (see module doc).
    Only the holder of the folder's writer lock calls the writing methods."""

    def __init__(self, folder: Path, space: Space) -> None:
        self.folder, self.space = Path(folder), space
        self.shards = SHARDS
        # No shard manifest is kept in memory between calls: each is read when needed (one
        # small file) and dropped, so the store's memory does not grow with the users it
        # has seen or saved (it is outside AURA_INDEX_MEMORY_MB's count).
        self._write_lock = threading.Lock()

    # ---- the folder manifest ------------------------------------------------------------

    def top(self) -> dict[str, Any] | None:
        data = atomic.read_json(self.folder / MANIFEST)
        return data if isinstance(data, dict) else None

    def check(self) -> dict[str, Any]:
        """The folder manifest if it belongs to this space; else SnapshotInvalid says why."""
        manifest = self.top()
        if manifest is None:
            raise SnapshotInvalid(f"no valid manifest in {self.folder}")
        built = (
            manifest.get("model_id"),
            manifest.get("model_revision"),
            manifest.get("dimension"),
        )
        if built != (self.space.model_id, self.space.revision, self.space.dimension):
            raise SnapshotInvalid(
                f"snapshot built with another embedding model ({built[0]}@{built[1]}, "
                f"{built[2]}-d); current is {self.space.key}"
            )
        if manifest.get("format") != FORMAT or manifest.get("layout") != LAYOUT:
            raise SnapshotInvalid(
                f"snapshot format {manifest.get('format')} ({manifest.get('layout', 'one index')})"
                f" is not format {FORMAT} ({LAYOUT} partitions)"
            )
        self.shards = int(manifest.get("shards") or SHARDS)
        return manifest

    def reset(self) -> dict[str, Any]:
        """Forget every partition snapshot (writer): they are rebuilt on first use."""
        with self._write_lock:
            shards = self.folder / "shards"
            if shards.exists():
                trash = self.folder / f".trash-{time.time_ns()}"
                shards.rename(trash)
                shutil.rmtree(trash, ignore_errors=True)
            for old in self.folder.glob("index-*.faiss"):  # the one-index format before it
                old.unlink(missing_ok=True)
            for trash in self.folder.glob(".trash-*"):
                shutil.rmtree(trash, ignore_errors=True)
            self.shards = SHARDS
            return self._write_top({})

    def _write_top(self, counts: dict[str, list[int]]) -> dict[str, Any]:
        manifest = {
            "format": FORMAT,
            "layout": LAYOUT,
            "model_id": self.space.model_id,
            "model_revision": self.space.revision,
            "dimension": self.space.dimension,
            "index_type": "partitioned",
            "shards": self.shards,
            "partitions": sum(c[0] for c in counts.values()),
            "count": sum(c[1] for c in counts.values()),
            "shard_counts": dict(sorted(counts.items())),
            "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        atomic.write_json(self.folder / MANIFEST, manifest)
        return manifest

    # ---- shards -------------------------------------------------------------------------

    def shard_of(self, user_id: int) -> int:
        return user_id % self.shards

    def _shard_dir(self, shard: int) -> Path:
        return self.folder / "shards" / f"{shard:04x}"

    def _read_shard(self, shard: int) -> dict[str, Any]:
        data = atomic.read_json(self._shard_dir(shard) / MANIFEST)
        if not isinstance(data, dict) or not isinstance(data.get("partitions"), dict):
            return {"space": self.space.key, "partitions": {}}
        return data

    def entry(self, user_id: int) -> dict[str, Any] | None:
        entry = self._read_shard(self.shard_of(user_id))["partitions"].get(str(user_id))
        return entry if isinstance(entry, dict) else None

    def load(
        self, user_id: int, before_read: Callable[[int], None] | None = None
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """(ids, vectors, last_seq) of the user's snapshot, verified; SnapshotInvalid
        (PartitionAbsent when there is none) says why it cannot be used.

        ``before_read`` gets the bytes the partition will take in memory before its file
        is read (:meth:`PartitionCache.make_room`: the cache evicts first, so the budget
        is never exceeded by the newcomer)."""
        entry = self.entry(user_id)
        if entry is None:
            raise PartitionAbsent(f"user {user_id} has no partition snapshot yet")
        if before_read is not None and isinstance(entry.get("size"), int):
            before_read(int(entry["size"]) + _ENTRY_BYTES)
        path = self._shard_dir(self.shard_of(user_id)) / str(entry.get("file"))
        try:
            with path.open("rb") as handle:  # into a buffer the partition then owns
                data = _buffer(os.fstat(handle.fileno()).st_size)
                handle.readinto(data)
        except FileNotFoundError:
            raise SnapshotInvalid(f"partition file {path.name} is missing") from None
        if len(data) != entry.get("size"):
            raise SnapshotInvalid(
                f"partition file {path.name} has {len(data)} bytes, manifest says "
                f"{entry.get('size')} (truncated or overwritten)"
            )
        if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            raise SnapshotInvalid(f"partition file {path.name} does not match its sha256 (corrupt)")
        count, dim = int(entry.get("count", -1)), self.space.dimension
        if count < 0 or count * (8 + 4 * dim) != len(data):
            raise SnapshotInvalid(f"partition file {path.name} does not hold {count} vectors")
        ids = np.frombuffer(data, dtype=np.int64, count=count)
        vecs = np.frombuffer(data, dtype=np.float32, offset=8 * count).reshape(count, dim)
        return ids, vecs, int(entry["last_seq"])

    def save(self, parts: Iterable[tuple[int, np.ndarray, np.ndarray, int]]) -> int:
        """Write these (user id, ids, vectors, last_seq) partitions (writer); returns how
        many. Per shard: partition files, then the shard manifest, then old files go."""
        by_shard: dict[int, list[tuple[int, np.ndarray, np.ndarray, int]]] = {}
        for part in parts:
            by_shard.setdefault(self.shard_of(part[0]), []).append(part)
        if not by_shard:
            return 0
        written = 0
        counts: dict[str, list[int]] = {}
        with self._write_lock:
            for shard, group in sorted(by_shard.items()):
                folder = self._shard_dir(shard)
                manifest = self._read_shard(shard)
                entries: dict[str, Any] = dict(manifest["partitions"])
                old_files = []
                for user_id, ids, vecs, last_seq in group:
                    name = f"u{user_id}-{last_seq:012d}.part"
                    data = (
                        np.ascontiguousarray(ids, np.int64).tobytes()
                        + np.ascontiguousarray(vecs, np.float32).tobytes()
                    )
                    before = entries.get(str(user_id))
                    if before and int(before.get("last_seq", -1)) > last_seq:
                        continue  # a newer version is on disk already
                    atomic.write_bytes(folder / name, data)
                    if before and before.get("file") != name:
                        old_files.append(folder / str(before.get("file")))
                    entries[str(user_id)] = {
                        "file": name,
                        "count": len(ids),
                        "last_seq": last_seq,
                        "size": len(data),
                        "sha256": hashlib.sha256(data).hexdigest(),
                    }
                    written += 1
                atomic.write_json(
                    folder / MANIFEST, {"space": self.space.key, "partitions": entries}
                )
                for old in old_files:
                    old.unlink(missing_ok=True)
                counts[f"{shard:04x}"] = [len(entries), sum(e["count"] for e in entries.values())]
                del manifest, entries  # one shard's manifest in memory at a time
            top = self.top() or {}
            self._write_top({**dict(top.get("shard_counts") or {}), **counts})
        return written


def _buffer(size: int) -> mmap.mmap | bytearray:
    """A writable buffer of ``size`` bytes in pages of its own (an anonymous mapping),
    unmapped when the partition using it is evicted, whatever its size. A small one from
    the heap (under glibc's mmap threshold) would be freed into it instead, and the heap's
    free fragments, which grow with the churn of users, stay in the process's RSS outside
    the budget's count. Page rounding is in ``_ENTRY_BYTES``."""
    return mmap.mmap(-1, size) if size > 0 else bytearray()


def _return_freed_memory() -> None:
    """Have glibc give a freed partition's memory back to the system at once.

    Partitions are loaded and evicted all day; glibc's default raises its mmap threshold
    after such frees, and later arrays of that size then come from a heap that does not
    shrink, so the process would grow well past the budget. A fixed threshold (128 KiB)
    keeps every partition's arrays in their own mappings, unmapped on eviction."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: its own behaviour
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt(-3, 128 * 1024)


class PartitionCache:
    """The partitions loaded in memory, least recently used evicted above ``budget_bytes``.

    ``on_evict`` gets each evicted partition (the writer saves unsaved changes)."""

    def __init__(
        self, budget_bytes: int, on_evict: Callable[[Partition], None] | None = None
    ) -> None:
        _return_freed_memory()
        self.budget = budget_bytes
        self._parts: OrderedDict[int, Partition] = OrderedDict()
        self._lock = threading.Lock()
        self._bytes = 0
        self._on_evict = on_evict
        self.evictions = 0

    def get(self, user_id: int) -> Partition | None:
        with self._lock:
            part = self._parts.get(user_id)
            if part is not None:
                self._parts.move_to_end(user_id)
            return part

    def make_room(self, nbytes: int) -> None:
        """Evict the least recently used until ``nbytes`` more fit the budget: called with
        a partition's size *before* it is read, so the process never holds the budget plus
        the newcomer (``put`` then finds the room made)."""
        with self._lock:
            evicted = self._evict_for(nbytes)
        self._notify(evicted)

    def _evict_for(self, nbytes: int) -> list[Partition]:
        """Under the lock: drop the least recently used until ``nbytes`` more fit."""
        evicted = []
        while self._parts and self._bytes + nbytes > self.budget:
            _, victim = self._parts.popitem(last=False)
            self._bytes -= victim.nbytes
            self.evictions += 1
            evicted.append(victim)
        return evicted

    def _notify(self, evicted: list[Partition]) -> None:
        """Outside the lock: tell the owner what was evicted."""
        if self._on_evict is not None:
            for victim in evicted:
                self._on_evict(victim)

    def put(self, part: Partition) -> Partition:
        """Keep ``part`` (the newest); evict the least recently used above the budget."""
        with self._lock:
            old = self._parts.pop(part.user_id, None)
            if old is not None:
                self._bytes -= old.nbytes
            evicted = self._evict_for(part.nbytes)  # room first
            self._parts[part.user_id] = part
            self._bytes += part.nbytes
        self._notify(evicted)
        return part

    def resized(self, part: Partition, before: int) -> None:
        """Account for a partition that grew or shrank by a change."""
        with self._lock:
            if self._parts.get(part.user_id) is part:
                self._bytes += part.nbytes - before

    def partitions(self) -> list[Partition]:
        with self._lock:
            return list(self._parts.values())

    def drop_all(self) -> None:
        with self._lock:
            self._parts.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._parts)

    def __contains__(self, user_id: int) -> bool:
        return user_id in self._parts
