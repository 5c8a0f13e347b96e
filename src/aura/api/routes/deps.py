"""Dependencies shared by the assistant's routers.

``current_user_id`` is the ONE place that says who is calling. Until API keys exist every
request is the single local user; authentication replaces this function's body (or the
dependency, via ``app.dependency_overrides``) and every route follows.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from aura.assistant.service import Assistant
from aura.errors import NotReady

LOCAL_USER = "local"


async def current_user_id() -> str:
    return LOCAL_USER


def get_assistant(request: HTTPConnection) -> Assistant:
    platform = request.app.state.platform
    if platform.assistant is None:
        state = platform.startup.state
        raise NotReady(
            f"The assistant is not loaded yet (start-up: {state.status}, phase {state.phase}).",
            fix="Wait until GET /health/ready answers 200; if start-up failed, it says why.",
        )
    return platform.assistant  # type: ignore[no-any-return]
