"""Prometheus metrics of the model store (default registry, defined once)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

MODEL_LOAD_SECONDS = Gauge(
    "aura_model_load_seconds", "Seconds the last load of each model took", ["model"]
)
MODEL_RESOLVE_SECONDS = Gauge(
    "aura_model_resolve_seconds",
    "Seconds resolving each model from the local store took at start-up",
    ["model"],
)
MODEL_BYTES = Gauge(
    "aura_model_bytes", "Bytes each model occupies in its service's store", ["model", "service"]
)
MODEL_DOWNLOADS = Counter(
    "aura_model_downloads_total", "Files downloaded into the model store", ["model"]
)
MODEL_DOWNLOAD_BYTES = Counter(
    "aura_model_download_bytes_total", "Bytes downloaded into the model store", ["model"]
)
MODEL_CACHE_HITS = Counter(
    "aura_model_cache_hits_total",
    "Times a model was found complete in the local store (nothing fetched)",
    ["model"],
)
MODEL_IMPORT_BYTES = Counter(
    "aura_model_import_bytes_total", "Bytes imported from packages into the store", ["model"]
)
