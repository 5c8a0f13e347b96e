"""The assistant's tools: one plain-Python layer over Aura's services, each tool with a JSON
schema (its pydantic argument model) and a typed result. The chat's planner, the
tool-calling loop and the MCP server all drive this same toolbox; facts in a reply come
from here."""

from __future__ import annotations

from aura.assistant.tools import life, outfits, wardrobe
from aura.assistant.tools.base import Tool, Toolbox, ToolDeps, ToolError, ToolOutcome, ToolSession
from aura.assistant.tools.context import RequestContextView, parse_context
from aura.assistant.tools.items import ItemView

__all__ = [
    "ItemView",
    "RequestContextView",
    "Tool",
    "ToolDeps",
    "ToolError",
    "ToolOutcome",
    "ToolSession",
    "Toolbox",
    "default_toolbox",
    "parse_context",
]


def default_toolbox() -> Toolbox:
    return Toolbox([*wardrobe.TOOLS, *outfits.TOOLS, *life.TOOLS])
