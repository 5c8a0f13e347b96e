"""Fixtures of the model-store tests: a local fake hub serving a tiny model, and settings
that point Aura at it (with the packaged models switched off unless a test wants them)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save

from aura.config import Settings, load_settings
from tests.fakehub import FakeHub, Repo

TINY = "tiny"  # the model name the tests use
TINY_REPO = "aura-test/tiny-detector"
# efficientnet-lite0 stays on: the visual-analysis service these tests start loads its
# backbone from the store (a local import from its wheel, never the hub).
DEFAULT_OFF = (
    "all-MiniLM-L6-v2",
    "SmolLM2-135M-Instruct-GGUF",
    "fashion-detector",
    "aura-fashion-assistant",
    "outfit-transformer",
)


def tiny_model_files(seed: int = 0) -> dict[str, bytes]:
    """A small random model as `save_pretrained` would lay it out: config + safetensors."""
    rng = np.random.default_rng(seed)
    tensors = {
        "backbone.weight": rng.standard_normal((64, 256)).astype(np.float32),
        "head.weight": rng.standard_normal((32, 64)).astype(np.float32),
        "head.bias": np.zeros(32, dtype=np.float32),
    }
    config = {"model_type": "tiny-detector", "hidden_size": 64, "num_labels": 32, "seed": seed}
    return {
        "config.json": json.dumps(config).encode(),
        "model.safetensors": save(tensors),
        "preprocessor_config.json": b'{"size": 224}',
        "README.md": b"# tiny test model\n",  # not matched by allow_patterns: never fetched
    }


def overrides(repo: Repo, **extra: object) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {name: {"enabled": False} for name in DEFAULT_OFF}
    out[TINY] = {
        "service": "visual_analysis",
        "source": "hub",
        "repo_id": TINY_REPO,
        "revision": repo.commit,
        "allow_patterns": ["*.json", "*.safetensors"],
        "required": True,
        **extra,
    }
    return out


def model_env(data_dir: Path, hub: FakeHub, repo: Repo, **env: str) -> dict[str, str]:
    """Environment for an `aura` subprocess using the fake hub.

    The tiny model belongs to visual_analysis, so a server serves that service alone: the
    assistant's wardrobe would need the (switched off) embedding model to become ready.
    """
    return {
        "AURA_DATA_DIR": str(data_dir),
        "AURA_SERVICE": "visual_analysis",
        "HF_ENDPOINT": hub.url,
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "AURA_MODEL_OVERRIDES": json.dumps(overrides(repo)),
        **env,
    }


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    server = FakeHub().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def tiny_repo(hub: FakeHub) -> Repo:
    return hub.add(TINY_REPO, tiny_model_files())


@pytest.fixture
def settings(data_dir: Path, hub: FakeHub, tiny_repo: Repo) -> Settings:
    return load_settings(
        data_dir=data_dir, hf_endpoint=hub.url, model_overrides=overrides(tiny_repo)
    )
