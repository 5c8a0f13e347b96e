"""``POST /api/v1/session/local-signin``: a one-time link for the person at the machine.

When ``aura serve`` runs everything in one process bound to loopback, it prints
``http://127.0.0.1:PORT/#signin=TOKEN``. The token is random, held only in this process's
memory, and travels in the URL fragment (never sent in a request line or logged). The web
app posts it here once and receives a fresh API key of the local user (created if none).
The route refuses anyone but a loopback client, any other token, and a second use.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import threading
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from aura.api.auth import platform_of
from aura.api.errors import ErrorBody
from aura.storage.users import UserExists, create_user, new_key

LOCAL_USER = "local"
router = APIRouter(prefix="/api/v1/session", tags=["session"])


class LocalSignin:
    """One token, usable once."""

    def __init__(self) -> None:
        self.token: str | None = secrets.token_urlsafe(32)
        self._lock = threading.Lock()

    def take(self, token: str) -> bool:
        with self._lock:
            # bytes: compare_digest refuses str with non-ASCII characters (found by fuzzing)
            if self.token is None or not hmac.compare_digest(
                self.token.encode(), token.encode("utf-8", "replace")
            ):
                return False
            self.token = None
            return True


def is_loopback(host: str | None) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def enable(app: FastAPI) -> str:
    """Turn local sign-in on for ``app``; returns the one-time token to print."""
    signin = LocalSignin()
    app.state.local_signin = signin
    assert signin.token is not None
    return signin.token


class SigninIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    token: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")


def _key_for_local_user(request: Request) -> str:
    db = platform_of(request).db
    assert db is not None
    try:
        return create_user(db, LOCAL_USER)[1]
    except UserExists:
        return new_key(db, LOCAL_USER)


_REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorBody, "description": "Not from this machine, or not the valid token"},
    404: {"model": ErrorBody, "description": "Local sign-in is off in this process"},
}


@router.post("/local-signin", responses=_REFUSALS)
async def local_signin(body: SigninIn, request: Request) -> dict[str, Any]:
    """Exchange the one-time token ``aura serve`` printed for a key of the local user."""
    signin: LocalSignin | None = getattr(request.app.state, "local_signin", None)
    if signin is None:
        raise HTTPException(
            404,
            "Local sign-in is off: it exists only when `aura serve` runs everything on "
            "127.0.0.1. Sign in with an API key from `aura users create NAME`.",
        )
    client = request.client.host if request.client else None
    if not is_loopback(client) or "x-forwarded-for" in request.headers:
        raise HTTPException(403, "Local sign-in is only for a browser on this machine.")
    platform_of(request)  # 503 while the database is not migrated: the token stays valid
    if not signin.take(body.token):
        raise HTTPException(
            403,
            "This sign-in link is not valid (already used, or from an earlier start). "
            "Restart `aura serve` for a new one, or sign in with an API key.",
        )
    key = await run_in_threadpool(_key_for_local_user, request)
    return {"api_key": key, "user": LOCAL_USER}
