"""A FAISS index of item vectors (ids are item ids) and its on-disk snapshot.

The snapshot is a cache of the database, never a source of truth: ``index-<seq>.faiss``
plus ``manifest.json`` (model id and revision, dimension, count, last applied change
number, sha256 and size of the index file, index type), written atomically with the
manifest last. A new snapshot gets a new file name, so a crash between the two writes
leaves the previous manifest and its file intact. :meth:`VectorIndex.load` refuses
anything that does not verify (:class:`SnapshotInvalid` says why); the caller rebuilds.

Index types: ``flat`` (exact inner product, mmapped on load) and ``ivf`` (IVF-Flat,
approximate; lists scanned per query = ``nprobe``). Vectors are L2-normalised, so inner
product is cosine similarity.

faiss (0.04-0.08 s to import here beyond numpy) is imported where an index is built, read
or searched: not on the way to ready, where the index manager only opens its folder.
Start-up imports it in the background after ready (:func:`import_library`).
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from aura.storage import atomic
from aura.storage.changes import Change, Space
from aura.storage.digests import sha256_file

if TYPE_CHECKING:
    import faiss

log = logging.getLogger("aura.index")
MANIFEST = "manifest.json"
FORMAT = 1
_CHUNK = 16 * 1024 * 1024


def import_library() -> None:
    """Import faiss now (a background phase after ready): a first search then finds it."""
    import faiss  # noqa: F401


class SnapshotInvalid(Exception):
    """The snapshot on disk cannot be used; ``str(exc)`` says why."""


def choose_type(count: int, configured: str, flat_max: int) -> str:
    if configured != "auto":
        return configured
    return "flat" if count <= flat_max else "ivf"


def _flat(dim: int) -> faiss.Index:
    import faiss

    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def _ivf(dim: int, vectors: np.ndarray) -> faiss.Index:
    import faiss

    # sqrt(n) lists, trained on at most 50 points per list: minutes of k-means on a small
    # machine become seconds, and recall at the default nprobe stays high (see benchmark).
    nlist = max(1, min(int(math.sqrt(len(vectors))), len(vectors) // 39 or 1))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    sample = vectors
    if len(vectors) > 50 * nlist:
        pick = np.random.default_rng(0).choice(len(vectors), 50 * nlist, replace=False)
        sample = vectors[np.sort(pick)]
    index.train(sample)
    return index


def _index_ids(index: faiss.Index) -> set[int]:
    import faiss

    if isinstance(index, faiss.IndexIDMap2):
        return set(faiss.vector_to_array(index.id_map).tolist())
    ivf = faiss.extract_index_ivf(index)
    lists, ids = ivf.invlists, set()
    for i in range(ivf.nlist):
        size = lists.list_size(i)
        if size:
            ids.update(faiss.rev_swig_ptr(lists.get_ids(i), size).tolist())
    return ids


class VectorIndex:
    """An in-memory index plus the change number it reflects. Thread-safe."""

    def __init__(
        self, space: Space, index: faiss.Index, kind: str, last_seq: int, *, nprobe: int = 32
    ) -> None:
        self.space = space
        self.index = index
        self.kind = kind
        self.last_seq = last_seq
        self.nprobe = nprobe
        self.mmapped = False
        self._ids = _index_ids(index)
        self._lock = threading.RLock()

    # ---- building ----------------------------------------------------------------

    @classmethod
    def build(
        cls,
        space: Space,
        ids: np.ndarray,
        vectors: np.ndarray,
        last_seq: int,
        kind: str = "flat",
        nprobe: int = 32,
    ) -> VectorIndex:
        import faiss

        dim = space.dimension
        index = _ivf(dim, vectors) if kind == "ivf" and len(ids) > 0 else _flat(dim)
        kind = "ivf" if isinstance(index, faiss.IndexIVFFlat) else "flat"
        if len(ids):
            index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
        return cls(space, index, kind, last_seq, nprobe=nprobe)

    @property
    def count(self) -> int:
        return int(self.index.ntotal)

    def _own(self) -> None:
        """A memory-mapped flat index is read-only; copy it into memory before a change."""
        import faiss

        if not self.mmapped:
            return
        old = self.index
        ids = faiss.vector_to_array(old.id_map).astype(np.int64)
        vectors = old.index.reconstruct_n(0, old.ntotal) if old.ntotal else None
        index = _flat(self.space.dimension)
        if vectors is not None:
            index.add_with_ids(vectors, ids)
        self.index, self.mmapped = index, False

    def apply(self, changes: Iterable[Change]) -> int:
        """Apply changes in order (idempotent: a change seen twice is harmless)."""
        batch = list(changes)
        if not batch:
            return 0
        with self._lock:
            self._own()
            latest: dict[int, Change] = {c.item_id: c for c in batch}
            stale = [i for i in latest if i in self._ids]
            if stale:
                self.index.remove_ids(np.asarray(stale, dtype=np.int64))
                self._ids.difference_update(stale)
            live = [c for c in latest.values() if c.vector is not None]
            if live:
                self.index.add_with_ids(
                    np.stack([c.vector for c in live]).astype(np.float32, copy=False),
                    np.asarray([c.item_id for c in live], dtype=np.int64),
                )
                self._ids.update(c.item_id for c in live)
            self.last_seq = max(self.last_seq, max(c.seq for c in batch))
        return len(batch)

    # ---- searching -----------------------------------------------------------------

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the ``k`` nearest; ids -1 where fewer exist. ``allowed``
        restricts results to those item ids (a user's wardrobe); with IVF a filtered search
        scans every list, so a small wardrobe is searched exactly."""
        import faiss

        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.space.dimension)
        params: Any = None
        with self._lock:
            sel = None
            if allowed is not None:
                sel = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
            if self.kind == "ivf":
                nlist = faiss.extract_index_ivf(self.index).nlist
                params = faiss.SearchParametersIVF(
                    sel=sel, nprobe=nlist if sel is not None else min(self.nprobe, nlist)
                )
            elif sel is not None:
                params = faiss.SearchParameters(sel=sel)
            return self.index.search(queries, k, params=params)

    # ---- snapshots -----------------------------------------------------------------

    def save(self, folder: Path) -> dict[str, Any]:
        """Write a snapshot into ``folder`` (the caller holds its writer lock)."""
        import faiss

        began = time.perf_counter()
        with self._lock:
            data = faiss.serialize_index(self.index)
            seq, count = self.last_seq, self.count
        name = f"index-{seq:012d}.faiss"
        digest = hashlib.sha256()
        with atomic.atomic_open(folder / name, "wb") as handle:
            view = memoryview(data)
            for start in range(0, len(view), _CHUNK):
                digest.update(view[start : start + _CHUNK])
                handle.write(view[start : start + _CHUNK])
        manifest = {
            "format": FORMAT,
            "model_id": self.space.model_id,
            "model_revision": self.space.revision,
            "dimension": self.space.dimension,
            "count": count,
            "last_seq": seq,
            "index_type": self.kind,
            "index_file": name,
            "size": len(data),
            "sha256": digest.hexdigest(),
            "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        atomic.write_json(folder / MANIFEST, manifest)
        for old in folder.glob("index-*.faiss"):
            if old.name != name:
                old.unlink(missing_ok=True)
        log.info(
            "index snapshot written",
            extra={
                "folder": str(folder),
                "count": count,
                "last_seq": seq,
                "seconds": round(time.perf_counter() - began, 3),
            },
        )
        return manifest

    @classmethod
    def load(cls, folder: Path, space: Space, *, nprobe: int = 32) -> VectorIndex:
        """Load and verify a snapshot; raise :class:`SnapshotInvalid` saying what is wrong."""
        import faiss

        manifest = read_manifest(folder)
        if manifest is None:
            raise SnapshotInvalid(f"no valid manifest in {folder}")
        built = (
            manifest.get("model_id"),
            manifest.get("model_revision"),
            manifest.get("dimension"),
        )
        if (
            built != (space.model_id, space.revision, space.dimension)
            or manifest.get("format") != FORMAT
        ):
            raise SnapshotInvalid(
                f"snapshot built with another embedding model ({built[0]}@{built[1]}, "
                f"{built[2]}-d); current is {space.key}"
            )
        path = folder / str(manifest.get("index_file"))
        if not path.is_file():
            raise SnapshotInvalid(f"index file {path.name} is missing")
        size = path.stat().st_size
        if size != manifest.get("size"):
            raise SnapshotInvalid(
                f"index file {path.name} has {size} bytes, manifest says {manifest.get('size')} "
                "(truncated or overwritten)"
            )
        if sha256_file(path) != manifest.get("sha256"):
            raise SnapshotInvalid(f"index file {path.name} does not match its sha256 (corrupt)")
        kind = manifest.get("index_type")
        try:
            flags = faiss.IO_FLAG_MMAP_IFC if kind == "flat" else 0
            index = faiss.read_index(str(path), flags)
        except RuntimeError as exc:
            raise SnapshotInvalid(f"FAISS cannot read {path.name}: {exc}") from None
        if index.ntotal != manifest.get("count") or index.d != space.dimension:
            raise SnapshotInvalid(
                f"{path.name} holds {index.ntotal} vectors, manifest says {manifest.get('count')}"
            )
        loaded = cls(space, index, str(kind), int(manifest["last_seq"]), nprobe=nprobe)
        loaded.mmapped = kind == "flat"
        return loaded


def read_manifest(folder: Path) -> dict[str, Any] | None:
    data = atomic.read_json(folder / MANIFEST)
    return data if isinstance(data, dict) else None
