"""An OpenAI-compatible ``POST /v1/chat/completions`` (and ``GET /v1/models``) at the app
root, so existing OpenAI clients and tools talk to Aura's model unchanged.

This is the raw model: the caller's messages go to the back-end as they are (no wardrobe
context, no memory). Errors use OpenAI's shape, ``{"error": {"message", "type", ...}}``.
Token usage: the prompt is counted by the back-end's tokenizer; the completion by the
number of streamed pieces, which is one per token for the local back-ends.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator

from aura.api.errors import ErrorBody
from aura.api.fields import WholeNumber
from aura.api.routes.deps import current_user_id, get_assistant
from aura.assistant.aio import iterate_in_thread
from aura.assistant.backends.base import ChatMessage, GenerationParams
from aura.assistant.service import Assistant
from aura.errors import AuraError

router = APIRouter(tags=["openai"])
MAX_MESSAGES = 200


class MessageIn(BaseModel):
    # strict: JSON false is not a number, 0 is not a boolean (found by fuzzing)
    model_config = ConfigDict(strict=True)

    role: Literal["system", "user", "assistant", "developer"]
    content: str | list[dict[str, Any]]

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "".join(p.get("text", "") for p in self.content if p.get("type") == "text")


class CompletionIn(BaseModel):
    # strict: JSON false is not a number, 0 is not a boolean (found by fuzzing)
    model_config = ConfigDict(strict=True)

    model: str | None = None
    messages: list[MessageIn] = Field(..., min_length=1, max_length=MAX_MESSAGES)
    max_tokens: Annotated[int, Field(ge=1, le=8192), WholeNumber] | None = None
    max_completion_tokens: Annotated[int, Field(ge=1, le=8192), WholeNumber] | None = None
    temperature: float = Field(0.7, ge=0.0, le=2.0)
    top_p: float = Field(0.95, gt=0.0, le=1.0)
    stream: StrictBool = False
    stop: str | list[str] | None = None
    seed: Annotated[StrictInt, WholeNumber] | None = None
    n: Annotated[int, WholeNumber] = Field(1, ge=1, le=1)

    @field_validator("stop")
    @classmethod
    def _stops(cls, value: str | list[str] | None) -> str | list[str] | None:
        if isinstance(value, list) and len(value) > 4:
            raise ValueError("at most 4 stop sequences")
        return value

    def params(self, default_max: int) -> GenerationParams:
        stop = [self.stop] if isinstance(self.stop, str) else list(self.stop or [])
        return GenerationParams(
            max_tokens=self.max_completion_tokens or self.max_tokens or default_max,
            temperature=self.temperature,
            top_p=self.top_p,
            stop=tuple(stop),
            seed=self.seed,
        )

    def chat_messages(self) -> list[ChatMessage]:
        return [
            ChatMessage("system" if m.role == "developer" else m.role, m.text())  # type: ignore[arg-type]
            for m in self.messages
        ]


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class OpenAIError(BaseModel):
    """OpenAI's error shape, which this route answers with (not Aura's error body)."""

    error: OpenAIErrorDetail


# Documented so the published schema matches what is sent (schemathesis found the 400 of a
# too-long conversation answered in OpenAI's shape but documented as Aura's error body).
_OPENAI_ERRORS: dict[int | str, dict[str, Any]] = {
    # a body that is not JSON at all is refused before the route runs, in Aura's error body
    # (schemathesis found that 400 undocumented once the route's own 400 was)
    400: {
        "model": OpenAIError | ErrorBody,
        "description": "Messages + max_tokens exceed the context (OpenAI's shape), or the "
        "body is not JSON (Aura's error body)",
    },
    502: {"model": OpenAIError, "description": "The model back-end failed"},
}


def openai_error(status: int, message: str, kind: str, code: str | None = None) -> JSONResponse:
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return JSONResponse(body, status_code=status)


@router.get("/v1/models")
async def models(
    _user: Annotated[str, Depends(current_user_id)],
    assistant: Annotated[Assistant, Depends(get_assistant)],
) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"id": assistant.model_name, "object": "model", "created": 0, "owned_by": "aura"}],
    }


@router.post(
    "/v1/chat/completions",
    response_model=None,
    responses={
        200: {
            "content": {"application/json": {}, "text/event-stream": {}},
            "description": "A completion, or server-sent chunks with stream=true.",
        },
        **_OPENAI_ERRORS,
    },
)
async def chat_completions(
    body: CompletionIn,
    _user: Annotated[str, Depends(current_user_id)],
    assistant: Annotated[Assistant, Depends(get_assistant)],
) -> JSONResponse | StreamingResponse | dict[str, Any]:
    backend = assistant.backend
    messages = body.chat_messages()
    params = body.params(assistant.default_max_tokens)
    cid, created, model = f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), assistant.model_name

    def run() -> Iterator[tuple[str, Any]]:
        prompt_tokens = backend.count_tokens(messages)
        if prompt_tokens + params.max_tokens > assistant.context_tokens:
            raise _TooLong(prompt_tokens, params.max_tokens, assistant.context_tokens)
        yield "prompt_tokens", prompt_tokens
        for delta in backend.stream(messages, params):
            yield "delta", delta

    events = iterate_in_thread(run)
    try:
        _, prompt_tokens = await anext(events)
    except _TooLong as exc:
        return openai_error(400, str(exc), "invalid_request_error", "context_length_exceeded")
    except AuraError as exc:
        return openai_error(502, exc.message, "server_error")

    def finish(pieces: int) -> str:
        return "length" if pieces >= params.max_tokens else "stop"

    if not body.stream:
        parts: list[str] = []
        async with contextlib.aclosing(events):
            async for _, delta in events:
                parts.append(delta)
        return {
            "id": cid,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "".join(parts).strip()},
                    "finish_reason": finish(len(parts)),
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": len(parts),
                "total_tokens": prompt_tokens + len(parts),
            },
        }

    def chunk(delta: dict[str, Any], reason: str | None) -> str:
        payload = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": reason}],
        }
        return f"data: {json.dumps(payload)}\n\n"

    async def sse() -> AsyncIterator[str]:
        pieces = 0
        async with contextlib.aclosing(events):
            yield chunk({"role": "assistant", "content": ""}, None)
            try:
                async for _, delta in events:
                    pieces += 1
                    yield chunk({"content": delta}, None)
            except AuraError as exc:
                err = {"error": {"message": exc.message, "type": "server_error"}}
                yield f"data: {json.dumps(err)}\n\n"
                return
            yield chunk({}, finish(pieces))
            yield "data: [DONE]\n\n"

    return StreamingResponse(
        sse(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


class _TooLong(AuraError, ValueError):
    def __init__(self, prompt: int, completion: int, window: int) -> None:
        super().__init__(
            f"This model's context window is {window} tokens; the messages use {prompt} and "
            f"max_tokens asks for {completion} more.",
            fix="Send fewer or shorter messages, or lower max_tokens.",
        )
