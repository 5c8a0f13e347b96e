"""`aura serve`: the whole platform in one process, or one service for its container."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from types import FrameType
from typing import TYPE_CHECKING

import typer

from aura.cli.context import settings_from
from aura.logging import configure_logging, divert_native_stderr, quiet_native_libraries
from aura.services import Service

if TYPE_CHECKING:
    import uvicorn

    from aura.platform import Platform
    from aura.startup import StartupState

_STARTUP_FAILURE = 3  # uvicorn's exit status when the server could not start


def serve(
    ctx: typer.Context,
    service: Service | None = typer.Option(
        None, "--service", help="Serve only this service (for its container)."
    ),
    host: str | None = typer.Option(None, "--host", help="Default: AURA_HOST."),
    port: int | None = typer.Option(None, "--port", help="Default: AURA_PORT."),
    setup: bool = typer.Option(
        False, "--setup", help="Create the data tree first, as `aura setup` (what `make run` does)."
    ),
) -> None:
    """Serve Aura over HTTP. SIGTERM or Ctrl-C stops it cleanly."""
    quiet_native_libraries()  # before anything imports them
    import uvicorn

    from aura.runtime import limit_malloc_arenas

    limit_malloc_arenas()  # before any thread starts: shared heaps, a smaller resident set

    from aura.api.app import create_app
    from aura.api.routes import local_signin
    from aura.config import load_settings

    base = settings_from(ctx)
    overrides = {
        k: v for k, v in {"service": service, "host": host, "port": port}.items() if v is not None
    }
    settings = load_settings(**overrides) if overrides else base
    from aura.platform import Platform

    if setup:  # idempotent; one process instead of `aura setup && aura serve`
        from aura.layout import DataTree

        created = DataTree(settings).setup().created
        if created:
            print(f"Data tree: {len(created)} folder(s) created", flush=True)
    platform = Platform(settings)
    logs_dir = platform.tree.process_logs_dir()
    on_terminal = sys.stdout.isatty()
    native = divert_native_stderr(logs_dir) if on_terminal and sys.stderr.isatty() else None
    log_file = configure_logging(
        settings.log_level,
        logs_dir,
        max_bytes=settings.log_max_bytes,
        backups=settings.log_backups,
        human=on_terminal,
    )
    # plain print, not rich: rich would read "[::1]" as markup, and is not imported here
    print(
        f"Aura on http://{settings.host}:{settings.port}  (logs: {log_file}"
        + (f"; libraries' own output: {native.name}" if native else "")
        + ")",
        flush=True,
    )
    logging.getLogger("aura.cli").info(
        "serving",
        extra={
            "host": settings.host,
            "port": settings.port,
            "log_file": str(log_file),
            "services": [s.value for s in settings.served_services],
        },
    )
    app = create_app(settings, platform)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)
    if settings.service is None and local_signin.is_loopback(settings.host):
        token = local_signin.enable(app)  # printed, never logged: it is a credential
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        link = f"http://{host}:{settings.port}/#signin={token}"
        _announce_when_started(platform, server, link)
    # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal with the handler
    # that was installed before it; this one turns that into a clean exit status 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    server.run()
    if not server.started:  # as uvicorn.run: the socket could not be bound, or start-up died
        sys.exit(_STARTUP_FAILURE)
    _exit_now(0)


def _announce_when_started(platform: Platform, server: uvicorn.Server, link: str) -> None:
    """Print the sign-in link once start-up is over and the socket listens: the last lines
    a person sees, framed, after the start-up logs (it is printed, never logged)."""
    state = platform.startup.state

    def announce() -> None:
        while not server.should_exit and (
            state.status not in ("ready", "failed", "stopped") or not server.started
        ):
            time.sleep(0.02)
        if state.status in ("ready", "failed") and not server.should_exit:
            _print_framed(_link_lines(state, link))

    threading.Thread(target=announce, name="aura-announce", daemon=True).start()


def _link_lines(state: StartupState, link: str) -> list[str]:
    if state.status == "ready":
        return [
            f"Aura is ready ({state.total_seconds or 0:.1f} s). Open the web app:",
            link,
            "(a one-time sign-in link: it works once, from this machine)",
        ]
    error = state.error or {}
    return [
        f"Aura started, but start-up failed: {error.get('message', 'see the log')}",
        f"fix: {error.get('fix') or 'see the log'}",
        "The web app's System page shows the details:",
        link,
    ]


def _print_framed(lines: list[str]) -> None:
    """A box drawn around ``lines``; no line is ever wrapped or cut (the link stays whole)."""
    width = max(len(line) for line in lines)
    out = ["", "┌" + "─" * (width + 2) + "┐"]
    out += [f"│ {line.ljust(width)} │" for line in lines]
    out += ["└" + "─" * (width + 2) + "┘", ""]
    sys.stdout.write("\n".join(out) + "\n")
    sys.stdout.flush()


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    _exit_now(0)


def _exit_now(code: int) -> None:
    """Exit once the server has shut down (the lifespan closed the database and wrote the
    index snapshots): logs and stdio flushed, then no interpreter finalization, where the
    native libraries' destructors (onnxruntime, llama.cpp, MediaPipe threads) were seen to
    crash the process (SIGSEGV) after "Finished server process"."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
