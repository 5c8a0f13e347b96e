"""`aura backup create|verify|restore|prune`."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from aura.cli.context import settings_from
from aura.cli.output import console, human_bytes, print_json
from aura.layout import PRIVATE_MODE, DataTree
from aura.storage import backup as backup_mod
from aura.storage import restore as restore_mod

app = typer.Typer(
    help="Consistent backups of a running platform, verified and restored.", no_args_is_help=True
)


@app.command()
def create(
    ctx: typer.Context,
    file: Path | None = typer.Argument(
        None,
        help="Archive to write (.tar.gz or .tar). Default: $AURA_BACKUP_DIR (default "
        "$AURA_DATA_DIR/backups)/aura-backup-<UTC time>.tar.gz",
    ),
    include_models: bool = typer.Option(
        False, "--include-models", help="Also downloaded weights (they can be fetched again)."
    ),
    include_index: bool = typer.Option(
        False, "--include-index", help="Also the vector index snapshot (it can be rebuilt)."
    ),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Back up the database, Aura's own models and (optionally) weights and index."""
    tree = DataTree(settings_from(ctx))
    if file is None:
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        folder = tree.backups_dir()
        if not folder.exists():  # the archives hold private data: the folder is the owner's
            folder.mkdir(parents=True, mode=PRIVATE_MODE)
        file = folder / f"aura-backup-{stamp}.tar.gz"
    info = backup_mod.create(tree, file, include_models=include_models, include_index=include_index)
    if json_out:
        print_json({"path": str(info.path), "manifest": info.manifest})
        return
    size = sum(f["size"] for f in info.manifest["files"].values())
    console.print(
        f"Backup written to {info.path}: {len(info.manifest['files'])} file(s), "
        f"{human_bytes(size)} before compression.",
        highlight=False,
    )
    for service, repos in info.manifest["hub_models_not_included"].items():
        console.print(
            f"  not included (fetch again with `aura models pull`): {service}: {', '.join(repos)}",
            highlight=False,
        )


@app.command()
def verify(
    file: Path = typer.Argument(..., help="The archive to check."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Check every file of an archive against its manifest's sha256."""
    info = backup_mod.verify(file)
    if json_out:
        print_json({"path": str(file), "valid": True, "manifest": info.manifest})
        return
    console.print(
        f"{file}: valid, {len(info.manifest['files'])} file(s), made "
        f"{info.manifest['created_at']} by Aura {info.manifest['aura_version']}.",
        highlight=False,
    )


@app.command()
def restore(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="The archive to restore."),
    force: bool = typer.Option(
        False, "--force", help="Overwrite a data tree or database that is not empty."
    ),
) -> None:
    """Restore an archive into an empty data tree (AURA_DATA_DIR) and database."""
    info = restore_mod.restore(DataTree(settings_from(ctx)), file, force=force)
    console.print(
        f"Restored {file} (made {info.manifest['created_at']}). Start Aura with "
        "`aura serve`; hub models not in the archive: `aura models pull`.",
        highlight=False,
    )


@app.command()
def prune(
    ctx: typer.Context,
    keep: int = typer.Option(..., "--keep", help="How many of the newest to keep."),
    directory: Path | None = typer.Option(
        None, "--dir", help="Default: AURA_BACKUP_DIR ($AURA_DATA_DIR/backups)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Delete all but the N newest backups (files that are not backups are left alone)."""
    kept, deleted = restore_mod.prune(directory or DataTree(settings_from(ctx)).backups_dir(), keep)
    if json_out:
        print_json({"kept": [str(p) for p in kept], "deleted": [str(p) for p in deleted]})
        return
    for path in deleted:
        console.print(f"deleted  {path}", highlight=False)
    console.print(f"Kept {len(kept)} backup(s), deleted {len(deleted)}.")
