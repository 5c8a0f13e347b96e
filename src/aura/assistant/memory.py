"""Conversation memory behind a small interface.

``ConversationStore`` is what the assistant and the API use. The only implementation in
this module, :class:`InProcessConversationStore`, keeps everything in this process's memory
and loses it on restart: it exists so the assistant works before the database tables
(conversations, messages) arrive; the durable implementation replaces it at start-up.

Every call takes the user id: a conversation belongs to one user, and another user's id
behaves exactly like an unknown one (``None`` / ``False``), so the API answers 404 and
never confirms that the id exists.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class StoredMessage:
    role: str  # user | assistant
    content: str
    created_at: float
    meta: dict[str, Any] = field(default_factory=dict)  # item ids, model, latency...


@dataclass
class Conversation:
    id: str
    user_id: str
    created_at: float
    updated_at: float
    messages: list[StoredMessage] = field(default_factory=list)

    @property
    def title(self) -> str:
        first = next((m.content for m in self.messages if m.role == "user"), "")
        return first[:80]


class ConversationStore(Protocol):
    def create(self, user_id: str) -> Conversation: ...

    def get(self, user_id: str, conversation_id: str) -> Conversation | None: ...

    def append(
        self,
        user_id: str,
        conversation_id: str,
        messages: list[StoredMessage],
    ) -> Conversation | None:
        """Add messages (one user turn and its reply, together). None if not the user's."""
        ...

    def list(self, user_id: str) -> list[Conversation]: ...

    def delete(self, user_id: str, conversation_id: str) -> bool: ...


class InProcessConversationStore:
    """Conversations in this process's memory only: gone when the process exits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._conversations: dict[str, Conversation] = {}

    def create(self, user_id: str) -> Conversation:
        now = time.time()
        conv = Conversation(uuid.uuid4().hex, user_id, now, now)
        with self._lock:
            self._conversations[conv.id] = conv
        return _copy(conv)

    def _owned(self, user_id: str, conversation_id: str) -> Conversation | None:
        conv = self._conversations.get(conversation_id)
        return conv if conv is not None and conv.user_id == user_id else None

    def get(self, user_id: str, conversation_id: str) -> Conversation | None:
        with self._lock:
            conv = self._owned(user_id, conversation_id)
            return _copy(conv) if conv else None

    def append(
        self, user_id: str, conversation_id: str, messages: list[StoredMessage]
    ) -> Conversation | None:
        with self._lock:
            conv = self._owned(user_id, conversation_id)
            if conv is None:
                return None
            conv.messages.extend(messages)
            conv.updated_at = time.time()
            return _copy(conv)

    def list(self, user_id: str) -> list[Conversation]:
        with self._lock:
            mine = [_copy(c) for c in self._conversations.values() if c.user_id == user_id]
        return sorted(mine, key=lambda c: c.updated_at, reverse=True)

    def delete(self, user_id: str, conversation_id: str) -> bool:
        with self._lock:
            if self._owned(user_id, conversation_id) is None:
                return False
            del self._conversations[conversation_id]
            return True


def _copy(conv: Conversation) -> Conversation:
    return Conversation(conv.id, conv.user_id, conv.created_at, conv.updated_at, [*conv.messages])
