"""The assistant's HTTP API under /api/v1/conversational-ai: chat (JSON, server-sent
events, WebSocket, batch) and the user's conversations.

Inference never runs on the event loop: whole replies go to a worker thread, streams are
produced by one (:func:`aura.assistant.aio.iterate_in_thread`). A client that goes away
mid-stream stops generation and leaves nothing half-stored.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.concurrency import run_in_threadpool

from aura.api.fields import NOT_BLANK, WholeNumber, has_text
from aura.api.routes.deps import current_user_id, get_assistant, websocket_user_id
from aura.assistant.aio import iterate_in_thread
from aura.assistant.memory import Conversation
from aura.assistant.prompts import RequestContext
from aura.assistant.service import MAX_MESSAGE_CHARS, Assistant, ChatRequest, StreamEvent
from aura.errors import AuraError, NotFound
from aura.services import Service

MAX_BATCH = 10
log = logging.getLogger("aura.api.conversational_ai")

router = APIRouter(prefix=Service.CONVERSATIONAL_AI.url_prefix, tags=["conversational_ai"])
UserId = Annotated[str, Depends(current_user_id)]
AssistantDep = Annotated[Assistant, Depends(get_assistant)]


class ChatContextIn(BaseModel):
    # strict: JSON false is not a number, 0 is not a boolean (found by fuzzing)
    model_config = ConfigDict(strict=True)

    occasion: str | None = Field(None, max_length=200)
    weather: str | None = Field(None, max_length=200)
    location: str | None = Field(None, max_length=200)


class ChatIn(BaseModel):
    # strict: JSON false is not a number, 0 is not a boolean (found by fuzzing)
    model_config = ConfigDict(strict=True)

    # Not blank: stated in the schema (minLength, a \S pattern); the validator below says so.
    message: str = Field(
        ...,
        min_length=1,
        max_length=MAX_MESSAGE_CHARS,
        json_schema_extra={"pattern": NOT_BLANK},
    )
    conversation_id: str | None = Field(None, max_length=64)
    context: ChatContextIn | None = None
    max_tokens: Annotated[int, Field(ge=1, le=2048), WholeNumber] | None = None
    temperature: float = Field(0.7, ge=0.0, le=2.0)
    seed: Annotated[int, WholeNumber] | None = None

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not has_text(value):
            raise ValueError("message is empty")
        return value

    def to_request(self) -> ChatRequest:
        ctx = self.context or ChatContextIn()
        return ChatRequest(
            message=self.message,
            conversation_id=self.conversation_id,
            context=RequestContext(ctx.occasion, ctx.weather, ctx.location),
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            seed=self.seed,
        )


class BatchIn(BaseModel):
    # strict: JSON false is not a number, 0 is not a boolean (found by fuzzing)
    model_config = ConfigDict(strict=True)

    requests: list[ChatIn] = Field(..., min_length=1, max_length=MAX_BATCH)


@router.post("/chat")
async def chat(body: ChatIn, user: UserId, assistant: AssistantDep) -> dict[str, Any]:
    result = await run_in_threadpool(assistant.chat, user, body.to_request())
    return result.to_dict()


@router.post("/chat/batch")
async def chat_batch(body: BatchIn, user: UserId, assistant: AssistantDep) -> dict[str, Any]:
    """Up to 10 independent turns, answered in order; one failing turn does not fail the rest."""
    results: list[dict[str, Any]] = []
    for item in body.requests:
        try:
            result = await run_in_threadpool(assistant.chat, user, item.to_request())
            results.append({"ok": True, **result.to_dict()})
        except AuraError as exc:
            results.append({"ok": False, **exc.to_dict()})
    return {"results": results}


def _event_payload(event: StreamEvent) -> Any:
    if event.kind == "delta":
        return {"text": event.data}
    if event.kind == "end":
        return event.data.to_dict()
    return event.data


@router.post(
    "/chat/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "Server-sent events: start, delta..., end (or error).",
        }
    },
)
async def chat_stream(body: ChatIn, user: UserId, assistant: AssistantDep) -> StreamingResponse:
    """Server-sent events: ``start`` (conversation id, item ids), ``delta`` (text), ``end``
    (the full result, as POST /chat returns it), or ``error``."""
    events = iterate_in_thread(lambda: assistant.stream_chat(user, body.to_request()))
    first = await anext(events)  # a bad conversation id etc. becomes a plain 4xx here

    async def sse() -> AsyncIterator[str]:
        async with contextlib.aclosing(events):
            yield _sse(first.kind, _event_payload(first))
            try:
                async for event in events:
                    yield _sse(event.kind, _event_payload(event))
            except AuraError as exc:
                yield _sse("error", exc.to_dict())

    return StreamingResponse(
        sse(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


@router.websocket("/ws/chat")
async def chat_ws(websocket: WebSocket, user: Annotated[str, Depends(websocket_user_id)]) -> None:
    """One JSON message per turn in (ChatIn), events out: {"type": start|delta|end|error}.
    The API key comes in the ``Authorization`` header or ``?api_key=``; without a valid one
    the handshake is refused. Bad input gets an error event and the socket stays open for
    the next turn."""
    await websocket.accept()
    try:
        while True:
            raw = await websocket.receive_text()
            try:
                body = ChatIn.model_validate_json(raw)
                assistant = get_assistant(websocket)
            except ValidationError as exc:
                errors = [
                    {"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors(include_url=False)
                ]
                await websocket.send_json(
                    {"type": "error", "error": "InvalidInput", "details": errors}
                )
                continue
            except AuraError as exc:
                await websocket.send_json({"type": "error", **exc.to_dict()})
                continue
            events = iterate_in_thread(
                lambda a=assistant, b=body: a.stream_chat(user, b.to_request())
            )
            async with contextlib.aclosing(events):
                try:
                    async for event in events:
                        await websocket.send_json(
                            {"type": event.kind, "data": _event_payload(event)}
                        )
                except AuraError as exc:
                    await websocket.send_json({"type": "error", **exc.to_dict()})
    except (WebSocketDisconnect, OSError, RuntimeError) as exc:
        # the client left (mid-stream: sending failed); the event stream above was closed,
        # which stopped generation. Nothing to answer to, nothing half-stored.
        log.info("websocket closed by the client", extra={"reason": type(exc).__name__})


def _summary(conv: Conversation) -> dict[str, Any]:
    return {
        "id": conv.id,
        "title": conv.title,
        "created_at": conv.created_at,
        "updated_at": conv.updated_at,
        "messages": len(conv.messages),
    }


@router.get("/conversations")
async def list_conversations(user: UserId, assistant: AssistantDep) -> dict[str, Any]:
    convs = await run_in_threadpool(assistant.store.list, user)
    return {"conversations": [_summary(c) for c in convs]}


@router.get("/conversations/{conversation_id}")
async def get_conversation(
    conversation_id: str, user: UserId, assistant: AssistantDep
) -> dict[str, Any]:
    conv = await run_in_threadpool(assistant.store.get, user, conversation_id)
    if conv is None:
        raise NotFound(
            f"No conversation {conversation_id}.", fix="List yours with GET .../conversations."
        )
    return {
        **_summary(conv),
        "messages": [
            {"role": m.role, "content": m.content, "created_at": m.created_at, "meta": m.meta}
            for m in conv.messages
        ],
    }


@router.delete("/conversations/{conversation_id}", status_code=204)
async def delete_conversation(
    conversation_id: str, user: UserId, assistant: AssistantDep
) -> Response:
    if not await run_in_threadpool(assistant.store.delete, user, conversation_id):
        raise NotFound(
            f"No conversation {conversation_id}.", fix="List yours with GET .../conversations."
        )
    return Response(status_code=204)
