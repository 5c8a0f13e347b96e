"""Fixtures for the assistant: the real SmolLM2, loaded once per test session.

The transformers copy is converted from the packaged GGUF once per session into a shared
models folder (MODEL_PATH for the servers these tests start), exactly as `aura` does it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aura.assistant.backends.llama_cpp_backend import LlamaCppBackend
from aura.assistant.hf_model import SMOLLM2_HF_NAME, ensure_converted
from aura.config import load_settings
from aura.layout import DataTree


@pytest.fixture(scope="session")
def shared_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("assistant-models")


@pytest.fixture(scope="session")
def converted_smollm2(shared_models_dir: Path) -> Path:
    from aura.assistant.backends.llama_cpp_backend import default_gguf_path

    tree = DataTree(load_settings(model_path=shared_models_dir))
    return ensure_converted(
        default_gguf_path(tree.settings), tree.converted_model_dir(SMOLLM2_HF_NAME)
    )


@pytest.fixture(scope="session")
def llama_backend(shared_models_dir: Path) -> Iterator[LlamaCppBackend]:
    from aura.assistant.backends.llama_cpp_backend import default_gguf_path

    gguf = default_gguf_path(load_settings(model_path=shared_models_dir))
    backend = LlamaCppBackend(gguf, context_tokens=2048, threads=2)
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def tf_backend(converted_smollm2: Path) -> Iterator[object]:
    from aura.assistant.backends.transformers_backend import TransformersBackend

    backend = TransformersBackend(converted_smollm2, threads=2)
    yield backend
    backend.close()
