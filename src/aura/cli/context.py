"""Settings are loaded once, by the top-level callback, and handed to every command."""

from __future__ import annotations

import typer

from aura.config import Settings


def settings_from(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    assert isinstance(obj, Settings), "the root callback loads the settings"
    return obj
