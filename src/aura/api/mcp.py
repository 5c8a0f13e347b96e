"""The MCP endpoint at ``/mcp`` (streamable HTTP): the assistant's tools for any agent,
as the user of the bearer API key. Served with the assistant; answers 503-style tool
errors until start-up has brought the database up."""

from __future__ import annotations

from aura.assistant.mcp_server import MCPHttp, build_server, http_user
from aura.assistant.tools import ToolDeps, ToolError
from aura.platform import Platform
from aura.storage.users import authenticate


def mcp_endpoint(platform: Platform) -> MCPHttp:
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
