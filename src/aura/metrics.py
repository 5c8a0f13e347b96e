"""The Prometheus metrics every part of Aura shares, defined once per process.

Service-specific metrics live beside their code but register in the same default
registry, so ``GET /metrics`` exports them all.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, Info
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from aura import __version__

BUILD_INFO = Info("aura_build", "Aura version")
BUILD_INFO.info({"version": __version__})

STARTUP_PHASE_SECONDS = Gauge(
    "aura_startup_phase_seconds", "Seconds each start-up phase took", ["phase"]
)
STARTUP_TOTAL_SECONDS = Gauge(
    "aura_startup_seconds", "Seconds from process start-up to ready (or failure)"
)
READY = Gauge("aura_ready", "1 when start-up has finished and the platform serves, else 0")

HTTP_REQUESTS = Counter(
    "aura_http_requests_total", "HTTP requests served", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "aura_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


class StorageCollector(Collector):
    """Exports ``aura_storage_bytes{owner,kind}``, recomputed at most every ``ttl`` seconds.

    Walking a large model store on every scrape would be slow, so figures are cached.
    """

    def __init__(self, measure: Callable[[], dict[tuple[str, str], int]], ttl: float = 60.0):
        self._measure = measure
        self._ttl = ttl
        self._lock = threading.Lock()
        self._cached: dict[tuple[str, str], int] = {}
        self._at = float("-inf")

    def collect(self) -> Iterable[GaugeMetricFamily]:
        with self._lock:
            if time.monotonic() - self._at > self._ttl:
                self._cached = self._measure()
                self._at = time.monotonic()
            figures = dict(self._cached)
        family = GaugeMetricFamily(
            "aura_storage_bytes",
            "Bytes on disk per owner (service) and kind of state",
            labels=["owner", "kind"],
        )
        for (owner, kind), size in sorted(figures.items()):
            family.add_metric([owner, kind], size)
        yield family


class DiskCollector(Collector):
    """Exports ``aura_disk_free_bytes`` and ``aura_disk_total_bytes`` of the data tree's disk
    (one cheap statvfs per scrape), for the "disk usage high" alert."""

    def __init__(self, path: Callable[[], Path]) -> None:
        self._path = path

    def collect(self) -> Iterable[GaugeMetricFamily]:
        path = self._path()
        free = GaugeMetricFamily(
            "aura_disk_free_bytes", "Free bytes on the data tree's disk", labels=["path"]
        )
        total = GaugeMetricFamily(
            "aura_disk_total_bytes", "Size of the data tree's disk", labels=["path"]
        )
        try:
            usage = shutil.disk_usage(path)
        except OSError:
            return
        free.add_metric([str(path)], usage.free)
        total.add_metric([str(path)], usage.total)
        yield free
        yield total


_installed: dict[str, Collector] = {}


def _install(name: str, collector: Collector) -> None:
    """(Re)register a per-app collector; safe to call for every app created in a process."""
    if name in _installed:
        REGISTRY.unregister(_installed[name])
    _installed[name] = collector
    REGISTRY.register(collector)


def install_index_collector(collector: Collector) -> None:
    _install("index", collector)


def install_storage_collectors(
    measure: Callable[[], dict[tuple[str, str], int]], data_root: Callable[[], Path]
) -> None:
    _install("storage", StorageCollector(measure))
    _install("disk", DiskCollector(data_root))
