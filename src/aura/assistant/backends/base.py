"""The one interface every LLM back-end implements, and the types it speaks.

Why ``render`` and ``count_tokens`` besides the three calls every caller uses: prompts are
trimmed to the context window by *token count of the templated prompt*, which only the
back-end that owns the tokenizer and chat template can measure. Back-ends without a local
tokenizer (a remote server) estimate.
"""

from __future__ import annotations

import contextlib
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from aura.errors import NotReady

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str

    def to_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class GenerationParams:
    max_tokens: int = 256
    temperature: float = 0.7
    top_p: float = 0.95
    stop: tuple[str, ...] = ()
    seed: int | None = None
    # against degenerate loops ("it's all about professionalism" x4): 1.0 / 0.0 = off
    repeat_penalty: float = 1.0
    frequency_penalty: float = 0.0
    presence_penalty: float = 0.0


@dataclass
class BackendInfo:
    backend: str
    model: str
    context_tokens: int
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "model": self.model,
            "context_tokens": self.context_tokens,
            **self.details,
        }


def inference_threads(configured: int | None) -> int:
    """``AURA_LLM_THREADS``, else every core but one. llama.cpp's threads wait for each other
    at every step, so one descheduled thread stalls them all: with as many threads as cores
    and another busy process, SmolLM2-135M fell from ~45 to 1-4 tokens/s on this 2-core VM
    (a 256-token reply took 70 s); one core left to the rest keeps it at 26-45."""
    if configured:
        return configured
    return max(1, (os.cpu_count() or 1) - 1)


class LLMBackend(ABC):
    """A loaded language model. Loading happens in the constructor (a start-up phase);
    the calls below are blocking and run in a worker thread, never on the event loop.

    Local models are not re-entrant: one generation at a time per back-end (``_lock``,
    taken through :meth:`_generating`, which waits at most ``busy_seconds``).
    """

    busy_seconds: float = 20.0

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def _generating(self) -> Iterator[None]:
        """The model, once the reply before has finished: after ``busy_seconds`` of waiting,
        NotReady (503 with Retry-After) instead of a request held behind a long reply (a
        2,000-token completion holds the model for about a minute on two cores)."""
        if not self._lock.acquire(timeout=self.busy_seconds):
            raise NotReady(
                "The assistant's model is busy with another reply.",
                fix="Retry in a few seconds, or ask for a shorter reply (max_tokens).",
                retry_after=5,
            )
        try:
            yield
        finally:
            self._lock.release()

    @abstractmethod
    def info(self) -> BackendInfo: ...

    @abstractmethod
    def generate(self, messages: list[ChatMessage], params: GenerationParams) -> str:
        """The whole reply to ``messages`` (rendered with the model's chat template)."""

    @abstractmethod
    def stream(self, messages: list[ChatMessage], params: GenerationParams) -> Iterator[str]:
        """The reply as text deltas. Closing the iterator early stops generation."""

    @abstractmethod
    def count_tokens(self, messages: list[ChatMessage]) -> int:
        """Tokens of the prompt these messages render to, generation prompt included."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release native resources (model memory)."""
