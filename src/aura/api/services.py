"""One router per service, mounted under its ``/api/v1/...`` prefix.

Each service's own routes arrive with that service; what every service has from the
start is ``GET {prefix}/info``: what it is and whether this process has it ready.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from aura import __version__
from aura.services import Service


def service_router(service: Service) -> APIRouter:
    router = APIRouter(prefix=service.url_prefix, tags=[service.value])

    @router.get("/info", name=f"{service.value}_info")
    async def info(request: Request) -> dict[str, object]:
        state = request.app.state.platform.startup.state
        mine = state.service_status([service.value])[service.value]
        return {
            "service": service.value,
            "version": __version__,
            "ready": mine["ready"],  # its models loaded too (some load after /health/ready)
            "status": state.status,
            "loading": mine["loading"],
        }

    return router
