"""openai back-end: any OpenAI-compatible server (vLLM, Ollama, llama.cpp's server, Aura's
own /v1/chat/completions) by base URL and key, for models too big to embed.

The server applies its model's chat template; without its tokenizer, token counts for
trimming are an estimate (about 4 characters per token plus per-message overhead), which
errs on the generous side of the budget.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aura.assistant.backends.base import BackendInfo, ChatMessage, GenerationParams, LLMBackend
from aura.errors import ConfigError, DependencyUnavailable

CHARS_PER_TOKEN = 3.5
TOKENS_PER_MESSAGE = 6


def estimate_tokens(messages: list[ChatMessage]) -> int:
    return sum(int(len(m.content) / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE for m in messages) + 3


class OpenAIBackend(LLMBackend):
    def __init__(
        self,
        base_url: str | None,
        model: str | None,
        *,
        api_key: str | None = None,
        context_tokens: int = 2048,
        timeout_s: float = 120.0,
    ) -> None:
        super().__init__()
        if not base_url or not model:
            raise ConfigError(
                "The openai back-end needs a server URL and a model name.",
                fix="Set AURA_LLM_BASE_URL (e.g. http://localhost:8000/v1) and AURA_LLM_MODEL "
                "(the model name the server serves).",
            )
        import openai

        self._openai = openai
        self.base_url, self.model = base_url, model
        # max_retries=0: a request must fail fast with a clear error, not hang in back-off.
        self._client = openai.OpenAI(
            base_url=base_url, api_key=api_key or "unused", timeout=timeout_s, max_retries=0
        )
        self._context_tokens = context_tokens

    def info(self) -> BackendInfo:
        return BackendInfo("openai", self.model, self._context_tokens, {"base_url": self.base_url})

    def count_tokens(self, messages: list[ChatMessage]) -> int:
        return estimate_tokens(messages)

    def _request(self, messages: list[ChatMessage], params: GenerationParams) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [m.to_dict() for m in messages],
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
        }
        if params.stop:
            body["stop"] = list(params.stop)[:4]
        if params.frequency_penalty:
            body["frequency_penalty"] = params.frequency_penalty
        if params.presence_penalty:
            body["presence_penalty"] = params.presence_penalty
        if params.seed is not None:
            body["seed"] = params.seed
        return body

    def _unavailable(self, exc: Exception) -> DependencyUnavailable:
        return DependencyUnavailable(
            f"The LLM server at {self.base_url} failed: {type(exc).__name__}: {exc}",
            fix="Check that the server runs and AURA_LLM_BASE_URL, AURA_LLM_API_KEY and "
            "AURA_LLM_MODEL are right (curl $AURA_LLM_BASE_URL/models).",
        )

    def generate(self, messages: list[ChatMessage], params: GenerationParams) -> str:
        try:
            out = self._client.chat.completions.create(**self._request(messages, params))
        except self._openai.OpenAIError as exc:
            raise self._unavailable(exc) from exc
        return (out.choices[0].message.content or "").strip()

    def stream(self, messages: list[ChatMessage], params: GenerationParams) -> Iterator[str]:
        try:
            chunks = self._client.chat.completions.create(
                stream=True, **self._request(messages, params)
            )
            with chunks:
                for chunk in chunks:
                    if chunk.choices and chunk.choices[0].delta.content:
                        yield chunk.choices[0].delta.content
        except self._openai.OpenAIError as exc:
            raise self._unavailable(exc) from exc

    def chat_tools(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
        params: GenerationParams,
        *,
        tool_choice: str | None = None,
    ) -> dict[str, Any]:
        """One round of native tool calling: the model's message as ``content``,
        ``tool_calls`` ([{id, name, arguments (the raw JSON text)}]) and ``finish_reason``."""
        body = self._request([], params)
        body["messages"] = messages
        if tools:
            body["tools"] = tools
            if tool_choice:
                body["tool_choice"] = tool_choice
        try:
            out = self._client.chat.completions.create(**body)
        except self._openai.OpenAIError as exc:
            raise self._unavailable(exc) from exc
        if not out.choices:
            raise self._unavailable(ValueError("the answer has no choices"))
        choice = out.choices[0]
        calls = [
            {
                "id": c.id or f"call_{n}",
                "name": c.function.name if c.function else "",
                "arguments": (c.function.arguments if c.function else "") or "",
            }
            for n, c in enumerate(choice.message.tool_calls or [])
        ]
        return {
            "content": choice.message.content or "",
            "tool_calls": calls,
            "finish_reason": choice.finish_reason,
        }

    def close(self) -> None:
        self._client.close()
