"""LLM back-ends behind one interface (:class:`LLMBackend`), chosen by ``AURA_LLM_BACKEND``.

``load_backend`` is called by the "model load" start-up phase, never by a request.
"""

from __future__ import annotations

from aura.assistant.backends.base import (
    BackendInfo,
    ChatMessage,
    GenerationParams,
    LLMBackend,
)
from aura.config import Settings
from aura.layout import DataTree

__all__ = ["BackendInfo", "ChatMessage", "GenerationParams", "LLMBackend", "load_backend"]


def load_backend(settings: Settings, tree: DataTree) -> LLMBackend:
    """Build (load) the configured back-end. Heavy: seconds, and model memory."""
    from pathlib import Path

    if settings.llm_backend == "llama_cpp":
        from aura.assistant.backends.llama_cpp_backend import LlamaCppBackend, default_gguf_path

        return LlamaCppBackend(
            Path(settings.llm_model).expanduser()
            if settings.llm_model
            else default_gguf_path(settings),
            context_tokens=settings.llm_context_tokens,
            threads=settings.llm_threads,
        )
    if settings.llm_backend == "transformers":
        from aura.assistant.backends.transformers_backend import TransformersBackend
        from aura.assistant.hf_model import default_hf_model

        model_dir = Path(settings.llm_model).expanduser() if settings.llm_model else None
        return TransformersBackend(
            model_dir or default_hf_model(tree),
            adapter_dir=tree.finetuned_model_dir() if settings.llm_use_adapter else None,
            context_tokens=settings.llm_context_tokens,
            threads=settings.llm_threads,
            device=_torch_device(settings.device),
        )
    from aura.assistant.backends.openai_backend import OpenAIBackend

    return OpenAIBackend(
        settings.llm_base_url,
        settings.llm_model,
        api_key=settings.llm_api_key,
        context_tokens=settings.llm_context_tokens,
        timeout_s=settings.llm_timeout_s,
    )


def _torch_device(device: str) -> str:
    if device != "auto":
        return device
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"
