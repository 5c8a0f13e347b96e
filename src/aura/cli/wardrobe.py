"""`aura wardrobe import`: many items at once, embedded in batches, indexed."""

from __future__ import annotations

from pathlib import Path

import typer

from aura.cli.context import settings_from
from aura.cli.output import console, err_console, print_json

app = typer.Typer(no_args_is_help=True, help="Wardrobe items in bulk.")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ...,
        exists=True,
        dir_okay=False,
        help="JSON lines (one item per line) or a .csv file (columns: see the docs).",
    ),
    user: str = typer.Option(..., "--user", help="The user who owns the items."),
    batch: int = typer.Option(512, min=1, max=10_000, help="Items embedded per batch."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Import items (fields as POST /api/v1/wardrobe/items), validated first, then stored
    with their embeddings batch by batch; works while `aura serve` runs."""
    from aura.wardrobe.bulk import import_file

    def progress(done: int) -> None:
        if not json_out:
            err_console.print(f"imported {done}", highlight=False)

    result = import_file(settings_from(ctx), file, user, batch=batch, progress=progress)
    if json_out:
        print_json(result.__dict__)
        return
    console.print(
        f"Imported {result.items} items for {user!r} in {result.seconds:.1f} s "
        f"({result.embed_seconds:.1f} s embedding). Index: {result.index}"
    )
