"""`aura serve`: the whole platform in one process, or one service for its container."""

from __future__ import annotations

import logging
import signal
from types import FrameType

import typer

from aura.cli.context import settings_from
from aura.cli.output import console
from aura.logging import configure_logging
from aura.services import Service


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
            console.print(f"Data tree: {len(created)} folder(s) created", highlight=False)
    platform = Platform(settings)
    log_file = configure_logging(
        settings.log_level,
        platform.tree.process_logs_dir(),
        max_bytes=settings.log_max_bytes,
        backups=settings.log_backups,
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
    console.print(
        f"Aura on http://{settings.host}:{settings.port}  (logs: {log_file})", highlight=False
    )
    app = create_app(settings, platform)
    if settings.service is None and local_signin.is_loopback(settings.host):
        token = local_signin.enable(app)  # printed, never logged: it is a credential
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        console.print(
            f"Open the web app (one-time sign-in link): http://{host}:{settings.port}/"
            f"#signin={token}",
            highlight=False,
            soft_wrap=True,
        )
    # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal with the handler
    # that was installed before it; this one turns that into a clean exit status 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)
