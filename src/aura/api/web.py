"""Serves the web app: ``/`` (the page) and ``/static/...`` (its modules, styles, icon).

Public (no key): the page holds no user data; it calls ``/api/v1`` with the key the user
signs in with. Every answer carries a strict Content-Security-Policy: scripts and styles
only from this origin, never inline; images also from blob: URLs (photos fetched with the
key), connections only to this origin.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from aura.web import INDEX_HTML, STATIC_DIR

CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob: data:",
        "connect-src 'self'",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",  # revalidate (ETag): an upgrade shows at once
}


class _SecureStaticFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(SECURITY_HEADERS)
        return response


router = APIRouter(include_in_schema=False)


@router.get("/")
async def index() -> FileResponse:
    return FileResponse(INDEX_HTML, media_type="text/html", headers=SECURITY_HEADERS)


def install(app: FastAPI) -> None:
    """Add the page and its assets to ``app`` (none of /api, /health, /metrics, /docs)."""
    app.include_router(router)
    app.mount("/static", _SecureStaticFiles(directory=STATIC_DIR), name="static")
