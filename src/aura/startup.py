"""Start-up as a sequence of named, timed phases, run off the event loop.

Each phase is timed, logged and exported as ``aura_startup_phase_seconds{phase=...}``.
``/health/ready`` reads :class:`StartupState`: ready when every foreground phase is done;
otherwise the phase it is in and why, or the error (with its fix) that stopped it.

A *background* phase (a model whose first use can wait: the text embedder, the LLM, the
vision models) runs after ready, in the same thread. Until it is done its service is listed
as loading (``loading`` and ``service_status`` in the body) and the routes that need its
model answer 503 with ``Retry-After``; if it fails, ready turns into failed with its error.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aura import metrics, runtime
from aura.errors import AuraError

log = logging.getLogger("aura.startup")


@dataclass(frozen=True)
class Phase:
    name: str
    run: Callable[[PhaseContext], None]
    background: bool = False  # after ready: its first use can wait
    service: str | None = None  # the service whose readiness waits for it (background)


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
    # background phases: name -> {"service", "status" (pending, loading, ready, failed),
    # "seconds", "error"}
    loads: dict[str, dict[str, Any]] = field(default_factory=dict)
    loaded_seconds: float | None = None  # start to the last background phase done

    @property
    def ready(self) -> bool:
        return self.status == "ready"

    def loaded(self, name: str) -> bool:
        """Whether background phase ``name`` has finished (False while pending or loading)."""
        return self.loads.get(name, {}).get("status") == "ready"

    def service_status(self, services: list[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for service in services:
            mine = {k: v for k, v in self.loads.items() if v["service"] == service}
            waiting = [k for k, v in mine.items() if v["status"] in ("pending", "loading")]
            failed = [k for k, v in mine.items() if v["status"] == "failed"]
            out[service] = {
                "ready": self.ready and not waiting and not failed,
                "loading": waiting,
                "failed": failed,
            }
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "phase": self.phase,
            "detail": self.detail,
            "phases": [{"name": k, "seconds": round(v, 4)} for k, v in self.durations.items()],
            "startup_seconds": None if self.total_seconds is None else round(self.total_seconds, 4),
            "error": self.error,
            "loading": [k for k, v in self.loads.items() if v["status"] in ("pending", "loading")],
            "loads": {k: dict(v) for k, v in self.loads.items()},
            "loaded_seconds": (
                None if self.loaded_seconds is None else round(self.loaded_seconds, 4)
            ),
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
        later = [p for p in self.phases if p.background]
        for phase in later:
            state.loads[phase.name] = {
                "service": phase.service,
                "status": "pending",
                "seconds": None,
                "error": None,
            }
        try:
            self._run_foreground()
        finally:
            runtime.resume_collector()  # start-up's objects frozen; collection resumes
        if state.status == "ready":
            self._run_background(later)
        return state

    def _run_foreground(self) -> None:
        state = self.state
        for phase in [p for p in self.phases if not p.background]:
            if state.stop_requested.is_set():
                state.status = "stopped"
                return
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
                state.error = _error_dict(exc)
                log.error(
                    "startup phase failed",
                    exc_info=not isinstance(exc, AuraError),
                    extra={"phase": phase.name, "reason": str(exc)},
                )
                state.total_seconds = time.monotonic() - state.started_at
                metrics.STARTUP_TOTAL_SECONDS.set(state.total_seconds)
                return
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

    def _run_background(self, phases: list[Phase]) -> None:
        """After ready: each background phase in turn; a failure is recorded, the rest run."""
        state = self.state
        failure: tuple[str, dict[str, Any]] | None = None
        for phase in phases:
            if state.stop_requested.is_set():
                return
            load = state.loads[phase.name]
            load["status"] = "loading"
            log.info("background load begins", extra={"phase": phase.name})
            began = time.perf_counter()
            try:
                phase.run(PhaseContext(state))
            except Exception as exc:  # reported on /health/ready, never crashes the thread
                load["error"] = _error_dict(exc)
                load["status"] = "failed"
                failure = failure or (phase.name, load["error"])
                log.error(
                    "background load failed",
                    exc_info=not isinstance(exc, AuraError),
                    extra={"phase": phase.name, "reason": str(exc)},
                )
            else:
                load["status"] = "ready"
            load["seconds"] = round(time.perf_counter() - began, 4)
            metrics.STARTUP_PHASE_SECONDS.labels(phase.name).set(load["seconds"])
            log.info("background load done", extra={"phase": phase.name, **load})
        assert state.started_at is not None
        state.loaded_seconds = time.monotonic() - state.started_at
        if phases:
            runtime.trim_memory()  # loading freed big temporary buffers: give them back
        if failure is not None:  # a service cannot serve: not ready, and why
            state.status, state.phase, state.error = "failed", failure[0], failure[1]
            metrics.READY.set(0)

    def start_in_background(self) -> None:
        self._thread = threading.Thread(target=self.run, name="aura-startup", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.state.stop_requested.set()
        if self._thread is not None:
            self._thread.join(timeout)


def _error_dict(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, AuraError):
        return dict(exc.to_dict())
    return {
        "error": type(exc).__name__,
        "message": str(exc),
        "fix": "See the log for the traceback.",
    }
