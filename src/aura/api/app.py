"""The FastAPI app factory: one process serves all three services, or one of them."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import Depends, FastAPI

from aura import __version__, metrics, usage
from aura.api import health, web
from aura.api.auth import current_user
from aura.api.errors import ERROR_RESPONSES, install_error_handlers
from aura.api.middleware import RequestContextMiddleware
from aura.api.routes import visual_analysis, wardrobe, wardrobe_photos
from aura.api.services import service_router
from aura.api.upload_limits import UploadLimitMiddleware, upload_limits
from aura.config import Settings, load_settings
from aura.platform import Platform
from aura.services import Service

log = logging.getLogger("aura.api")


def create_app(settings: Settings | None = None, platform: Platform | None = None) -> FastAPI:
    settings = settings or load_settings()
    platform = platform or Platform(settings)

    mcp_http = None
    if Service.CONVERSATIONAL_AI in settings.served_services:
        from aura.api.mcp import LazyMCP

        mcp_http = LazyMCP(platform)  # built on the first /mcp request

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        platform.startup.start_in_background()  # heavy phases never block the event loop
        try:
            async with AsyncExitStack() as stack:
                if mcp_http is not None:
                    await stack.enter_async_context(mcp_http.run())
                yield
        finally:
            log.info("shutting down")
            platform.startup.stop()
            platform.close()

    app = FastAPI(
        title="Aura",
        version=__version__,
        lifespan=lifespan,
        description="Self-hosted fashion AI platform.",
        responses=ERROR_RESPONSES,
    )
    app.state.platform = platform
    app.add_middleware(UploadLimitMiddleware, limits=lambda: upload_limits(settings))
    app.add_middleware(RequestContextMiddleware)  # added last: the outermost
    app.include_router(health.router)
    for service in settings.served_services:
        app.include_router(service_router(service))
    if platform.serves_wardrobe:
        from aura.storage.index_metrics import IndexCollector

        app.include_router(wardrobe.router)
        app.include_router(wardrobe_photos.router)
        from aura.api.routes import life_routers  # wear, calendar, trips, ...

        for router in life_routers():
            app.include_router(router)
        metrics.install_index_collector(IndexCollector(lambda: platform.index))
    if Service.OUTFIT_RECOMMENDATION in settings.served_services:
        from aura.api.routes import outfit_recommendation  # wardrobe items: the shared database

        app.include_router(outfit_recommendation.router)
    if Service.CONVERSATIONAL_AI in settings.served_services:
        from aura.api.routes import conversational_ai, local_signin, openai_compat, system

        app.include_router(conversational_ai.router)
        app.include_router(openai_compat.router)
        from starlette.routing import Route

        # MCP over streamable HTTP (the assistant's tools, API key required)
        app.router.routes.append(
            Route("/mcp", mcp_http, methods=["GET", "POST", "DELETE"], include_in_schema=False)
        )
        # the web app and its helpers live with the assistant (one-process mode: everything)
        app.include_router(system.router)
        app.include_router(local_signin.router)
        web.install(app)
    if Service.VISUAL_ANALYSIS in settings.served_services:
        app.include_router(
            visual_analysis.build_router(
                dependencies=[Depends(current_user)], max_batch=settings.vision_max_batch
            )
        )
    metrics.install_storage_collectors(
        lambda: usage.measure(platform.tree), lambda: platform.tree.root
    )

    install_error_handlers(app)
    return app
