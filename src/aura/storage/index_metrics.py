"""Prometheus figures of the item index: its size, and how far it is behind the database.

``aura_index_lag_changes`` is the number of embedding changes committed to the database
(the source of truth) that the in-memory index has not applied yet; searches catch up
first, so a lag that stays high means the index writer is stuck.
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
            "aura_index_vectors", "Vectors in the item index", labels=["space"]
        )
        lag = GaugeMetricFamily(
            "aura_index_lag_changes",
            "Database changes the item index has not applied yet",
            labels=["space"],
        )
        unsaved = GaugeMetricFamily(
            "aura_index_unsaved_changes",
            "Applied changes not yet in the on-disk snapshot",
            labels=["space"],
        )
        manager = self._manager()
        if manager is not None and manager.index is not None:
            status = manager.status()
            space = manager.space.key
            size.add_metric([space], status["count"] or 0)
            head = changes.last_seq(manager.db, manager.space)
            lag.add_metric([space], max(0, head - (status["last_seq"] or 0)))
            unsaved.add_metric([space], status["unsaved_changes"])
        yield from (size, lag, unsaved)
