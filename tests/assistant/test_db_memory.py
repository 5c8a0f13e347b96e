"""Conversation memory in the database: the store itself on SQLite and PostgreSQL, and a
real server that keeps its conversations across SIGTERM and across SIGKILL after a 2xx."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aura.assistant.db_memory import DatabaseConversationStore
from aura.assistant.memory import StoredMessage
from aura.storage.db import Database
from aura.storage.migrate import upgrade_to_head
from aura.storage.schema import Message
from aura.storage.users import create_user as make_user
from tests.server import AuraServer
from tests.wardrobe_client import backend_env, create_user

PREFIX = "/api/v1/conversational-ai"
MODEL_ENV = {"AURA_LLM_MAX_TOKENS": "6", "AURA_LLM_THREADS": "2"}


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    upgrade_to_head(database)
    yield database
    database.close()


def _turn(question: str, reply: str, **meta: object) -> list[StoredMessage]:
    now = time.time()
    return [StoredMessage("user", question, now), StoredMessage("assistant", reply, now, meta)]


def test_store_keeps_turns_and_columns_and_hides_other_users(db: Database) -> None:
    alice, bob = (str(make_user(db, name)[0]) for name in ("alice", "bob"))
    store = DatabaseConversationStore(db)
    conv = store.create(alice)
    meta = {"item_ids": ["3", "1"], "prompt_tokens": 120, "completion_tokens": 7, "latency_ms": 9.5}
    stored = store.append(alice, conv.id, _turn("Navy or black?", "Navy.", **meta))
    assert stored is not None and [m.role for m in stored.messages] == ["user", "assistant"]
    store.append(alice, conv.id, _turn("And shoes?", "Brown brogues."))
    got = store.get(alice, conv.id)
    assert got is not None and got.title == "Navy or black?"
    assert [m.content for m in got.messages] == [
        "Navy or black?",
        "Navy.",
        "And shoes?",
        "Brown brogues.",
    ]
    assert got.messages[1].meta == meta
    assert abs(got.messages[0].created_at - time.time()) < 60
    with db.session() as s:  # token counts and latency land in their own columns too
        row = s.query(Message).filter_by(content="Navy.").one()
        assert (row.prompt_tokens, row.completion_tokens, row.latency_ms) == (120, 7, 9.5)
    # another user's id, an unknown id and a non-numeric id all read as missing
    unknown = ("999999", "nope", "1" * 40, str(2**31), "-1", "0", "\u00b2", "")
    for user, cid in [(bob, conv.id), *((alice, u) for u in unknown)]:
        assert store.get(user, cid) is None
        assert store.append(user, cid, _turn("x", "y")) is None
        assert store.delete(user, cid) is False
    assert store.list(bob) == []
    newer = store.create(alice)
    store.append(alice, newer.id, _turn("Hi", "Hello"))
    assert [c.id for c in store.list(alice)] == [newer.id, conv.id]
    assert store.delete(alice, conv.id) is True
    assert store.get(alice, conv.id) is None
    with db.session() as s:  # its messages went with it
        assert s.query(Message).filter_by(conversation_id=int(conv.id)).count() == 0
    assert [c.id for c in store.list(alice)] == [newer.id]


def _chat(server: AuraServer, key: str, **body: object) -> dict:
    response = httpx.post(
        f"{server.url}{PREFIX}/chat",
        json=body,
        headers={"Authorization": f"Bearer {key}"},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _conversation(server: AuraServer, key: str, conv: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"}
    return httpx.get(f"{server.url}{PREFIX}/conversations/{conv}", headers=headers, timeout=30)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_conversations_survive_sigterm_and_sigkill_after_a_reply(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    with backend_env(request, backend, MODEL_ENV) as env:
        alice = create_user(data, env, "alice")
        bob = create_user(data, env, "bob")
        server = AuraServer(data, env)
        with server:
            server.wait_ready(timeout=180)
            first = _chat(server, alice, message="What goes with navy trousers?")
            conv = first["conversation_id"]
            _chat(server, alice, message="And shoes?", conversation_id=conv)
            assert server.stop(signal.SIGTERM) == 0
        expected = ["What goes with navy trousers?", first["reply"], "And shoes?"]
        with AuraServer(data, env) as server:
            server.wait_ready(timeout=180)
            got = _conversation(server, alice, conv)
            assert got.status_code == 200, got.text
            messages = got.json()["messages"]
            assert [m["content"] for m in messages][:3] == expected
            assert [m["role"] for m in messages] == ["user", "assistant"] * 2
            assert messages[1]["meta"]["model"] == first["model"]
            # the conversation goes on after the restart, then the process is killed at once
            third = _chat(server, alice, message="Which belt?", conversation_id=conv)
            server.kill()
        with AuraServer(data, env) as server:
            server.wait_ready(timeout=180)
            messages = _conversation(server, alice, conv).json()["messages"]
            assert len(messages) == 6
            assert [m["content"] for m in messages[-2:]] == ["Which belt?", third["reply"]]
            # another user's conversation id is a plain 404, for every route
            assert _conversation(server, bob, conv).status_code == 404
            gone = httpx.delete(
                f"{server.url}{PREFIX}/conversations/{conv}",
                headers={"Authorization": f"Bearer {bob}"},
            )
            assert gone.status_code == 404
            response = httpx.post(
                f"{server.url}{PREFIX}/chat",
                json={"message": "hi", "conversation_id": conv},
                headers={"Authorization": f"Bearer {bob}"},
                timeout=60,
            )
            assert response.status_code == 404
            assert _conversation(server, alice, conv).status_code == 200
