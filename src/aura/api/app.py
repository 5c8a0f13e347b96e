"""The FastAPI app factory: one process serves all three services, or one of them."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from aura import __version__, metrics, usage
from aura.api import health
from aura.api.middleware import RequestContextMiddleware
from aura.api.routes import visual_analysis
from aura.api.services import service_router
from aura.config import Settings, load_settings
from aura.errors import AuraError, ConfigError, NotReady
from aura.platform import Platform
from aura.services import Service

log = logging.getLogger("aura.api")


def create_app(settings: Settings | None = None, platform: Platform | None = None) -> FastAPI:
    settings = settings or load_settings()
    platform = platform or Platform(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        platform.startup.start_in_background()  # heavy phases never block the event loop
        try:
            yield
        finally:
            log.info("shutting down")
            platform.startup.stop()

    app = FastAPI(
        title="Aura",
        version=__version__,
        lifespan=lifespan,
        description="Self-hosted fashion AI platform.",
    )
    app.state.platform = platform
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health.router)
    for service in settings.served_services:
        app.include_router(service_router(service))
    if Service.VISUAL_ANALYSIS in settings.served_services:
        app.include_router(visual_analysis.build_router())
    metrics.install_storage_collectors(
        lambda: usage.measure(platform.tree), lambda: platform.tree.root
    )

    @app.exception_handler(AuraError)
    async def aura_error(_: Request, exc: AuraError) -> JSONResponse:
        status = 503 if isinstance(exc, NotReady) else 400 if isinstance(exc, ConfigError) else 500
        status = getattr(exc, "http_status", status)  # errors that know their status (4xx)
        return JSONResponse(exc.to_dict(), status_code=status)

    return app
