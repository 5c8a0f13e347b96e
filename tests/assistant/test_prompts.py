"""Prompts: the model's own chat template, the context, and trimming to the window by the
back-end's real token count."""

from __future__ import annotations

import pytest

from aura.assistant import guidance
from aura.assistant.backends.base import ChatMessage
from aura.assistant.prompts import PromptItem, RequestContext, build_prompt, summarise
from aura.errors import InvalidInput

BACKENDS = ["llama_backend", "tf_backend"]


def _history(turns: int) -> list[ChatMessage]:
    out: list[ChatMessage] = []
    for i in range(turns):
        out.append(ChatMessage("user", f"Question {i}: what goes with my item {i}? " * 3))
        out.append(ChatMessage("assistant", f"Answer {i}: try a neutral colour. " * 6))
    return out


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_prompt_uses_the_models_chat_template(
    request: pytest.FixtureRequest, backend_name: str
) -> None:
    backend = request.getfixturevalue(backend_name)
    short = [ChatMessage("system", "S"), ChatMessage("user", "Hi")]
    if backend_name == "llama_backend":
        text, _ = backend._render(short)
    else:
        text = backend.tokenizer.apply_chat_template(
            [m.to_dict() for m in short], add_generation_prompt=True, tokenize=False
        )
    # SmolLM2's template is ChatML, ending with the opening of the assistant's turn
    assert "<|im_start|>system\nS<|im_end|>" in text
    assert text.rstrip().endswith("<|im_start|>assistant")


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_trimming_keeps_the_prompt_within_the_window(
    request: pytest.FixtureRequest, backend_name: str
) -> None:
    backend = request.getfixturevalue(backend_name)
    items = [PromptItem(str(i), f"navy wool blazer number {i}") for i in range(5)]
    history = _history(40)
    budget = 700
    assert backend.count_tokens([*history, ChatMessage("user", "q")]) > 3 * budget
    built = build_prompt(
        "What should I wear to the office tomorrow?",
        count_tokens=backend.count_tokens,
        budget=budget,
        history=history,
        items=items,
        guidance=guidance.search("office dress code", 2),
        context=RequestContext(occasion="work", weather="rain, 12 °C"),
    )
    assert built.tokens <= budget
    assert backend.count_tokens(built.messages) == built.tokens
    assert built.history_turns_dropped > 0 and built.history_turns_kept > 0
    # the newest turns are the ones kept, in order, and the question is last and whole
    kept = [m.content for m in built.messages[1:-1]]
    assert kept == [m.content for m in history[-len(kept) :]]
    assert built.messages[-1] == ChatMessage("user", "What should I wear to the office tomorrow?")
    system = built.messages[0].content
    assert "Earlier in this conversation the user asked" in system
    assert "[item:0] navy wool blazer number 0" in system
    assert "Occasion: work" in system and "Weather: rain, 12 °C" in system
    assert built.items == items  # items outrank old turns


def test_trimming_drops_guidance_then_items_when_turns_are_not_enough(llama_backend) -> None:
    items = [PromptItem(str(i), "a long description of a garment " * 10) for i in range(5)]
    built = build_prompt(
        "Which one?",
        count_tokens=llama_backend.count_tokens,
        budget=300,
        items=items,
        guidance=guidance.load_chunks()[:3],
    )
    assert built.tokens <= 300
    assert built.guidance == []
    assert 0 < len(built.items) < 5
    assert [i.id for i in built.items] == [str(i) for i in range(len(built.items))]


def test_an_impossible_budget_is_a_clear_error(llama_backend) -> None:
    with pytest.raises(InvalidInput, match="AURA_LLM_CONTEXT_TOKENS"):
        build_prompt("hello", count_tokens=llama_backend.count_tokens, budget=20)


def test_a_question_longer_than_the_window_is_cut_not_refused(llama_backend) -> None:
    built = build_prompt("Describe it. " * 400, count_tokens=llama_backend.count_tokens, budget=400)
    assert built.tokens <= 400 and built.question_truncated


def test_summary_names_what_the_user_asked() -> None:
    text = summarise(_history(10))
    assert text is not None and "Question 9" in text and "(and 4 earlier questions)" in text
    assert summarise([ChatMessage("assistant", "x")]) is None
