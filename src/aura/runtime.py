"""What this process holds: resident memory, the ML runtimes it imported, the libraries it
mapped. ``GET /api/v1/system/status`` shows it (authenticated; no paths) and ``/metrics``
exports it (``aura_runtime_imported``, ``aura_library_mapped``), so a test or an operator can
see that serving never loaded torch."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily

RUNTIMES = ("torch", "onnxruntime", "llama_cpp", "transformers", "sentence_transformers")
HEAVY_LIBRARIES = ("libtorch", "libonnxruntime", "libllama", "libggml")


_collector_paused = False


def pause_collector() -> None:
    """Stop the cyclic garbage collector while the process starts: imports, routes and
    models make objects that live as long as the process, and collecting while they pile up
    (full passes over a growing heap) costs a start about 70 ms here for ~1,000 objects of
    garbage. :func:`resume_collector` undoes it."""
    global _collector_paused
    if gc.isenabled():
        gc.disable()
        _collector_paused = True


def resume_collector() -> None:
    """Start-up is over: its objects move to the collector's permanent generation
    (``gc.freeze``: never scanned again) and collection resumes for what requests make.
    Does nothing unless :func:`pause_collector` paused it (an app built in a test process)."""
    global _collector_paused
    if _collector_paused:
        _collector_paused = False
        gc.freeze()
        gc.enable()


def rss_bytes(pid: int | str = "self") -> int | None:
    """Resident set size of a process (Linux ``/proc``), or None where it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def mapped_libraries(pid: int | str = "self") -> list[str]:
    """Which of :data:`HEAVY_LIBRARIES` the process has mapped (``/proc/PID/maps``)."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return []
    return [name for name in HEAVY_LIBRARIES if name in maps]


def process_info() -> dict[str, Any]:
    return {
        "pid": os.getpid(),
        "rss_bytes": rss_bytes(),
        "runtimes_imported": [name for name in RUNTIMES if name in sys.modules],
        "libraries_mapped": mapped_libraries(),
    }


class RuntimeCollector:
    """``aura_runtime_imported{runtime}`` (1 if this process imported it) and
    ``aura_library_mapped{library}`` (1 if mapped), computed at each scrape of /metrics."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        imported = GaugeMetricFamily(
            "aura_runtime_imported", "ML runtimes this process imported", labels=["runtime"]
        )
        for name in RUNTIMES:
            imported.add_metric([name], 1.0 if name in sys.modules else 0.0)
        yield imported
        mapped = GaugeMetricFamily(
            "aura_library_mapped", "Heavy native libraries this process mapped", labels=["library"]
        )
        found = set(mapped_libraries())
        for name in HEAVY_LIBRARIES:
            mapped.add_metric([name], 1.0 if name in found else 0.0)
        yield mapped


_registered = False


def register_collector() -> None:
    """Add :class:`RuntimeCollector` to the default registry (once per process)."""
    global _registered
    if not _registered:
        REGISTRY.register(RuntimeCollector())  # type: ignore[arg-type]
        _registered = True


def trim_memory() -> bool:
    """Give freed heap memory back to the system (glibc ``malloc_trim``): loading models
    frees large temporary buffers (a model file's bytes, a graph before optimisation) that
    would otherwise stay in the resident set. False where there is no glibc."""
    try:
        import ctypes

        return bool(ctypes.CDLL("libc.so.6").malloc_trim(0))
    except (OSError, AttributeError):
        return False


def limit_malloc_arenas(count: int = 2) -> bool:
    """At most ``count`` glibc malloc arenas for threads started from now on (``mallopt
    M_ARENA_MAX``): the inference and start-up threads then share heaps instead of each
    keeping its own. False where there is no glibc."""
    try:
        import ctypes

        return bool(ctypes.CDLL("libc.so.6").mallopt(-8, count))  # M_ARENA_MAX
    except (OSError, AttributeError):
        return False
