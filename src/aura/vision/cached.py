"""Analyses answered from the cache when the same photo comes again.

The key is the photo's sha256 and the pipeline's fingerprint (models, revisions, limits and
request parameters: :meth:`VisionPipeline.fingerprint`), so a cached answer is exactly the
answer the models would give again. Only successful analyses are cached; a rejected upload
is decoded (and rejected) every time. A caller that keeps analyses in the database passes
``stored``: it is asked on a cache miss before the models run, and its answer refills the
cache. Outcomes are counted in ``aura_vision_analysis_cache_total``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter

from aura.storage.cache import Cache, analysis_key, get_json, set_json
from aura.storage.changes import Space
from aura.vision.pipeline import VisionPipeline

OUTCOMES = Counter(
    "aura_vision_analysis_cache",
    "Photo analyses by where the answer came from (cache, database, or the models)",
    ["outcome"],
)
for _outcome in ("cache_hit", "database_hit", "miss"):
    OUTCOMES.labels(_outcome)

StoredLookup = Callable[[str, str], dict[str, Any] | None]  # (sha256, fingerprint) -> result


@dataclass(frozen=True)
class Analysis:
    result: dict[str, Any]  # the pipeline's answer (without ``cached``)
    cached: bool
    photo_sha256: str
    fingerprint: str

    def response(self) -> dict[str, Any]:
        return {**self.result, "cached": self.cached}


class CachedAnalyzer:
    """Thread-safe (the cache and the pipeline are): call it from worker threads."""

    def __init__(self, pipeline: VisionPipeline, cache: Cache, ttl_seconds: float) -> None:
        self.pipeline, self.cache, self.ttl = pipeline, cache, ttl_seconds

    @property
    def image_space(self) -> Space:
        """The space of the image embeddings the analyses carry."""
        return self.pipeline.image_space

    @property
    def decode_limits(self) -> tuple[int, int]:
        """(most bytes, most pixels) an analysed photo may have."""
        settings = self.pipeline.settings
        return settings.vision_max_image_bytes, settings.vision_max_image_pixels

    def analyze(
        self,
        data: bytes,
        confidence_threshold: float = 0.5,
        max_detections: int = 10,
        include_attributes: bool = True,
        stored: StoredLookup | None = None,
    ) -> Analysis:
        sha = hashlib.sha256(data).hexdigest()
        fingerprint = self.pipeline.fingerprint(
            confidence_threshold, max_detections, include_attributes
        )
        key = analysis_key(sha, fingerprint)
        if self.ttl > 0:
            hit = get_json(self.cache, key)
            if isinstance(hit, dict):
                OUTCOMES.labels("cache_hit").inc()
                return Analysis(hit, True, sha, fingerprint)
        if stored is not None:
            found = stored(sha, fingerprint)
            if found is not None:
                OUTCOMES.labels("database_hit").inc()
                if self.ttl > 0:
                    set_json(self.cache, key, found, self.ttl)
                return Analysis(found, True, sha, fingerprint)
        result = self.pipeline.analyze(
            data, confidence_threshold, max_detections, include_attributes
        )
        OUTCOMES.labels("miss").inc()
        if self.ttl > 0:
            set_json(self.cache, key, result, self.ttl)
        return Analysis(result, False, sha, fingerprint)
