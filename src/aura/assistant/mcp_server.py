"""Aura's tools over the Model Context Protocol (the official ``mcp`` SDK), so any agent
can use a person's wardrobe: ``aura mcp --user NAME`` (stdio, acting as that user) and
streamable HTTP mounted at ``/mcp`` (the caller is the user of the bearer API key).

The same toolbox as the chat: each tool's input schema is its pydantic argument model,
its result the tool's JSON (``structured_content``, and as text). Read-only by default:
the tools that write (saving outfits, feedback, logging a wear, planning a day) are
listed and callable only when writes are enabled (``--allow-writes`` /
``AURA_MCP_ALLOW_WRITES``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import mcp_types as types
from mcp.server.lowlevel.server import Server
from starlette.types import Receive, Scope, Send

from aura import __version__
from aura.assistant.tools import Toolbox, ToolDeps, ToolSession, default_toolbox
from aura.errors import AuraError

SCOPE_USER = "aura_user_id"
INSTRUCTIONS = (
    "Aura's tools over one person's wardrobe: search, count and describe their items, "
    "recommend and complete outfits, list their saved outfits; their wear log, planned days, "
    "trips with packing lists and wardrobe insights. Every result holds only "
    "their own items; item ids come from search_items."
)
UserOf = Callable[[Any], int]


def build_server(
    deps: Callable[[], ToolDeps],
    user_of: UserOf,
    *,
    allow_writes: bool = False,
    toolbox: Toolbox | None = None,
) -> Server[Any]:
    box = toolbox or default_toolbox()

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(
            tools=[
                types.Tool(name=t.name, description=t.description, input_schema=t.schema())
                for t in box.visible(writes=allow_writes)
            ]
        )

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        try:
            session = ToolSession(deps(), user_of(ctx), allow_writes=allow_writes)
        except AuraError as exc:
            return _error(str(exc))
        outcome = await anyio.to_thread.run_sync(
            box.run, session, params.name, dict(params.arguments or {})
        )
        if not outcome.ok:
            return _error(outcome.error or "failed")
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=outcome.content())],
            structured_content=outcome.result,
        )

    return Server(
        "aura",
        version=__version__,
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def _error(message: str) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=message)], is_error=True
    )


def fixed_user(user_id: int) -> UserOf:
    return lambda _ctx: user_id


def http_user(ctx: Any) -> int:
    """The user the HTTP endpoint authenticated (put in the ASGI scope by :class:`MCPHttp`)."""
    request = getattr(ctx, "request", None)
    user = None if request is None else request.scope.get(SCOPE_USER)
    if not isinstance(user, int):
        raise PermissionError("no authenticated user on this MCP request")
    return user


async def serve_stdio(server: Server[Any]) -> None:
    from mcp.server.stdio import stdio_server

    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


class MCPHttp:
    """The streamable HTTP endpoint as an ASGI app: the bearer API key is checked first
    (401 without a valid one, the same keys as the REST API), then the SDK's session
    manager answers (stateless JSON responses: any replica can take any request)."""

    def __init__(self, server: Server[Any], authenticate: Callable[[str], int | None]) -> None:
        from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

        self.authenticate = authenticate
        self.manager = StreamableHTTPSessionManager(app=server, json_response=True, stateless=True)
        self._running: contextlib.AbstractAsyncContextManager[None] | None = None

    @contextlib.asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        async with self.manager.run():
            yield

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = dict(scope.get("headers") or [])
        scheme, _, key = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        user = self.authenticate(key.strip()) if scheme.lower() == "bearer" and key else None
        if user is None:
            body = (
                b'{"error": "Unauthorized", "message": "Missing or invalid API key.", '
                b'"fix": "Send Authorization: Bearer <key> (aura users create NAME)."}'
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"www-authenticate", b"Bearer"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.manager.handle_request({**scope, SCOPE_USER: user}, receive, send)
