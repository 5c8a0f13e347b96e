"""Conversation memory in the database (the ``conversations`` and ``messages`` tables), so a
conversation continues after a restart or a crash of the server process.

The platform uses this store; :class:`aura.assistant.memory.InProcessConversationStore`
remains for unit tests. A turn (the user's message and the reply) is written in ONE
transaction: after a 2xx the whole exchange is committed (SQLite runs ``synchronous=FULL``),
and a crash mid-reply leaves no half turn. Conversation ids are the table's integer ids as
strings; an id that is not a number, unknown, or another user's reads as ``None`` / ``False``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aura.assistant.memory import Conversation, StoredMessage
from aura.storage.db import Database
from aura.storage.schema import Conversation as ConversationRow
from aura.storage.schema import Message

TITLE_CHARS = 200
# meta keys that have columns of their own (kept in meta too: the API shows meta as given)
_PROMPT_TOKENS, _COMPLETION_TOKENS, _LATENCY = "prompt_tokens", "completion_tokens", "latency_ms"


def _epoch(moment: datetime) -> float:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


MAX_ID = 2**31 - 1  # INTEGER columns: PostgreSQL would fail a larger literal, not miss it


def _int_id(value: str) -> int | None:
    """A row id from an API id; None for anything that cannot be one (reads as missing)."""
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_ID)):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def _stored(row: Message) -> StoredMessage:
    return StoredMessage(row.role, row.content, _epoch(row.created_at), dict(row.meta or {}))


def _conversation(row: ConversationRow, user_id: str, messages: list[Message]) -> Conversation:
    created = _epoch(row.created_at)
    updated = max([created, *(_epoch(m.created_at) for m in messages)])
    return Conversation(str(row.id), user_id, created, updated, [_stored(m) for m in messages])


def _number(meta: dict[str, Any], key: str) -> Any:
    value = meta.get(key)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


class DatabaseConversationStore:
    """:class:`aura.assistant.memory.ConversationStore` on the platform's database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _owned(s: Session, user_id: str, conversation_id: str) -> ConversationRow | None:
        cid, uid = _int_id(conversation_id), _int_id(user_id)
        if cid is None or uid is None:
            return None
        return s.scalar(
            select(ConversationRow).where(ConversationRow.id == cid, ConversationRow.user_id == uid)
        )

    @staticmethod
    def _messages(s: Session, conversation_ids: list[int]) -> dict[int, list[Message]]:
        found: dict[int, list[Message]] = defaultdict(list)
        rows = s.scalars(
            select(Message)
            .where(Message.conversation_id.in_(conversation_ids))
            .order_by(Message.conversation_id, Message.id)
        )
        for row in rows:
            found[row.conversation_id].append(row)
        return found

    def create(self, user_id: str) -> Conversation:
        uid = _int_id(user_id)
        if uid is None:
            raise ValueError(f"user ids are database ids, not {user_id!r}")
        with self.db.session() as s:
            row = ConversationRow(user_id=uid)
            s.add(row)
            s.flush()
            return _conversation(row, user_id, [])

    def get(self, user_id: str, conversation_id: str) -> Conversation | None:
        with self.db.session() as s:
            row = self._owned(s, user_id, conversation_id)
            if row is None:
                return None
            return _conversation(row, user_id, self._messages(s, [row.id])[row.id])

    def append(
        self, user_id: str, conversation_id: str, messages: list[StoredMessage]
    ) -> Conversation | None:
        with self.db.session() as s:
            row = self._owned(s, user_id, conversation_id)
            if row is None:
                return None
            if row.title is None:
                first = next((m.content for m in messages if m.role == "user"), None)
                row.title = first[:TITLE_CHARS] if first else None
            for m in messages:
                s.add(
                    Message(
                        user_id=row.user_id,
                        conversation_id=row.id,
                        role=m.role,
                        content=m.content,
                        prompt_tokens=_number(m.meta, _PROMPT_TOKENS),
                        completion_tokens=_number(m.meta, _COMPLETION_TOKENS),
                        latency_ms=_number(m.meta, _LATENCY),
                        meta=m.meta or None,
                        created_at=datetime.fromtimestamp(m.created_at, UTC),
                    )
                )
            s.flush()
            return _conversation(row, user_id, self._messages(s, [row.id])[row.id])

    def list(self, user_id: str) -> list[Conversation]:
        uid = _int_id(user_id)
        if uid is None:
            return []
        with self.db.session() as s:
            rows = s.scalars(select(ConversationRow).where(ConversationRow.user_id == uid)).all()
            messages = self._messages(s, [r.id for r in rows]) if rows else {}
            convs = [_conversation(r, user_id, messages.get(r.id, [])) for r in rows]
        return sorted(convs, key=lambda c: (c.updated_at, int(c.id)), reverse=True)

    def delete(self, user_id: str, conversation_id: str) -> bool:
        with self.db.session() as s:
            row = self._owned(s, user_id, conversation_id)
            if row is None:
                return False
            s.delete(row)  # its messages go with it (ON DELETE CASCADE)
            return True
