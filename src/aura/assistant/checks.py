"""`aura doctor` checks for the assistant: is the configured LLM there, is the fine-tuned
adapter complete. Cheap: nothing is loaded, no model server is called."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from aura.assistant.artifact import verify_artifact
from aura.config import Settings
from aura.findings import Finding, ok, problem
from aura.layout import DataTree
from aura.services import Service


def check_assistant(settings: Settings) -> list[Finding]:
    if Service.CONVERSATIONAL_AI not in settings.served_services:
        return []
    tree = DataTree(settings)
    findings = [_check_llm(settings)]
    adapter = tree.finetuned_model_dir()
    if settings.llm_backend == "transformers" and settings.llm_use_adapter and adapter.exists():
        if verify_artifact(adapter) is None:
            findings.append(
                problem(
                    "assistant adapter",
                    f"{adapter} exists but has no valid manifest (an interrupted or damaged "
                    "training run); the base model is served instead.",
                    "Run `aura train assistant --data chats.jsonl` again, or remove the folder.",
                    str(adapter),
                    warning=True,
                )
            )
        else:
            findings.append(ok("assistant adapter", f"{adapter} is complete.", str(adapter)))
    return findings


def _check_llm(settings: Settings) -> Finding:
    backend = settings.llm_backend
    if backend == "openai":
        if not settings.llm_base_url or not settings.llm_model:
            return problem(
                "assistant llm",
                "AURA_LLM_BACKEND=openai needs AURA_LLM_BASE_URL and AURA_LLM_MODEL.",
                "Set both (e.g. AURA_LLM_BASE_URL=http://vllm:8000/v1 AURA_LLM_MODEL=<name>).",
            )
        return ok("assistant llm", f"openai back-end, model {settings.llm_model}.")
    if backend == "llama_cpp":
        if importlib.util.find_spec("llama_cpp") is None:
            return problem(
                "assistant llm",
                "llama-cpp-python is not installed.",
                "Run `make install` (it builds the portable wheel once and caches it).",
            )
        if not settings.llm_model:  # the store's copy: the "models" check reports on it
            from aura.assistant.backends.llama_cpp_backend import GGUF_STORE_NAME

            return ok("assistant llm", f"llama_cpp back-end, default model {GGUF_STORE_NAME}.")
        path = Path(settings.llm_model)
        if not path.is_file():
            return problem(
                "assistant llm",
                f"GGUF model {path} does not exist.",
                "Set AURA_LLM_MODEL to an existing .gguf file, or unset it for the default.",
            )
        return ok("assistant llm", f"llama_cpp back-end, model {path.name}.", str(path))
    if settings.llm_model and not Path(settings.llm_model).is_dir():
        return problem(
            "assistant llm",
            f"Model folder {settings.llm_model} does not exist.",
            "Set AURA_LLM_MODEL to a local transformers model folder, or unset it.",
        )
    return ok("assistant llm", "transformers back-end.")
