"""Fixtures for the assistant: the real SmolLM2, loaded once per test session.

The transformers copy is converted from the packaged GGUF once per session into a shared
models folder (MODEL_PATH for the servers these tests start), exactly as `aura` does it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
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


@dataclass
class Wardrobes:
    """The evaluation wardrobes in a real platform (database, embedder, item index, the
    packaged model): users by name, and each user's item ids by item name."""

    platform: object
    users: dict[str, int]
    keys: dict[str, str]
    ids: dict[str, dict[str, int]]

    def name_of(self, user: str) -> dict[int, str]:
        return {v: k for k, v in self.ids[user].items()}


@pytest.fixture(scope="session")
def eval_wardrobes(
    tmp_path_factory: pytest.TempPathFactory, shared_models_dir: Path
) -> Iterator[Wardrobes]:
    """One in-process platform (the assistant's phases, the rule outfit scorer) with the
    three evaluation wardrobes of tests/assistant/eval_set.py; built once per session."""
    from aura.platform import Platform
    from aura.storage.users import create_user
    from tests.assistant.eval_set import WARDROBES

    data = tmp_path_factory.mktemp("eval-wardrobes") / "data"
    settings = load_settings(
        data_dir=data, model_path=shared_models_dir, service="conversational_ai", llm_threads=2
    )
    DataTree(settings).setup()
    platform = Platform(settings)
    state = platform.startup.run()
    assert state.status == "ready", state.to_dict()
    users, keys, ids = {}, {}, {}
    for name, items in WARDROBES.items():
        users[name], keys[name] = create_user(platform.db, name)
        made = platform.wardrobe.create_many(users[name], list(items.values()))
        ids[name] = {label: row["id"] for label, row in zip(items, made, strict=True)}
    yield Wardrobes(platform, users, keys, ids)
    platform.close()
