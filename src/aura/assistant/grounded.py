"""The two ways a chat turn drives the tools; one contract (:class:`Grounded`).

* :class:`PlannerDriver` (the packaged small model): the deterministic planner answers
  from tool results; the model writes only a checked opening line.
* :class:`ToolCallingDriver` (a capable model behind the ``openai`` back-end): native tool
  calling. The model gets the tools' JSON schemas, asks for calls, every call's arguments
  are validated against the schema, failures (unknown tool, malformed JSON, invalid
  arguments, a refused write) go back to the model as the tool's answer, and the loop
  stops after :data:`MAX_ROUNDS` rounds.

Both report the items the answer is about (each the caller's), the outfits, and every tool
call with its arguments and a summary.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aura.assistant.backends.base import ChatMessage, GenerationParams, LLMBackend
from aura.assistant.phrasing import lead_in, lead_messages, tidy
from aura.assistant.planner import Planner, PlannerError
from aura.assistant.tools import Toolbox, ToolOutcome, ToolSession

MAX_ROUNDS = 4
_ITEM_REF = re.compile(r"\[item:(\d+)\]|#(\d+)\b")
TOOL_SYSTEM = (
    "You are Aura, a wardrobe assistant. Answer ONLY from the results of the tools: call "
    "them to look up the user's items, outfits and context; never invent an item, a count "
    "or a fact. Name items by their label and id, e.g. 'navy blazer [item:12]'. Be brief: "
    "a few sentences."
)


def today_line(session: ToolSession) -> str:
    """The day the session's dates are relative to, for a model to resolve "last week"."""
    day = session.today
    return f"Today is {day:%A} {day.isoformat()}: days the user names are relative to it."


@dataclass
class Grounded:
    reply: str
    item_ids: list[int]
    outfits: list[dict[str, Any]]
    calls: list[ToolOutcome]
    intent: str | None = None
    guidance_ids: list[str] = field(default_factory=list)
    model_wrote: str | None = None  # what of the reply the model wrote
    prompt_tokens: int = 0


Event = tuple[str, Any]  # ("delta", str) … ("done", Grounded)


class PlannerDriver:
    def __init__(self, backend: LLMBackend, toolbox: Toolbox, *, lead: bool = True) -> None:
        self.backend, self.toolbox, self.lead = backend, toolbox, lead
        self.planner = Planner(toolbox)

    def turn(
        self, session: ToolSession, question: str, history: list[ChatMessage]
    ) -> Iterator[Event]:
        try:
            answer = self.planner.answer(session, question)
            body, intent = answer.body, answer.intent
        except PlannerError as exc:
            body, intent, answer = f"I could not look that up: {exc}", "error", None
        wrote = None
        deltas: list[str] = []
        prompt_tokens = 0
        if self.lead:
            prompt_tokens = self.backend.count_tokens(lead_messages(question))
            line, own = lead_in(self.backend, question, intent)
            wrote = line if own else None
            deltas.append(line + " ")
            yield "delta", deltas[-1]
        parts = _chunks(body)
        for part in parts:  # streamed a sentence at a time
            deltas.append(part)
            yield "delta", part
        reply = "".join(deltas).strip()
        yield (
            "done",
            Grounded(
                reply=reply,
                item_ids=answer.item_ids if answer else [],
                outfits=answer.outfits if answer else [],
                calls=answer.calls if answer else [],
                intent=intent,
                guidance_ids=answer.guidance_ids if answer else [],
                model_wrote=wrote,
                prompt_tokens=prompt_tokens,
            ),
        )


class ToolCallingDriver:
    def __init__(self, backend: Any, toolbox: Toolbox, *, max_rounds: int = MAX_ROUNDS) -> None:
        self.backend, self.toolbox, self.max_rounds = backend, toolbox, max_rounds

    def turn(
        self,
        session: ToolSession,
        question: str,
        history: list[ChatMessage],
        params: GenerationParams | None = None,
    ) -> Iterator[Event]:
        params = params or GenerationParams(max_tokens=512, temperature=0.2)
        context = session.context.model_dump(exclude_none=True, exclude_defaults=True)
        user = question + (f"\n\n(Request context: {json.dumps(context)})" if context else "")
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": f"{TOOL_SYSTEM} {today_line(session)}"},
            *[m.to_dict() for m in history],
            {"role": "user", "content": user},
        ]
        tools = self.toolbox.openai_tools(writes=session.allow_writes)
        calls: list[ToolOutcome] = []
        reply, cut = "", False
        for round_no in range(self.max_rounds + 1):
            last = round_no == self.max_rounds
            answer = self.backend.chat_tools(
                messages, tools, params, tool_choice="none" if last else None
            )
            if not answer["tool_calls"]:
                reply, cut = answer["content"] or "", answer["finish_reason"] == "length"
                break
            if last:
                break
            messages.append(
                {
                    "role": "assistant",
                    "content": answer["content"] or None,
                    "tool_calls": [
                        {
                            "id": c["id"],
                            "type": "function",
                            "function": {"name": c["name"], "arguments": c["arguments"]},
                        }
                        for c in answer["tool_calls"]
                    ],
                }
            )
            for call in answer["tool_calls"]:
                outcome = self.toolbox.run(session, call["name"], call["arguments"])
                calls.append(outcome)
                messages.append(
                    {"role": "tool", "tool_call_id": call["id"], "content": outcome.content()}
                )
        if not reply.strip():
            reply = (
                f"I stopped after {self.max_rounds} rounds of tool calls without an answer; "
                "please ask more specifically."
                if len(calls) >= self.max_rounds
                else "The model gave no answer; please ask again."
            )
        else:
            reply = tidy(reply, cut=cut)
        item_ids, outfits = used_items(reply, calls)
        yield "delta", reply
        yield "done", Grounded(reply, item_ids, outfits, calls, "tools", model_wrote=reply)


def _chunks(text: str) -> list[str]:
    """``text`` in sentence-sized pieces that join back to exactly ``text``."""
    pieces = re.findall(r".+?(?:[.!?](?=\s|$)\s*|$)", text, flags=re.S)
    return [p for p in pieces if p] or [text]


def used_items(reply: str, calls: list[ToolOutcome]) -> tuple[list[int], list[dict[str, Any]]]:
    """The items of the tool results the reply names (by [item:ID]/#ID or by label), and
    the outfits whose items it names."""
    seen: dict[int, str] = {}
    outfits: list[dict[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("id"), int) and isinstance(value.get("label"), str):
                seen.setdefault(value["id"], value["label"])
            if isinstance(value.get("item_ids"), list) and isinstance(value.get("items"), list):
                kept = {k: value[k] for k in ("score", "explanation", "id") if k in value}
                outfits.append({"item_ids": value["item_ids"], **kept})
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for call in calls:
        if call.ok:
            walk(call.result)
    low = reply.lower()
    refs = {int(a or b) for a, b in _ITEM_REF.findall(reply)}
    used = [i for i, label in seen.items() if i in refs or label.lower() in low]
    chosen = [o for o in outfits if o["item_ids"] and set(o["item_ids"]) <= set(used)]
    unique = []
    for o in chosen:
        if o not in unique:
            unique.append(o)
    return used, unique
