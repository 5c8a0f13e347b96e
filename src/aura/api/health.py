"""Liveness, readiness and metrics routes (outside ``/api/v1``: no key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from aura import __version__, runtime

router = APIRouter(tags=["health"])
runtime.register_collector()


@router.get("/health/live")
async def live() -> dict[str, str]:
    """Answers at once while the process runs, whatever start-up is doing."""
    return {"status": "alive", "version": __version__}


@router.get("/health/ready", responses={503: {"description": "Not ready: the phase and why"}})
async def ready(request: Request, loaded: bool = False) -> JSONResponse:
    """200 when start-up has finished; 503 with the phase it is in and why, or the error.

    Models whose first use can wait load after ready: ``loading`` lists them until they are
    in, and ``service_status`` says per service whether it can answer every route yet.
    ``?loaded=true`` also waits for them: the probe for a replica behind a load balancer,
    which should join only once every route it serves can answer (a POST that reaches a
    replica still loading its embedder is not retried elsewhere).
    """
    platform = request.app.state.platform
    state = platform.startup.state
    body = state.to_dict()
    services = [s.value for s in platform.settings.served_services]
    body["services"] = services
    body["service_status"] = state.service_status(services)
    ok = state.ready
    if loaded:
        ok = ok and all(s["ready"] for s in body["service_status"].values())
    headers = None if ok else {"Retry-After": "1"}
    return JSONResponse(body, status_code=200 if ok else 503, headers=headers)


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
