"""Prompt assembly: system prompt, the context (wardrobe items with ids, guidance, outfit
suggestions, the occasion/weather/location), the conversation so far and the question,
fitted to the model's context window by token count.

Token counts come from the back-end (its tokenizer and chat template), so the budget is
the real one. When the prompt does not fit, older turns go first (replaced by a one-line
summary of what the user asked), then guidance, then the lowest-ranked items, then the
summary; the question itself is cut only as a last resort.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aura.assistant.backends.base import ChatMessage
from aura.assistant.guidance import GuidanceChunk
from aura.errors import InvalidInput

SYSTEM_PROMPT = (
    "You are Aura, a friendly and practical fashion assistant. Answer in a few sentences. "
    "When you suggest pieces from the user's wardrobe, name them and give their id in "
    "square brackets, e.g. [item:42]. Only use items listed under 'Wardrobe'; if none fit, "
    "say what kind of piece would. Use the style notes when they help."
)
SUMMARY_ITEM_CHARS = 90
SUMMARY_MAX_TURNS = 6


@dataclass(frozen=True)
class PromptItem:
    id: str
    description: str


@dataclass(frozen=True)
class RequestContext:
    occasion: str | None = None
    weather: str | None = None
    location: str | None = None

    def lines(self) -> list[str]:
        return [
            f"{name}: {value}"
            for name, value in (
                ("Occasion", self.occasion),
                ("Weather", self.weather),
                ("Location", self.location),
            )
            if value
        ]


@dataclass
class BuiltPrompt:
    messages: list[ChatMessage]
    tokens: int
    items: list[PromptItem]
    guidance: list[GuidanceChunk]
    history_turns_kept: int
    history_turns_dropped: int
    question_truncated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _system(
    items: Sequence[PromptItem],
    guidance: Sequence[GuidanceChunk],
    outfits: Sequence[str],
    context: RequestContext,
    summary: str | None,
) -> ChatMessage:
    parts = [SYSTEM_PROMPT]
    if context.lines():
        parts.append("Request context:\n" + "\n".join(context.lines()))
    if items:
        parts.append("Wardrobe:\n" + "\n".join(f"- [item:{i.id}] {i.description}" for i in items))
    if outfits:
        parts.append("Outfit suggestions:\n" + "\n".join(f"- {o}" for o in outfits))
    if guidance:
        parts.append("Style notes:\n" + "\n".join(f"- {g.title}: {g.text}" for g in guidance))
    if summary:
        parts.append(summary)
    return ChatMessage("system", "\n\n".join(parts))


def summarise(dropped: Sequence[ChatMessage]) -> str | None:
    """One line naming what the user asked in the turns that no longer fit (extractive:
    no model call, so trimming costs nothing and cannot hallucinate)."""
    asked = [m.content.strip().replace("\n", " ") for m in dropped if m.role == "user"]
    if not asked:
        return None
    shown = asked[-SUMMARY_MAX_TURNS:]
    clipped = [
        a if len(a) <= SUMMARY_ITEM_CHARS else a[: SUMMARY_ITEM_CHARS - 1] + "…" for a in shown
    ]
    more = f" (and {len(asked) - len(shown)} earlier questions)" if len(asked) > len(shown) else ""
    return "Earlier in this conversation the user asked: " + "; ".join(clipped) + more + "."


def build_prompt(
    question: str,
    *,
    count_tokens: Callable[[list[ChatMessage]], int],
    budget: int,
    history: Sequence[ChatMessage] = (),
    items: Sequence[PromptItem] = (),
    guidance: Sequence[GuidanceChunk] = (),
    outfits: Sequence[str] = (),
    context: RequestContext | None = None,
) -> BuiltPrompt:
    """The messages for the model, at most ``budget`` tokens as the back-end counts them."""
    context = context or RequestContext()
    items, guidance, history = list(items), list(guidance), list(history)
    dropped: list[ChatMessage] = []
    use_summary = True
    user_text = question

    def assemble() -> list[ChatMessage]:
        summary = summarise(dropped) if use_summary else None
        system = _system(items, guidance, outfits, context, summary)
        return [system, *history, ChatMessage("user", user_text)]

    messages = assemble()
    tokens = count_tokens(messages)
    truncated = False
    while tokens > budget:
        if history:
            # drop the oldest turn: a user message and the reply that follows it
            dropped.append(history.pop(0))
            while history and history[0].role != "user":
                dropped.append(history.pop(0))
        elif guidance:
            guidance.pop()
        elif items:
            items.pop()
        elif use_summary and dropped:
            use_summary = False
        elif len(user_text) > 200:
            keep = int(len(user_text) * budget / tokens * 0.9)
            user_text, truncated = user_text[: max(200, keep)], True
        else:
            raise InvalidInput(
                f"The prompt needs {tokens} tokens but only {budget} are available.",
                fix="Raise AURA_LLM_CONTEXT_TOKENS or lower AURA_LLM_MAX_TOKENS.",
            )
        messages = assemble()
        tokens = count_tokens(messages)
    return BuiltPrompt(
        messages=messages,
        tokens=tokens,
        items=items,
        guidance=guidance,
        history_turns_kept=sum(1 for m in history if m.role == "user"),
        history_turns_dropped=sum(1 for m in dropped if m.role == "user"),
        question_truncated=truncated,
    )
