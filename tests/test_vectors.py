"""The FAISS index and its snapshot: round trip, verification (the per-user partitions
that use it for large partitions are tested in tests/storage/)."""

from __future__ import annotations

import numpy as np
import pytest

from aura.storage.changes import Change, Space
from aura.storage.vectors import MANIFEST, SnapshotInvalid, VectorIndex

SPACE = Space("test/model", "r1", 16)


def _vecs(n: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, SPACE.dimension)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _built(n: int = 50, kind: str = "flat") -> tuple[VectorIndex, np.ndarray]:
    vecs = _vecs(n)
    return VectorIndex.build(SPACE, np.arange(1, n + 1, dtype=np.int64), vecs, n, kind), vecs


@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_search_filter_and_changes(kind: str) -> None:
    n = 2000 if kind == "ivf" else 50
    index, vecs = _built(n, kind)
    assert index.kind == kind and index.count == n
    _, ids = index.search(vecs[9], 1)
    assert ids[0][0] == 10
    allowed = np.array([3, 4, 5], dtype=np.int64)
    _, ids = index.search(vecs[9], 5, allowed)
    assert set(ids[0][:3]) == {3, 4, 5} and list(ids[0][3:]) == [-1, -1]
    # delete 10, move 11 onto 10's vector: applied in order, idempotently
    batch = [Change(n + 1, 10, 1, None), Change(n + 2, 11, 1, vecs[9])]
    index.apply(batch)
    index.apply(batch)
    assert index.count == n - 1 and index.last_seq == n + 2
    _, ids = index.search(vecs[9], 1)
    assert ids[0][0] == 11


@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_snapshot_round_trip_and_mmapped_changes(tmp_path, kind: str) -> None:
    index, vecs = _built(2000 if kind == "ivf" else 40, kind)
    manifest = index.save(tmp_path)
    assert manifest["count"] == index.count and manifest["index_type"] == kind
    loaded = VectorIndex.load(tmp_path, SPACE)
    assert loaded.mmapped == (kind == "flat")
    assert loaded.last_seq == index.last_seq and loaded.count == index.count
    loaded.apply(
        [Change(loaded.last_seq + 1, 7, 1, None), Change(loaded.last_seq + 2, 999_999, 1, vecs[0])]
    )
    assert not loaded.mmapped and loaded.count == index.count
    _, ids = loaded.search(vecs[0], 2)
    assert set(ids[0]) == {1, 999_999}
    second = loaded.save(tmp_path)
    assert sorted(p.name for p in tmp_path.glob("index-*.faiss")) == [second["index_file"]]


def test_snapshot_refuses_what_does_not_verify(tmp_path) -> None:
    index, _ = _built()
    with pytest.raises(SnapshotInvalid, match="no valid manifest"):
        VectorIndex.load(tmp_path, SPACE)
    manifest = index.save(tmp_path)
    path = tmp_path / manifest["index_file"]
    with pytest.raises(SnapshotInvalid, match="another embedding model"):
        VectorIndex.load(tmp_path, Space("other/model", "r1", 16))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SnapshotInvalid, match="truncated"):
        VectorIndex.load(tmp_path, SPACE)
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    with pytest.raises(SnapshotInvalid, match="sha256"):
        VectorIndex.load(tmp_path, SPACE)
    path.unlink()
    with pytest.raises(SnapshotInvalid, match="missing"):
        VectorIndex.load(tmp_path, SPACE)
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(SnapshotInvalid, match="no valid manifest"):
        VectorIndex.load(tmp_path, SPACE)
