"""Dependencies shared by the assistant's routers.

``current_user_id`` is the ONE place that says who is calling: the user of the bearer API
key (:func:`aura.api.auth.current_user`), as the string id the assistant's interfaces use.
WebSockets cannot send custom headers from browsers, so :func:`websocket_user_id` also takes
the key from an ``?api_key=`` query parameter.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, WebSocket, WebSocketException, status
from starlette.requests import HTTPConnection

from aura.api.auth import current_user, platform_of, principal_for_key
from aura.assistant.service import Assistant
from aura.errors import NotReady
from aura.storage.users import Principal


async def current_user_id(principal: Annotated[Principal, Depends(current_user)]) -> str:
    return str(principal.user_id)


def websocket_user_id(websocket: WebSocket) -> str:
    """The caller of a WebSocket: ``Authorization: Bearer <key>`` or ``?api_key=<key>``.

    A missing or wrong key refuses the handshake (close code 1008, policy violation), so
    the client never gets an open socket.
    """
    header = websocket.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        key = websocket.query_params.get("api_key", "")
    if not key.strip():
        raise WebSocketException(
            status.WS_1008_POLICY_VIOLATION,
            "Missing API key: send 'Authorization: Bearer <key>' or ?api_key=<key>.",
        )
    try:
        principal = principal_for_key(platform_of(websocket), key.strip())  # type: ignore[arg-type]
    except HTTPException as exc:
        raise WebSocketException(status.WS_1008_POLICY_VIOLATION, str(exc.detail)) from None
    return str(principal.user_id)


def get_assistant(request: HTTPConnection) -> Assistant:
    platform = request.app.state.platform
    if platform.assistant is None:
        state = platform.startup.state
        raise NotReady(
            f"The assistant is not loaded yet (start-up: {state.status}, phase {state.phase}).",
            fix="Wait until GET /health/ready answers 200; if start-up failed, it says why.",
        )
    return platform.assistant  # type: ignore[no-any-return]
