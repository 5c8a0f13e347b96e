"""Per-user partitions: exact search and edits at the cost of one user's items, sharded
snapshots that verify or are rebuilt from the database (saying why), LRU under a memory
budget, read-your-writes across replicas, one writer per folder."""

from __future__ import annotations

import gc
import json
import logging
import mmap
import time
import tracemalloc

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
from aura.storage.partitions import MANIFEST, Partition, PartitionCache, PartitionStore
from aura.storage.vectors import SnapshotInvalid

SPACE = Space("test/model", "r1", 16)


def _vecs(n: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, SPACE.dimension)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _exact(ids: np.ndarray, vecs: np.ndarray, q: np.ndarray, k: int) -> list[int]:
    return [int(ids[i]) for i in np.argsort(-(vecs @ q))[:k]]


# ---- one partition, in memory -------------------------------------------------------------


def test_partition_search_edit_delete_is_exact() -> None:
    vecs = _vecs(40)
    ids = np.arange(100, 140, dtype=np.int64)
    part = Partition(SPACE, 7, ids, vecs, last_seq=40)
    q = vecs[5]
    assert [i for i, _ in part.search(q, 5)] == _exact(ids, vecs, q, 5)
    assert part.search(q, 100)[0][0] == 105 and len(part.search(q, 100)) == 40
    assert {i for i, _ in part.search(q, 3, np.array([101, 102, 999]))} == {101, 102}
    new = _vecs(3, seed=9)
    part.apply(
        [
            Change(41, 105, 7, None),  # delete the best match
            Change(42, 101, 7, new[0]),  # edit
            Change(43, 500, 7, new[1]),  # add
            Change(43, 500, 7, new[1]),  # a replay is harmless
        ]
    )
    assert part.n == 40 and part.last_seq == 43
    assert 105 not in {i for i, _ in part.search(q, 40)}
    assert part.search(new[0], 1)[0][0] == 101 and part.search(new[1], 1)[0][0] == 500
    assert part.apply([Change(40, 105, 7, vecs[5])]) == 0  # older than the partition: skipped
    for n in range(60):  # growth past the capacity keeps every vector
        part.apply([Change(100 + n, 1000 + n, 7, _vecs(1, seed=100 + n)[0])])
    assert part.n == 100 and part.search(_vecs(1, seed=159)[0], 1)[0][0] == 1059


def test_a_large_partition_is_approximate_and_small_ones_exact() -> None:
    vecs = _vecs(3000)
    ids = np.arange(1, 3001, dtype=np.int64)
    small = Partition(SPACE, 1, ids[:500], vecs[:500], 1, approximate_above=1000)
    shop = Partition(SPACE, 2, ids, vecs, 1, approximate_above=1000, nprobe=64)
    assert (small.kind, shop.kind) == ("flat", "ivf")
    hits = [shop.search(vecs[i], 10) for i in range(0, 3000, 300)]
    truth = [set(_exact(ids, vecs, vecs[i], 10)) for i in range(0, 3000, 300)]
    recall = np.mean([len({h for h, _ in g} & t) / 10 for g, t in zip(hits, truth, strict=True)])
    assert recall >= 0.9
    shop.apply([Change(2, 1, 2, None), Change(3, 9999, 2, vecs[0])])
    assert shop.search(vecs[0], 1)[0][0] == 9999
    assert 1 not in {i for i, _ in shop.search(vecs[0], 50)}


# ---- sharded snapshots --------------------------------------------------------------------


def test_snapshots_round_trip_and_refuse_what_does_not_verify(tmp_path) -> None:
    store = PartitionStore(tmp_path, SPACE)
    with pytest.raises(SnapshotInvalid, match="no valid manifest"):
        store.check()
    store.reset()
    vecs = _vecs(10)
    assert store.save([(1, np.arange(5), vecs[:5], 5), (4097, np.arange(5, 10), vecs[5:], 9)]) == 2
    top = store.check()
    assert (top["partitions"], top["count"]) == (2, 10)
    ids, got, seq = store.load(4097)  # same shard as user 1 (4096 shards)
    assert seq == 9 and ids.tolist() == [5, 6, 7, 8, 9] and np.array_equal(got, vecs[5:])
    with pytest.raises(SnapshotInvalid, match="no partition snapshot"):
        store.load(2)
    # a newer version replaces the file; an older one never overwrites a newer
    store.save([(1, np.arange(3), vecs[:3], 12)])
    store.save([(1, np.arange(5), vecs[:5], 5)])
    assert store.load(1)[2] == 12 and len(list(tmp_path.glob("shards/*/u1-*.part"))) == 1
    entry = store.entry(1)
    path = next(tmp_path.glob("shards/*")) / entry["file"]
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(SnapshotInvalid, match="truncated"):
        store.load(1)
    path.write_bytes(b"\0" * entry["size"])
    with pytest.raises(SnapshotInvalid, match="sha256"):
        store.load(1)
    path.unlink()
    with pytest.raises(SnapshotInvalid, match="missing"):
        store.load(1)
    other = PartitionStore(tmp_path, Space("other/model", "r1", 16))
    with pytest.raises(SnapshotInvalid, match="another embedding model"):
        other.check()


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


def _write(db: Database, item_id: int, vec: np.ndarray | None, user: int = 1) -> int:
    with db.session() as s:
        if vec is None:
            return changes.tombstone_item(s, item_id)[0]
        return changes.upsert_embedding(s, SPACE, item_id, user, vec)


def test_partitions_load_on_first_use_snapshot_and_catch_up(parts, caplog) -> None:
    settings, tree, db = parts
    vecs = _vecs(40)
    for i in range(40):  # users 1..4, ten items each
        _write(db, i + 1, vecs[i], user=i // 10 + 1)
    caplog.set_level(logging.DEBUG, "aura.index")
    first = IndexManager(db, tree, settings, SPACE)
    how = first.open(background=False)
    assert how.startswith("rebuilt from the database because no valid manifest")
    assert first.search(vecs[12], 1, None, user_id=2) == [(13, pytest.approx(1.0))]
    assert [i for i, _ in first.search(vecs[12], 20, None, user_id=1)] == list(
        _exact(np.arange(1, 11), vecs[:10], vecs[12], 10)
    )  # only user 1's items, all ten
    assert first.status()["partitions_loaded"] == 2
    first.close()  # user 1 and 2's partitions saved
    top = json.loads((first.folder / MANIFEST).read_text())
    assert (top["partitions"], top["count"], top["model_revision"]) == (2, 20, "r1")
    _write(db, 11, None)  # user 2 loses item 11, gains item 99
    _write(db, 99, vecs[0], user=2)
    second = IndexManager(db, tree, settings, SPACE)
    how = second.open()
    assert how.startswith("loaded snapshot (2 partitions, 20 vectors")
    assert second.search(vecs[0], 2, None, user_id=2)[0][0] == 99
    assert 11 not in {i for i, _ in second.search(vecs[10], 10, None, user_id=2)}
    assert second.counts["loaded"] == 1 and second.counts["rebuilt"] == 0
    # without user_id, the owner of the allowed ids is searched
    assert second.search(vecs[35], 1, np.array([36, 37]))[0][0] == 36
    # the background writer saves the caught-up partitions
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and second.unsaved_changes():
        time.sleep(0.05)
    assert second.unsaved_changes() == 0
    assert PartitionStore(second.folder, SPACE).load(2)[2] == changes.last_seq(db, SPACE)
    second.close()


def test_replicas_read_their_writes_and_one_writer_per_folder(parts) -> None:
    settings, tree, db = parts
    vecs = _vecs(6)
    for i in range(5):
        _write(db, i + 1, vecs[i])
    writer = IndexManager(db, tree, settings, SPACE)
    writer.open()
    other_tree = DataTree(load_settings(data_dir=tree.root / "replica-b", database_url=db.url))
    replica = IndexManager(db, other_tree, settings, SPACE)  # its own cache folder
    replica.open()
    try:
        with pytest.raises(LockHeld) as err:
            IndexManager(db, tree, settings, SPACE).open(writer_required=True)
        assert "pid" in err.value.message and "vector index writer" in err.value.message
        reader = IndexManager(db, tree, settings, SPACE)
        reader.open()
        assert not reader.writer and writer.writer and replica.writer
        for m in (writer, replica, reader):  # every one holds user 1 now
            assert {i for i, _ in m.search(vecs[0], 1, None, user_id=1)} == {1}
        _write(db, 99, vecs[5])  # acknowledged: at once searchable everywhere
        _write(db, 1, None)
        for m in (writer, replica, reader):
            assert [i for i, _ in m.search(vecs[5], 1, None, user_id=1)] == [99]
            assert 1 not in {i for i, _ in m.search(vecs[0], 10, None, user_id=1)}
        reader.close()
    finally:
        writer.close()
        replica.close()


def test_lru_keeps_memory_within_the_budget(parts) -> None:
    settings, tree, db = parts
    per_user = 50
    vecs = _vecs(per_user * 12)
    with db.session() as s:
        for user in range(12):
            ids = list(range(user * per_user + 1, (user + 1) * per_user + 1))
            changes.insert_new_embeddings(
                s, SPACE, user + 1, ids, vecs[user * per_user :][:per_user]
            )
    settings = settings.model_copy(update={"index_memory_mb": 1})
    manager = IndexManager(db, tree, settings, SPACE)
    manager.cache.budget = 4 * (per_user * (SPACE.dimension * 4 + 8) + 1000)  # ~4 partitions
    manager.open(background=False)
    for user in range(12):
        got = manager.search(vecs[user * per_user], 1, None, user_id=user + 1)
        assert got[0][0] == user * per_user + 1
    assert len(manager.cache) <= 4 and manager.cache.nbytes <= manager.cache.budget
    assert manager.cache.evictions >= 8 and 12 in manager.cache and 1 not in manager.cache
    manager.snapshot()  # evicted partitions with unsaved changes were kept for this
    assert json.loads((manager.folder / MANIFEST).read_text())["partitions"] == 12
    assert manager.search(vecs[0], 1, None, user_id=1)[0][0] == 1  # reloaded from disk
    assert manager.counts["loaded"] == 1
    manager.close()


def _memory(array: np.ndarray) -> object:
    """The object that owns an array's memory (through views and memoryviews)."""
    base: object = array
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    return base.obj if isinstance(base, memoryview) else base


def test_room_is_made_before_a_partition_is_read(tmp_path) -> None:
    """The cache evicts for a newcomer before its file is read, so the budget plus one
    partition is never held; the file is read into a mapping of its own, returned to the
    system on eviction (the peak RSS of benchmarks/scale.py at 10M items)."""
    store = PartitionStore(tmp_path, SPACE)
    store.reset()
    per_user = 100
    store.save(
        (u, np.arange(u * 1000, u * 1000 + per_user, dtype=np.int64), _vecs(per_user, u), u)
        for u in range(1, 6)
    )
    size = per_user * (8 + 4 * SPACE.dimension)
    cache = PartitionCache(3 * (size + 8192))  # three partitions
    seen: list[tuple[int, int]] = []

    def room(nbytes: int) -> None:
        cache.make_room(nbytes)
        seen.append((cache.nbytes, nbytes))

    for user in range(1, 6):
        ids, vecs, seq = store.load(user, room)
        # in pages of its own (unmapped on eviction), not a heap block that fragments
        assert isinstance(_memory(ids), mmap.mmap) and _memory(ids) is _memory(vecs)
        part = cache.put(Partition(SPACE, user, ids, vecs, seq, adopt=True))
        assert part.ids is ids  # adopted, not copied
        assert cache.nbytes <= cache.budget
    assert [n for _, n in seen] == [size + 8192] * 5  # told the size before each read
    assert all(held + n <= cache.budget for held, n in seen)  # and room was made first
    assert len(cache) == 3 and cache.evictions == 2 and 1 not in cache and 5 in cache


def test_the_store_keeps_no_shard_manifests_in_memory(tmp_path) -> None:
    """Saving partitions of two thousand users leaves the store's memory as it was: the
    shard manifests are read when needed, not kept per user seen (outside the budget)."""
    store = PartitionStore(tmp_path, SPACE)
    store.reset()
    one = (np.arange(2, dtype=np.int64), _vecs(2))

    def save(users: range) -> None:
        store.save((u, *one, u) for u in users)

    save(range(1, 50))
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for start in range(50, 2050, 500):
            save(range(start, start + 500))
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 64 * 1024, f"the store kept {grown} bytes for 2,000 users saved"
    assert store.entry(2049) is not None and store.load(2049)[2] == 2049
    assert json.loads((tmp_path / MANIFEST).read_text())["partitions"] == 2049


@pytest.mark.parametrize("damage", ["other model", "deleted folder", "truncated partition"])
def test_broken_snapshot_is_rebuilt_with_a_log_line(parts, caplog, damage: str) -> None:
    settings, tree, db = parts
    vecs = _vecs(8)
    for i in range(8):
        _write(db, i + 1, vecs[i])
    first = IndexManager(db, tree, settings, SPACE)
    first.open(background=False)
    first.search(vecs[0], 1, None, user_id=1)
    first.close()
    folder = first.folder
    manifest = json.loads((folder / MANIFEST).read_text())
    if damage == "other model":  # what a new embedding model's folder would hold
        manifest["model_revision"] = "r0"
        (folder / MANIFEST).write_text(json.dumps(manifest))
        reason, message = "another embedding model", "index snapshot unusable"
    elif damage == "deleted folder":
        import shutil

        shutil.rmtree(folder)
        reason, message = "no valid manifest", "index snapshot unusable"
    else:
        entry = PartitionStore(folder, SPACE).entry(1)
        (path,) = folder.glob(f"shards/*/{entry['file']}")
        path.write_bytes(path.read_bytes()[:64])
        reason, message = "truncated", "partition snapshot unusable"
    caplog.set_level(logging.INFO, "aura.index")
    again = IndexManager(db, tree, settings, SPACE)
    how = again.open(background=False)
    assert [i for i, _ in again.search(vecs[3], 1, None, user_id=1)] == [4]
    warned = [r for r in caplog.records if r.message.startswith(message)]
    assert warned and reason in warned[-1].reason
    if message == "index snapshot unusable":
        assert how.startswith("rebuilt from the database because") and reason in how
        assert again.counts["built_new"] == 1
    else:
        assert how.startswith("loaded snapshot") and again.counts["rebuilt"] == 1
    again.close()
    fixed = json.loads((folder / MANIFEST).read_text())
    assert (fixed["model_revision"], fixed["count"]) == ("r1", 8)
    assert PartitionStore(folder, SPACE).load(1)[0].tolist() == list(range(1, 9))
