"""Bearer API keys for ``/api/v1``: who the caller is, and whether they are over their rate.

The services' ``/api/v1/<service>/info`` routes stay public (they reveal no user data);
every route that touches user data depends on :func:`current_user`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from aura.errors import NotReady
from aura.platform import Platform
from aura.storage.cache import allow_request
from aura.storage.users import Principal, authenticate

_bearer = HTTPBearer(auto_error=False, description="An API key from `aura users create NAME`.")


def platform_of(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    if platform.db is None:
        raise NotReady(
            "The database is not migrated yet.", fix="Wait for /health/ready, then retry."
        )
    return platform


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def current_user(request: Request, credentials: Credentials) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            401,
            "Missing API key: send 'Authorization: Bearer <key>' "
            "(create one with `aura users create NAME`).",
            headers=_CHALLENGE,
        )
    return principal_for_key(platform_of(request), credentials.credentials)


_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def principal_for_key(platform: Platform, key: str) -> Principal:
    """The user a key belongs to, counted against their rate; 401 or 429 otherwise.

    Shared by :func:`current_user` and the WebSocket routes (which cannot use HTTPBearer).
    """
    assert platform.db is not None
    principal = authenticate(platform.db, key)
    if principal is None:
        raise HTTPException(401, "Unknown or revoked API key.", headers=_CHALLENGE)
    limit = platform.settings.rate_limit_per_minute
    if not allow_request(platform.cache, f"key:{principal.key_id}", limit):
        raise HTTPException(
            429,
            f"Rate limit of {limit} requests per minute exceeded.",
            headers={"Retry-After": "60"},
        )
    return principal
