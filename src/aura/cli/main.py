"""The `aura` command: setup, config, doctor, usage, serve (more arrive with each component)."""

from __future__ import annotations

import sys

import typer

from aura import __version__
from aura.cli import (
    backup,
    config_cmd,
    index,
    mcp_cmd,
    models,
    outfits,
    proof,
    serve,
    train,
    tree,
    users,
    wardrobe,
)
from aura.cli.output import err_console
from aura.config import load_settings
from aura.errors import AuraError
from aura.runtime import resume_collector

app = typer.Typer(
    name="aura",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Aura: self-hosted fashion AI whose state survives everything.",
)


@app.callback()
def _root(
    ctx: typer.Context, version: bool = typer.Option(False, "--version", help="Print the version.")
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit(0)
    ctx.obj = load_settings()
    if ctx.invoked_subcommand != "serve":  # serve: once its start-up phases are over
        resume_collector()


app.command()(tree.setup)
app.command()(tree.doctor)
app.command()(tree.usage)
app.command("config")(config_cmd.config)
app.command()(serve.serve)
app.add_typer(backup.app, name="backup")
app.add_typer(models.app, name="models")
app.add_typer(users.app, name="users")
app.add_typer(index.app, name="index")
app.add_typer(train.app, name="train")  # assistant, garment-classifier; outfits by cli.outfits
app.add_typer(outfits.app, name="outfits")
app.command("verify-persistence")(proof.verify_persistence)
app.add_typer(wardrobe.app, name="wardrobe")
app.command("mcp")(mcp_cmd.mcp)


def main() -> None:
    try:
        app(standalone_mode=True)
    except AuraError as exc:
        err_console.print(f"[red]error:[/] {exc.message}", highlight=False)
        if exc.fix:
            err_console.print(f"[yellow]fix:[/] {exc.fix}", highlight=False)
        sys.exit(2)
