"""The FAISS index and its snapshot: round trip, verification, catch-up, one writer."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from aura.config import load_settings
from aura.errors import LockHeld
from aura.layout import DataTree
from aura.storage import changes
from aura.storage.changes import Change, Space
from aura.storage.db import Database
from aura.storage.index_manager import IndexManager
from aura.storage.migrate import upgrade_to_head
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


# ---- the manager: database + folder -------------------------------------------------------


@pytest.fixture
def parts(database_url: str, data_dir):
    settings = load_settings(
        data_dir=data_dir,
        database_url=database_url,
        index_snapshot_changes=5,
        index_snapshot_seconds=0.2,
    )
    db = Database(database_url)
    upgrade_to_head(db)
    yield settings, DataTree(settings), db
    db.close()


def _write(db: Database, item_id: int, vec: np.ndarray | None) -> None:
    with db.session() as s:
        if vec is None:
            changes.tombstone_item(s, item_id)
        else:
            changes.upsert_embedding(s, SPACE, item_id, 1, vec)


def test_manager_rebuilds_catches_up_and_snapshots(parts, caplog) -> None:
    settings, tree, db = parts
    vecs = _vecs(30)
    for i in range(20):
        _write(db, i + 1, vecs[i])
    caplog.set_level(logging.INFO, "aura.index")
    first = IndexManager(db, tree, settings, SPACE)
    how = first.open(background=False)
    assert "rebuilt from the database because no valid manifest" in how
    assert any("rebuilding from the database" in r.message for r in caplog.records)
    assert first.index.count == 20
    first.close()  # snapshot written at open (rebuilt), lock released
    for i in range(20, 30):
        _write(db, i + 1, vecs[i])
    _write(db, 1, None)
    second = IndexManager(db, tree, settings, SPACE)
    how = second.open()
    assert how.startswith("loaded snapshot (20 vectors") and "caught up 11" in how
    assert second.index.count == 29
    assert [i for i, _ in second.search(vecs[25], 1, None)] == [26]
    assert second.search(vecs[0], 1, np.array([1], dtype=np.int64)) == []  # deleted
    # the background thread snapshots after 5 changes or 0.2 s
    for i in range(30, 36):
        _write(db, i + 1, _vecs(1, seed=i)[0])
    second.sync()
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        manifest = json.loads((second.folder / MANIFEST).read_text())
        if manifest["count"] == 35:
            break
        time.sleep(0.05)
    assert manifest["count"] == 35 and manifest["last_seq"] == changes.last_seq(db, SPACE)
    second.close()


def test_second_writer_gets_lockheld_while_readers_work(parts, caplog) -> None:
    settings, tree, db = parts
    vecs = _vecs(5)
    for i in range(5):
        _write(db, i + 1, vecs[i])
    writer = IndexManager(db, tree, settings, SPACE)
    writer.open()
    try:
        with pytest.raises(LockHeld) as err:
            IndexManager(db, tree, settings, SPACE).open(writer_required=True)
        assert "pid" in err.value.message and "vector index writer" in err.value.message
        reader = IndexManager(db, tree, settings, SPACE)
        reader.open()
        assert not reader.writer
        _write(db, 99, vecs[0])  # the reader follows the database without writing the folder
        assert {i for i, _ in reader.search(vecs[0], 2, None)} == {1, 99}
        assert {i for i, _ in writer.search(vecs[0], 2, None)} == {1, 99}
        reader.close()
    finally:
        writer.close()


@pytest.mark.parametrize("damage", ["other model", "deleted folder", "truncated"])
def test_broken_snapshot_is_rebuilt_with_a_log_line(parts, caplog, damage: str) -> None:
    settings, tree, db = parts
    vecs = _vecs(8)
    for i in range(8):
        _write(db, i + 1, vecs[i])
    first = IndexManager(db, tree, settings, SPACE)
    first.open(background=False)
    first.close()
    folder = first.folder
    manifest = json.loads((folder / MANIFEST).read_text())
    if damage == "other model":
        manifest["model_revision"] = "r0"
        (folder / MANIFEST).write_text(json.dumps(manifest))
        reason = "another embedding model"
    elif damage == "deleted folder":
        import shutil

        shutil.rmtree(folder)
        reason = "no valid manifest"
    else:
        path = folder / manifest["index_file"]
        path.write_bytes(path.read_bytes()[:64])
        reason = "truncated"
    caplog.set_level(logging.INFO, "aura.index")
    again = IndexManager(db, tree, settings, SPACE)
    how = again.open(background=False)
    assert how.startswith("rebuilt from the database because") and reason in how
    warned = [r for r in caplog.records if r.message.startswith("index snapshot unusable")]
    assert warned and reason in warned[-1].reason
    assert again.index.count == 8
    assert [i for i, _ in again.search(vecs[3], 1, None)] == [4]
    again.close()
    fixed = json.loads((folder / MANIFEST).read_text())
    assert (fixed["model_revision"], fixed["count"]) == ("r1", 8)
