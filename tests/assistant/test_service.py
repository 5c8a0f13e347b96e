"""One chat turn through the assistant with the real model: retrieval, the prompt, memory,
and that the items it draws on are the asking user's own."""

from __future__ import annotations

import pytest

from aura.assistant.memory import InProcessConversationStore
from aura.assistant.prompts import RequestContext
from aura.assistant.retrieval import Candidate
from aura.assistant.service import Assistant, ChatRequest
from aura.errors import NotFound

WARDROBES = {
    "alice": [
        Candidate("a1", 0.4, "blazer", ("navy",), ("work",), "wool"),
        Candidate("a2", 0.5, "sweater", ("red",), ("casual",), "chunky knit"),
        Candidate("a3", 0.3, "trousers", ("grey",), ("work",), "tailored"),
    ],
    "bob": [Candidate("b1", 0.9, "blazer", ("navy",), ("work",), "linen")],
}


class StaticWardrobe:
    """A hand-written wardrobe per user, as the vector index will serve it (filtered)."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def candidates(self, user_id: str, question: str, k: int) -> list[Candidate]:
        self.asked.append((user_id, question))
        return WARDROBES.get(user_id, [])[:k]


class RecordingOutfits:
    def suggestions(self, user_id: str, item_ids: list[str], context: RequestContext) -> list[str]:
        return [f"[item:{item_ids[0]}] with [item:{item_ids[-1]}]"]


@pytest.fixture
def assistant(llama_backend) -> Assistant:
    return Assistant(
        llama_backend,
        InProcessConversationStore(),
        context_tokens=2048,
        default_max_tokens=4,
        wardrobe=StaticWardrobe(),
        outfits=RecordingOutfits(),
    )


def test_a_turn_draws_on_the_users_own_items_ranked_by_the_question(assistant) -> None:
    request = ChatRequest(
        "Which navy blazer for the office?",
        context=RequestContext(occasion="work", weather="rain"),
        temperature=0.0,
    )
    result = assistant.chat("alice", request)
    assert result.item_ids[0] == "a1"  # the navy blazer outranks the closer red sweater
    assert set(result.item_ids) <= {"a1", "a2", "a3"}
    assert set(result.referenced_item_ids) <= set(result.item_ids)
    assert result.outfits == ["[item:a1] with [item:a2]"]
    assert result.reply and result.prompt_tokens > 0 and result.latency_ms > 0
    assert assistant.wardrobe.asked[-1][0] == "alice"
    assert "Occasion: work" in assistant.wardrobe.asked[-1][1]
    bob = assistant.chat("bob", ChatRequest("Which navy blazer?", temperature=0.0))
    assert bob.item_ids == ["b1"]


def test_memory_carries_the_conversation_and_is_per_user(assistant) -> None:
    first = assistant.chat("alice", ChatRequest("Hi", max_tokens=4, temperature=0.0))
    again = assistant.chat(
        "alice", ChatRequest("And then?", first.conversation_id, max_tokens=4, temperature=0.0)
    )
    assert again.conversation_id == first.conversation_id
    conv = assistant.store.get("alice", first.conversation_id)
    assert [m.content for m in conv.messages if m.role == "user"] == ["Hi", "And then?"]
    assert conv.messages[1].meta["model"] == result_model(assistant)
    with pytest.raises(NotFound):
        assistant.chat("bob", ChatRequest("Hi", first.conversation_id))


def test_an_abandoned_stream_stores_nothing(assistant) -> None:
    events = assistant.stream_chat("alice", ChatRequest("Tell me a story", max_tokens=50))
    start = next(events)
    assert start.kind == "start"
    next(events)
    events.close()
    conv = assistant.store.get("alice", start.data["conversation_id"])
    assert conv is not None and conv.messages == []


def result_model(assistant: Assistant) -> str:
    return assistant.backend.info().model
