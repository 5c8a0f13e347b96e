"""Slot resolution with a text-embedding fallback; one rule: the words decide when they can,
the embedding only places words the table does not know.

A :class:`Taxonomy` takes any text embedder (``embed(texts) -> L2-normalised rows``, such as
the wardrobe's :class:`~aura.wardrobe.embedder.TextEmbedder`). An unknown category
("gilet-ish thing", "kurta", "tracksuit") goes to the slot of its nearest known term by
cosine similarity, when that similarity reaches :data:`MIN_SIMILARITY`; otherwise it is
``other``. Results are cached per text, so a wardrobe's words are embedded once per process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from aura.taxonomy.colours import COLOUR_FAMILIES, colour_words
from aura.taxonomy.slots import CORE_SLOTS, SLOTS, Slot, lexical_slot, normalise, synonyms

Embed = Callable[[Sequence[str]], np.ndarray]
Source = Literal["word", "embedding", "unknown"]
MIN_SIMILARITY = 0.45  # all-MiniLM-L6-v2 cosine; below this the nearest term is a guess
_CACHE_LIMIT = 10_000


@dataclass(frozen=True)
class SlotMatch:
    """Where a category text landed: ``slot``; ``source`` (``word``: a known term,
    ``embedding``: the nearest known term by text embedding, ``unknown``: neither, so
    ``other``); ``term`` the known term it matched; ``similarity`` for embedding matches."""

    slot: Slot
    source: Source
    term: str | None = None
    similarity: float | None = None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["slot"] = str(self.slot)
        return out


class Taxonomy:
    """Category text → :class:`SlotMatch`. Thread-safe; ``embed`` is optional (words only)."""

    def __init__(self, embed: Embed | None = None) -> None:
        self._embed = embed
        self._terms: list[tuple[str, Slot]] | None = None
        self._matrix: np.ndarray | None = None
        self._cache: dict[str, SlotMatch] = {}
        self._lock = threading.Lock()

    def resolve(self, text: str) -> SlotMatch:
        found = lexical_slot(text)
        if found is not None:
            return SlotMatch(found[0], "word", found[1])
        key = normalise(text)
        if not key or self._embed is None:
            return SlotMatch(Slot.OTHER, "unknown")
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        match = self._nearest(key)
        with self._lock:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = match
        return match

    def slot(self, text: str) -> Slot:
        return self.resolve(text).slot

    def _nearest(self, key: str) -> SlotMatch:
        assert self._embed is not None
        if self._matrix is None:
            terms = [(t, s) for s in SLOTS if s is not Slot.OTHER for t in synonyms(s)]
            matrix = np.asarray(self._embed([t for t, _ in terms]), dtype=np.float32)
            self._terms, self._matrix = terms, matrix
        assert self._terms is not None
        vector = np.asarray(self._embed([key]), dtype=np.float32)[0]
        sims = self._matrix @ vector
        best = int(np.argmax(sims))
        similarity = float(sims[best])
        term, slot = self._terms[best]
        if similarity < MIN_SIMILARITY:
            return SlotMatch(Slot.OTHER, "unknown", term, round(similarity, 4))
        return SlotMatch(slot, "embedding", term, round(similarity, 4))


def describe() -> dict[str, Any]:
    """The taxonomy as data (``GET /api/v1/wardrobe/taxonomy``): slots with their words,
    which slots make an outfit's core, and the colour families with their fine names."""
    names = colour_words()
    return {
        "slots": [{"slot": str(s), "synonyms": list(synonyms(s))} for s in SLOTS],
        "core": sorted(str(s) for s in CORE_SLOTS),
        "colour_families": [
            {"family": f, "names": sorted(n for n, fam in names.items() if fam == f)}
            for f in COLOUR_FAMILIES
        ],
    }
