"""The embeddings' change sequence: ordered, gap-free, and safe to follow while writers race.

The catch-up test is the one that matters: writers hold their transaction open for a
random while *after* taking a change number (a "late commit"); a follower that only ever
asks for "changes after the last number I applied" must still end up with exactly the
database's state. With a plain database sequence it would skip late commits.
"""

from __future__ import annotations

import random
import threading
import time

import numpy as np
import pytest

from aura.storage import changes
from aura.storage.changes import Space
from aura.storage.db import Database
from aura.storage.migrate import upgrade_to_head
from aura.storage.schema import User, WardrobeItem

SPACE = Space("test/model", "r1", 8)


@pytest.fixture
def db(database_url: str):
    database = Database(database_url)
    upgrade_to_head(database)
    yield database
    database.close()


def _user(db: Database, name: str = "u") -> int:
    with db.session() as s:
        user = User(name=name)
        s.add(user)
        s.flush()
        return user.id


def _vec(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(SPACE.dimension).astype(np.float32)
    return v / np.linalg.norm(v)


def test_upsert_and_tombstone_take_increasing_numbers(db: Database) -> None:
    uid = _user(db)
    with db.session() as s:
        item = WardrobeItem(user_id=uid, category="shirt")
        s.add(item)
        s.flush()
        a = changes.upsert_embedding(s, SPACE, item.id, uid, _vec(1))
    with db.session() as s:
        b = changes.upsert_embedding(s, SPACE, item.id, uid, _vec(2))
    with db.session() as s:
        (c,) = changes.tombstone_item(s, item.id)
    assert a < b < c
    assert changes.last_seq(db, SPACE) == c
    log = changes.changes_after(db, SPACE, 0)
    assert [ch.seq for ch in log] == [c] and log[0].vector is None  # latest state only
    assert changes.changes_after(db, SPACE, c) == []
    with pytest.raises(ValueError), db.session() as s:
        changes.upsert_embedding(s, SPACE, item.id, uid, np.zeros(3, np.float32))


def test_rolled_back_change_leaves_no_gap(db: Database) -> None:
    uid = _user(db)
    with pytest.raises(RuntimeError), db.session() as s:
        changes.upsert_embedding(s, SPACE, 1, uid, _vec(1))
        raise RuntimeError("abort")
    with db.session() as s:
        seq = changes.upsert_embedding(s, SPACE, 2, uid, _vec(2))
    assert seq == 1


@pytest.mark.slow
def test_follower_never_misses_a_late_commit(db: Database) -> None:
    uid = _user(db)
    writers, per_writer = 4, 12
    done = threading.Event()
    errors: list[BaseException] = []

    def write(w: int) -> None:
        rng = random.Random(w)
        try:
            for n in range(per_writer):
                item_id = w * 1000 + n
                with db.session() as s:
                    changes.upsert_embedding(s, SPACE, item_id, uid, _vec(item_id))
                    time.sleep(rng.uniform(0, 0.03))  # commit late, holding the number
                if n % 4 == 3:
                    with db.session() as s:
                        changes.upsert_embedding(
                            s, SPACE, item_id - 1, uid, _vec(item_id + 100_000)
                        )
                        time.sleep(rng.uniform(0, 0.02))
                if n % 5 == 4:
                    from sqlalchemy import update

                    from aura.storage.schema import ItemEmbedding

                    with db.session() as s:  # a delete: tombstone with a new number
                        seq = changes.next_seq(s)
                        s.execute(
                            update(ItemEmbedding)
                            .where(ItemEmbedding.item_id == item_id - 2)
                            .values(vector=None, deleted=True, seq=seq)
                        )
                        time.sleep(rng.uniform(0, 0.02))
        except BaseException as exc:
            errors.append(exc)

    state: dict[int, bytes | None] = {}
    last = 0

    def follow_once() -> int:
        nonlocal last
        batch = changes.changes_after(db, SPACE, last, limit=7)
        for ch in batch:
            state[ch.item_id] = None if ch.vector is None else ch.vector.tobytes()
            assert ch.seq > last
            last = ch.seq
        return len(batch)

    def follow() -> None:
        while not done.is_set():
            follow_once()
            time.sleep(0.001)

    follower = threading.Thread(target=follow)
    follower.start()
    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    follower.join()
    assert not errors, errors
    # The follower is told nothing except "changes after `last`": whatever it skipped below
    # `last` is lost to it for good; reading on to the end must give the database's state.
    while follow_once():
        pass
    truth = {
        ch.item_id: None if ch.vector is None else ch.vector.tobytes()
        for ch in changes.changes_after(db, SPACE, 0, limit=10_000)
    }
    assert state == truth
    assert last == changes.last_seq(db, SPACE)
