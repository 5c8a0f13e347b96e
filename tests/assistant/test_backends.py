"""The back-ends generate with the real SmolLM2 (short replies: this is about wiring)."""

from __future__ import annotations

import threading

import pytest

from aura.assistant.backends import load_backend
from aura.assistant.backends.base import ChatMessage, GenerationParams
from aura.assistant.backends.llama_cpp_backend import default_gguf_path
from aura.config import load_settings
from aura.errors import ConfigError, ModelMissing
from aura.layout import DataTree

QUESTION = [
    ChatMessage("system", "You are a fashion assistant."),
    ChatMessage("user", "What colour goes with navy?"),
]
SHORT = GenerationParams(max_tokens=6, temperature=0.0, seed=1)


@pytest.mark.parametrize("backend_name", ["llama_backend", "tf_backend"])
def test_generate_and_stream_give_text(request: pytest.FixtureRequest, backend_name: str) -> None:
    backend = request.getfixturevalue(backend_name)
    text = backend.generate(QUESTION, SHORT)
    assert isinstance(text, str) and text.strip()
    deltas = list(backend.stream(QUESTION, SHORT))
    assert 1 < len(deltas) <= 6
    assert "".join(deltas).strip()
    if backend_name == "tf_backend":  # greedy there: the same reply either way
        assert "".join(deltas).strip() == text
    info = backend.info().to_dict()
    assert info["model"] and info["context_tokens"] == 2048


@pytest.mark.parametrize("backend_name", ["llama_backend", "tf_backend"])
def test_closing_a_stream_early_frees_the_model(
    request: pytest.FixtureRequest, backend_name: str
) -> None:
    backend = request.getfixturevalue(backend_name)
    stream = backend.stream(QUESTION, GenerationParams(max_tokens=200, temperature=0.0))
    next(stream)
    stream.close()
    done = threading.Event()

    def again() -> None:
        backend.generate(QUESTION, GenerationParams(max_tokens=2, temperature=0.0))
        done.set()

    threading.Thread(target=again, daemon=True).start()
    assert done.wait(60), "the model stayed locked after the stream was closed"


def test_stop_sequences_end_the_reply(llama_backend) -> None:
    params = GenerationParams(max_tokens=40, temperature=0.0, stop=(" ",))
    text = llama_backend.generate(QUESTION, params)
    assert " " not in text.strip()


def test_default_gguf_comes_from_the_model_store(tmp_path) -> None:
    settings = load_settings(model_path=tmp_path / "models")
    with pytest.raises(ModelMissing, match="aura models pull SmolLM2-135M-Instruct-GGUF"):
        default_gguf_path(settings, import_packaged=False)  # not imported yet: no side effect
    path = default_gguf_path(settings)  # start-up imports the packaged copy, locally
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.stat().st_size > 50_000_000
    assert path.is_relative_to(tmp_path / "models")
    assert default_gguf_path(settings, import_packaged=False) == path  # later: the store's copy


def test_load_backend_errors_name_the_setting(tmp_path) -> None:
    tree = DataTree(load_settings(data_dir=tmp_path))
    with pytest.raises(ModelMissing, match="AURA_LLM_MODEL"):
        load_backend(load_settings(llm_model=str(tmp_path / "nope.gguf")), tree)
    with pytest.raises(ConfigError, match="AURA_LLM_BASE_URL"):
        load_backend(load_settings(llm_backend="openai"), tree)


def test_a_reply_waits_for_the_one_before_at_most_busy_seconds() -> None:
    """One generation at a time: a second caller waits while the first finishes, and after
    ``busy_seconds`` gets NotReady (503, Retry-After) instead of waiting on."""
    import threading
    import time

    from aura.assistant.backends.base import LLMBackend
    from aura.errors import NotReady

    class Slow(LLMBackend):
        busy_seconds = 0.3

        def info(self):  # type: ignore[no-untyped-def]
            raise NotImplementedError

        def generate(self, messages, params):  # type: ignore[no-untyped-def]
            with self._generating():
                time.sleep(float(params))
                return "done"

        def stream(self, messages, params):  # type: ignore[no-untyped-def]
            raise NotImplementedError

        def count_tokens(self, messages):  # type: ignore[no-untyped-def]
            return 0

    backend = Slow()
    long = threading.Thread(target=backend.generate, args=([], 1.0))
    long.start()
    time.sleep(0.1)
    began = time.monotonic()
    with pytest.raises(NotReady) as refused:
        backend.generate([], 0.0)
    assert 0.25 < time.monotonic() - began < 0.9 and refused.value.retry_after >= 1
    long.join()
    assert backend.generate([], 0.0) == "done"  # free again
    short = threading.Thread(target=backend.generate, args=([], 0.1))
    short.start()
    time.sleep(0.02)
    assert backend.generate([], 0.0) == "done"  # waited for a short reply, not refused
    short.join()


def test_inference_leaves_a_core_to_the_rest_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from aura.assistant.backends.base import inference_threads

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert inference_threads(None) == 1 and inference_threads(2) == 2
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    assert inference_threads(None) == 15
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert inference_threads(None) == 1
