"""The MCP endpoint at ``/mcp`` (streamable HTTP): the assistant's tools for any agent,
as the user of the bearer API key. Served with the assistant; answers 503-style tool
errors until start-up has brought the database up.

The endpoint is built on its first request (:class:`LazyMCP`): the MCP SDK is about 26 MiB
of RSS and half a second of imports that a server no agent talks to does not need.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import anyio

from aura.platform import Platform

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

    from aura.assistant.mcp_server import MCPHttp


def mcp_endpoint(platform: Platform) -> MCPHttp:
    from aura.assistant.mcp_server import MCPHttp, build_server, http_user
    from aura.assistant.tools import ToolDeps, ToolError
    from aura.storage.users import authenticate

    def deps() -> ToolDeps:
        if platform.db is None or platform.wardrobe is None:
            raise ToolError(
                "Aura is still starting.", fix="Wait until GET /health/ready answers 200."
            )
        return platform.assistant.tools if platform.assistant else platform.tool_deps()

    def user_for_key(key: str) -> int | None:
        if platform.db is None:
            return None
        principal = authenticate(platform.db, key)
        return None if principal is None else principal.user_id

    server = build_server(deps, http_user, allow_writes=platform.settings.mcp_allow_writes)
    return MCPHttp(server, user_for_key)


class LazyMCP:
    """The ``/mcp`` ASGI app, built when the first request comes.

    ``run()`` is entered by the app's lifespan: it holds a task that, once a request asks,
    builds the endpoint (its imports in a worker thread, off the event loop) and keeps the
    SDK's session manager running until shutdown. Requests wait for it, then go through.
    """

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.endpoint: MCPHttp | None = None
        self._needed: anyio.Event | None = None
        self._ready: anyio.Event | None = None
        self._error: BaseException | None = None

    @contextlib.asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        self._needed, self._ready = anyio.Event(), anyio.Event()
        async with anyio.create_task_group() as group:
            group.start_soon(self._serve_when_needed)
            try:
                yield
            finally:
                group.cancel_scope.cancel()

    async def _serve_when_needed(self) -> None:
        while True:
            assert self._needed is not None and self._ready is not None
            await self._needed.wait()
            try:
                endpoint = await anyio.to_thread.run_sync(mcp_endpoint, self.platform)
                break
            except Exception as exc:  # the waiting requests fail with it; the next one retries
                self._error, failed = exc, self._ready
                self._needed, self._ready = anyio.Event(), anyio.Event()
                failed.set()
        async with endpoint.run():
            self.endpoint = endpoint
            self._ready.set()
            await anyio.sleep_forever()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.endpoint is None:
            if self._needed is None or self._ready is None:
                raise RuntimeError("the MCP endpoint serves only inside the app's lifespan")
            ready = self._ready
            self._needed.set()
            await ready.wait()
            if self.endpoint is None:
                assert self._error is not None
                raise self._error
        await self.endpoint(scope, receive, send)
