"""Prometheus figures of the item index: its partitions in memory, and how far behind.

``aura_index_lag_changes`` is the number of embedding changes committed to the database
(the source of truth) that this replica's follower has not looked at yet; searches catch
the user's partition up first, so a lag that stays high means the follower is stuck.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from aura.storage import changes
from aura.storage.index_manager import IndexManager


class IndexCollector(Collector):
    def __init__(self, manager: Callable[[], IndexManager | None]) -> None:
        self._manager = manager

    def collect(self) -> Iterable[GaugeMetricFamily]:
        size = GaugeMetricFamily(
            "aura_index_vectors", "Vectors in the partitions held in memory", labels=["space"]
        )
        parts = GaugeMetricFamily(
            "aura_index_partitions", "Per-user partitions held in memory", labels=["space"]
        )
        memory = GaugeMetricFamily(
            "aura_index_memory_bytes",
            "Memory of the partitions held (evicted above AURA_INDEX_MEMORY_MB)",
            labels=["space"],
        )
        lag = GaugeMetricFamily(
            "aura_index_lag_changes",
            "Database changes the item index has not looked at yet",
            labels=["space"],
        )
        unsaved = GaugeMetricFamily(
            "aura_index_unsaved_changes",
            "Applied changes not yet in the on-disk snapshot",
            labels=["space"],
        )
        manager = self._manager()
        if manager is not None and manager.opened:
            status = manager.status()
            space = manager.space.key
            size.add_metric([space], status["count"])
            parts.add_metric([space], status["partitions_loaded"])
            memory.add_metric([space], status["memory_bytes"])
            head = changes.last_seq(manager.db, manager.space)
            lag.add_metric([space], max(0, head - status["last_seq"]))
            unsaved.add_metric([space], status["unsaved_changes"])
        yield from (size, parts, memory, lag, unsaved)
