"""Conversation memory (per-user isolation) and the thread-to-async stream bridge."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest

from aura.assistant.aio import iterate_in_thread
from aura.assistant.memory import InProcessConversationStore, StoredMessage


def test_store_keeps_turns_per_user_and_hides_other_users_conversations() -> None:
    store = InProcessConversationStore()
    mine = store.create("alice")
    theirs = store.create("bob")
    now = time.time()
    pair = [StoredMessage("user", "hi", now), StoredMessage("assistant", "hello", now)]
    assert store.append("alice", mine.id, pair) is not None
    assert store.append("alice", theirs.id, pair) is None  # not alice's
    assert store.get("alice", theirs.id) is None
    assert [m.content for m in store.get("alice", mine.id).messages] == ["hi", "hello"]
    assert [c.id for c in store.list("alice")] == [mine.id]
    assert store.get("alice", mine.id).title == "hi"
    assert not store.delete("alice", theirs.id)
    assert store.get("bob", theirs.id) is not None
    assert store.delete("alice", mine.id)
    assert store.get("alice", mine.id) is None


def test_store_returns_copies_not_live_objects() -> None:
    store = InProcessConversationStore()
    conv = store.create("u")
    conv.messages.append(StoredMessage("user", "sneaky", 0))
    assert store.get("u", conv.id).messages == []


def test_iterate_in_thread_runs_off_the_loop_and_stops_the_producer_early() -> None:
    produced: list[int] = []
    closed = threading.Event()
    loop_thread: list[int] = []

    def make() -> Iterator[int]:
        def gen() -> Iterator[int]:
            try:
                for i in range(1000):
                    produced.append(threading.get_ident())
                    time.sleep(0.002)
                    yield i
            finally:
                closed.set()

        return gen()

    async def consume() -> list[int]:
        loop_thread.append(threading.get_ident())
        got = []
        async for item in iterate_in_thread(make, buffer=2):
            got.append(item)
            if len(got) == 5:
                break
        return got

    got = asyncio.run(consume())
    assert got == [0, 1, 2, 3, 4]
    assert closed.wait(5), "the producer was not closed after the consumer left"
    assert loop_thread[0] not in set(produced)
    assert len(produced) < 50


def test_iterate_in_thread_raises_producer_errors_in_the_consumer() -> None:
    def make() -> Iterator[int]:
        yield 1
        raise ValueError("boom")

    async def consume() -> list[int]:
        return [x async for x in iterate_in_thread(make)]

    with pytest.raises(ValueError, match="boom"):
        asyncio.run(consume())
