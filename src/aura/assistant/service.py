"""The assistant: one chat turn, answered from Aura's tools and remembered. Blocking code;
the API runs it in worker threads.

With tools (:class:`~aura.assistant.tools.ToolDeps`, the platform's services) a turn is
*grounded*: the packaged small model goes through the deterministic planner (facts
composed from tool results; the model writes an opening line), a model behind the
``openai`` back-end drives the tools by native tool calling. Without tools (unit tests of
the prompt path) a turn is the original retrieval-augmented prompt.

Collaborators come in through small interfaces so the real ones plug in at start-up:
``WardrobeSource`` (the vector index, filtered to the user), ``OutfitSource`` (the outfit
service), ``ConversationStore`` (the database) and the tools.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from aura.assistant import guidance as guidance_corpus
from aura.assistant.backends.base import ChatMessage, GenerationParams, LLMBackend
from aura.assistant.memory import ConversationStore, StoredMessage
from aura.assistant.prompts import BuiltPrompt, PromptItem, RequestContext, build_prompt
from aura.assistant.retrieval import Candidate, rerank
from aura.errors import NotFound

if TYPE_CHECKING:
    from aura.assistant.tools import ToolDeps

MAX_MESSAGE_CHARS = 4000
ITEMS_IN_PROMPT = 5
CANDIDATES_FETCHED = 50
GUIDANCE_IN_PROMPT = 2
_ITEM_REF = re.compile(r"\[item:([^\]\s]+)\]")
SMALL_MODEL_NOTICE = (
    "Answers come from your wardrobe data through Aura's tools; the packaged small model "
    "({model}) only writes the opening line. For free-form answers, connect a bigger model: "
    "AURA_LLM_BACKEND=openai with AURA_LLM_BASE_URL and AURA_LLM_MODEL (see the README, "
    "'A bigger model')."
)


class WardrobeSource(Protocol):
    def candidates(self, user_id: str, question: str, k: int) -> list[Candidate]:
        """The user's own items most similar to the question (vector search)."""
        ...


class OutfitSource(Protocol):
    def suggestions(self, user_id: str, item_ids: list[str], context: RequestContext) -> list[str]:
        """Short descriptions of outfits built from these items."""
        ...


class NoWardrobe:
    """Until the vector index is wired in: no items, the assistant answers from guidance."""

    def candidates(self, user_id: str, question: str, k: int) -> list[Candidate]:
        return []


@dataclass(frozen=True)
class ChatRequest:
    message: str
    conversation_id: str | None = None
    context: RequestContext = field(default_factory=RequestContext)
    max_tokens: int | None = None
    temperature: float = 0.7
    seed: int | None = None


@dataclass
class ChatResult:
    reply: str
    conversation_id: str
    item_ids: list[str]  # the user's items the answer uses (grounded) / given to the model
    referenced_item_ids: list[str]  # those the reply names
    guidance_ids: list[str]
    outfits: list[Any]  # grounded: {"item_ids", "score", "explanation", ...}
    model: str
    latency_ms: float
    prompt_tokens: int
    completion_chars: int
    completion_tokens: int  # streamed pieces: one per token for the local back-ends
    first_token_ms: float | None = None
    items: list[dict[str, Any]] = field(default_factory=list)  # the items of item_ids
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    driver: str = "prompt"  # "planner", "tools" or "prompt"
    intent: str | None = None
    notice: str | None = None  # said once per conversation: what the model does here

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class StreamEvent:
    kind: str  # "start" (conversation id, item ids), "delta" (text), "end" (ChatResult)
    data: Any


class Assistant:
    def __init__(
        self,
        backend: LLMBackend,
        store: ConversationStore,
        *,
        context_tokens: int,
        default_max_tokens: int,
        wardrobe: WardrobeSource | None = None,
        outfits: OutfitSource | None = None,
        tools: ToolDeps | None = None,
        lead_in: bool = True,
    ) -> None:
        self.backend = backend
        self.store = store
        self.context_tokens = context_tokens
        self.default_max_tokens = default_max_tokens
        self.wardrobe: WardrobeSource = wardrobe or NoWardrobe()
        self.outfits = outfits
        self.tools = tools
        self.lead_in = lead_in
        from aura.assistant.tools import default_toolbox

        self.toolbox = default_toolbox()

    @property
    def driver(self) -> str:
        if self.tools is None:
            return "prompt"
        return "tools" if hasattr(self.backend, "chat_tools") else "planner"

    @property
    def model_name(self) -> str:
        return self.backend.info().model

    def _prepare(
        self, user_id: str, request: ChatRequest
    ) -> tuple[str, BuiltPrompt, GenerationParams, list[str]]:
        conv = self._conversation(user_id, request)
        history = [ChatMessage(m.role, m.content) for m in conv.messages]  # type: ignore[arg-type]
        query = " ".join([request.message, *request.context.lines()])
        ranked = rerank(self.wardrobe.candidates(user_id, query, CANDIDATES_FETCHED), query)
        items = [
            PromptItem(r.candidate.id, _describe(r.candidate)) for r in ranked[:ITEMS_IN_PROMPT]
        ]
        outfits: list[str] = []
        if self.outfits is not None and items:
            outfits = self.outfits.suggestions(user_id, [i.id for i in items], request.context)
        max_tokens = request.max_tokens or self.default_max_tokens
        prompt = build_prompt(
            request.message,
            count_tokens=self.backend.count_tokens,
            budget=self.context_tokens - max_tokens,
            history=history,
            items=items,
            guidance=guidance_corpus.search(query, GUIDANCE_IN_PROMPT),
            outfits=outfits,
            context=request.context,
        )
        params = GenerationParams(
            max_tokens=max_tokens, temperature=request.temperature, seed=request.seed
        )
        return conv.id, prompt, params, outfits

    def stream_chat(self, user_id: str, request: ChatRequest) -> Iterator[StreamEvent]:
        """The turn as events. The exchange is remembered only once the reply is complete:
        closing the iterator early (a client that went away) stores nothing."""
        if self.tools is not None:
            yield from self._grounded(user_id, request)
            return
        began = time.perf_counter()
        conv_id, prompt, params, outfits = self._prepare(user_id, request)
        item_ids = [i.id for i in prompt.items]
        yield StreamEvent("start", {"conversation_id": conv_id, "item_ids": item_ids})
        parts: list[str] = []
        first: float | None = None
        for delta in self.backend.stream(prompt.messages, params):
            if first is None:
                first = time.perf_counter()
            parts.append(delta)
            yield StreamEvent("delta", delta)
        reply = "".join(parts).strip()
        latency_ms = (time.perf_counter() - began) * 1000
        own = set(item_ids)
        referenced = [i for i in dict.fromkeys(_ITEM_REF.findall(reply)) if i in own]
        result = ChatResult(
            reply=reply,
            conversation_id=conv_id,
            item_ids=item_ids,
            referenced_item_ids=referenced,
            guidance_ids=[g.id for g in prompt.guidance],
            outfits=outfits,
            model=self.model_name,
            latency_ms=round(latency_ms, 1),
            prompt_tokens=prompt.tokens,
            completion_chars=len(reply),
            completion_tokens=len(parts),
            first_token_ms=None if first is None else round((first - began) * 1000, 1),
        )
        meta = {k: v for k, v in result.to_dict().items() if k not in ("reply", "conversation_id")}
        self._remember(user_id, conv_id, request.message, reply, meta)
        yield StreamEvent("end", result)

    def _remember(
        self, user_id: str, conv_id: str, message: str, reply: str, meta: dict[str, Any]
    ) -> None:
        """The user's message and the reply in ONE write: the whole turn or nothing."""
        now = time.time()
        stored = self.store.append(
            user_id,
            conv_id,
            [StoredMessage("user", message, now), StoredMessage("assistant", reply, now, meta)],
        )
        if stored is None:  # deleted while we were generating
            raise NotFound(f"Conversation {conv_id} was deleted during the reply.")

    def _conversation(self, user_id: str, request: ChatRequest) -> Any:
        if request.conversation_id:
            conv = self.store.get(user_id, request.conversation_id)
            if conv is None:
                raise NotFound(
                    f"No conversation {request.conversation_id}.",
                    fix="Omit conversation_id to start a new conversation, or list yours with "
                    "GET /api/v1/conversational-ai/conversations.",
                )
            return conv
        return self.store.create(user_id)

    def _grounded(self, user_id: str, request: ChatRequest) -> Iterator[StreamEvent]:
        from aura.assistant.grounded import PlannerDriver, ToolCallingDriver
        from aura.assistant.tools import ToolSession, parse_context

        assert self.tools is not None
        began = time.perf_counter()
        if not (user_id.isascii() and user_id.isdigit()):
            raise NotFound(f"No user {user_id}.")
        conv = self._conversation(user_id, request)
        history = [ChatMessage(m.role, m.content) for m in conv.messages][-6:]  # type: ignore[arg-type]
        ctx = request.context
        driver_name = self.driver
        session = ToolSession(
            self.tools,
            int(user_id),
            parse_context(
                request.message,
                occasion=ctx.occasion,
                weather=ctx.weather,
                location=ctx.location,
            ),
            # the planner writes one thing, when told so: "I wore my jeans today" logs a
            # wear; a model calling tools itself gets the read-only ones
            allow_writes=driver_name == "planner",
        )
        yield StreamEvent("start", {"conversation_id": conv.id, "item_ids": []})
        if driver_name == "tools":
            params = GenerationParams(
                max_tokens=request.max_tokens or self.default_max_tokens,
                temperature=min(request.temperature, 0.7),
                seed=request.seed,
            )
            events = ToolCallingDriver(self.backend, self.toolbox).turn(
                session, request.message, history, params
            )
        else:
            events = PlannerDriver(self.backend, self.toolbox, lead=self.lead_in).turn(
                session, request.message, history
            )
        first: float | None = None
        pieces = 0
        grounded = None
        for kind, data in events:
            if kind == "delta":
                if first is None:
                    first = time.perf_counter()
                pieces += 1
                yield StreamEvent("delta", data)
            else:
                grounded = data
        assert grounded is not None
        items = {i.id: i for i in session.items()}
        used = [i for i in grounded.item_ids if i in items]  # only the caller's, existing
        notice = None
        if driver_name == "planner" and not conv.messages:
            notice = SMALL_MODEL_NOTICE.format(model=self.model_name)
        result = ChatResult(
            reply=grounded.reply,
            conversation_id=conv.id,
            item_ids=[str(i) for i in used],
            referenced_item_ids=[str(i) for i in used],
            guidance_ids=grounded.guidance_ids,
            outfits=[o for o in grounded.outfits if set(o.get("item_ids", [])) <= set(items)],
            model=self.model_name,
            latency_ms=round((time.perf_counter() - began) * 1000, 1),
            prompt_tokens=grounded.prompt_tokens,
            completion_chars=len(grounded.reply),
            completion_tokens=pieces,
            first_token_ms=None if first is None else round((first - began) * 1000, 1),
            items=[items[i].model_dump(mode="json", exclude_none=True) for i in used],
            tool_calls=[c.to_dict() for c in grounded.calls],
            driver=driver_name,
            intent=grounded.intent,
            notice=notice,
        )
        meta = {k: v for k, v in result.to_dict().items() if k not in ("reply", "conversation_id")}
        self._remember(user_id, conv.id, request.message, grounded.reply, meta)
        yield StreamEvent("end", result)

    def chat(self, user_id: str, request: ChatRequest) -> ChatResult:
        for event in self.stream_chat(user_id, request):
            if event.kind == "end":
                return event.data  # type: ignore[no-any-return]
        raise RuntimeError("the chat stream ended without a result")  # pragma: no cover


def _describe(c: Candidate) -> str:
    bits = [", ".join(c.colours), c.category]
    text = " ".join(b for b in bits if b)
    if c.description:
        text = f"{text}: {c.description}" if text else c.description
    if c.occasions:
        text += f" (for {', '.join(c.occasions)})"
    return text
