"""Start-up as a sequence of named, timed phases, run off the event loop.

Each phase is timed, logged and exported as ``aura_startup_phase_seconds{phase=...}``.
``/health/ready`` reads :class:`StartupState`: ready only when every phase is done;
otherwise the phase it is in and why, or the error (with its fix) that stopped it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aura import metrics
from aura.errors import AuraError

log = logging.getLogger("aura.startup")


@dataclass(frozen=True)
class Phase:
    name: str
    run: Callable[[PhaseContext], None]


class PhaseContext:
    """What a phase may do besides its work: say what it is doing, see if it should stop."""

    def __init__(self, state: StartupState) -> None:
        self._state = state

    def report(self, detail: str) -> None:
        self._state.detail = detail

    @property
    def stopping(self) -> bool:
        return self._state.stop_requested.is_set()


@dataclass
class StartupState:
    status: str = "pending"  # pending, running, ready, failed, stopped
    phase: str | None = None
    detail: str | None = None
    durations: dict[str, float] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    started_at: float | None = None
    total_seconds: float | None = None
    stop_requested: threading.Event = field(default_factory=threading.Event)

    @property
    def ready(self) -> bool:
        return self.status == "ready"

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "phase": self.phase,
            "detail": self.detail,
            "phases": [{"name": k, "seconds": round(v, 4)} for k, v in self.durations.items()],
            "startup_seconds": None if self.total_seconds is None else round(self.total_seconds, 4),
            "error": self.error,
        }


class Startup:
    def __init__(self, phases: list[Phase]) -> None:
        self.phases = phases
        self.state = StartupState()
        self._thread: threading.Thread | None = None

    def run(self) -> StartupState:
        """Run every phase in order, in the calling thread."""
        state = self.state
        state.status, state.started_at = "running", time.monotonic()
        metrics.READY.set(0)
        for phase in self.phases:
            if state.stop_requested.is_set():
                state.status = "stopped"
                return state
            state.phase, state.detail = phase.name, None
            log.info("startup phase begins", extra={"phase": phase.name})
            began = time.perf_counter()
            try:
                phase.run(PhaseContext(state))
            except Exception as exc:  # a phase failure must be reported, not crash the thread
                seconds = time.perf_counter() - began
                state.durations[phase.name] = seconds
                metrics.STARTUP_PHASE_SECONDS.labels(phase.name).set(seconds)
                state.status = "failed"
                state.error = (
                    exc.to_dict()
                    if isinstance(exc, AuraError)
                    else {
                        "error": type(exc).__name__,
                        "message": str(exc),
                        "fix": "See the log for the traceback.",
                    }
                )
                log.error(
                    "startup phase failed",
                    exc_info=not isinstance(exc, AuraError),
                    extra={"phase": phase.name, "reason": str(exc)},
                )
                state.total_seconds = time.monotonic() - state.started_at
                metrics.STARTUP_TOTAL_SECONDS.set(state.total_seconds)
                return state
            seconds = time.perf_counter() - began
            state.durations[phase.name] = seconds
            metrics.STARTUP_PHASE_SECONDS.labels(phase.name).set(seconds)
            log.info(
                "startup phase done", extra={"phase": phase.name, "seconds": round(seconds, 4)}
            )
        state.status, state.phase, state.detail = "ready", None, None
        state.total_seconds = time.monotonic() - state.started_at
        metrics.STARTUP_TOTAL_SECONDS.set(state.total_seconds)
        metrics.READY.set(1)
        log.info("ready", extra={"startup_seconds": round(state.total_seconds, 4)})
        return state

    def start_in_background(self) -> None:
        self._thread = threading.Thread(target=self.run, name="aura-startup", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.state.stop_requested.set()
        if self._thread is not None:
            self._thread.join(timeout)
