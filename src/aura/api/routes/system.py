"""``GET /api/v1/system/status``: what whoever runs the platform wants to see at a glance.

Read-only and authenticated. It reuses what the CLI computes: start-up phases
(``/health/ready``), the model store (``aura models list``: size check, not hashes; ``aura
models verify`` hashes), the index (``aura index status``), disk use per service
(``aura usage``), and this process's memory and ML runtimes (:mod:`aura.runtime`).
Server paths are left out: the page is for users of the API too.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from aura import __version__, runtime, usage
from aura.api.auth import current_user
from aura.storage.users import Principal

router = APIRouter(prefix="/api/v1/system", tags=["system"])
User = Annotated[Principal, Depends(current_user)]


def _models(platform: Any) -> list[dict[str, Any]]:
    from aura.storage.models.store import ModelStore

    store = platform.models or ModelStore(platform.settings)
    out = []
    for spec in store.specs():
        status = store.status(spec).to_dict()
        status.pop("path", None)
        status["verified"] = "size" if status["state"] != "missing" else None
        out.append(status)
    return out


def _index(platform: Any) -> dict[str, Any] | None:
    if platform.index is None:
        return None
    status: dict[str, Any] = platform.index.status()
    status.pop("folder", None)
    return status


@router.get("/status")
def system_status(request: Request, user: User) -> dict[str, Any]:
    """Readiness and start-up phases of this process, its models, its index, disk per service."""
    platform = request.app.state.platform
    startup = platform.startup.state.to_dict()
    storage = usage.summarize(usage.measure(platform.tree))
    return {
        "version": __version__,
        "services": [s.value for s in platform.settings.served_services],
        "ready": platform.startup.state.ready,
        "startup": startup,
        "models": _models(platform),
        "index": _index(platform),
        "storage": storage,
        "storage_total": sum(row["total"] for row in storage.values()),
        "database": "sqlite" if platform.settings.embedded else "postgresql",
        "process": runtime.process_info(),
    }
