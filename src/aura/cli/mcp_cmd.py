"""`aura mcp --user NAME`: Aura's assistant tools over MCP on stdio, acting as that user
(for agents that start a local MCP server: Claude Desktop, IDEs, ...). stdout is the
protocol; everything else goes to stderr."""

from __future__ import annotations

import typer

from aura.cli.context import settings_from
from aura.errors import NotFound

SKIPPED_PHASES = {"assistant model load", "outfit model load", "vision model load"}


def mcp(
    ctx: typer.Context,
    user: str = typer.Option(..., "--user", help="Act as this user (aura users create NAME)."),
    allow_writes: bool = typer.Option(
        False, "--allow-writes", help="Also offer the tools that write (save outfits, feedback)."
    ),
) -> None:
    """Serve the assistant's tools over MCP (stdio) as USER; read-only unless --allow-writes."""
    import anyio

    from aura.assistant.mcp_server import build_server, fixed_user, serve_stdio
    from aura.platform import Platform
    from aura.startup import Startup
    from aura.storage.users import user_id_by_name

    settings = settings_from(ctx)
    platform = Platform(settings)
    # the database, the embedder and the item index; no language model is needed
    phases = [p for p in platform.phases() if p.name not in SKIPPED_PHASES]
    state = Startup(phases).run()
    if state.status != "ready":
        error = state.error or {}
        raise typer.BadParameter(f"start-up failed: {error.get('message')} {error.get('fix')}")
    try:
        assert platform.db is not None
        user_id = user_id_by_name(platform.db, user)
        if user_id is None:
            raise NotFound(f"No user {user!r}.", fix=f"Create one: `aura users create {user}`.")
        deps = platform.tool_deps()
        server = build_server(lambda: deps, fixed_user(user_id), allow_writes=allow_writes)
        anyio.run(serve_stdio, server)
    finally:
        platform.close()
