"""`aura index status` and `aura index rebuild`: the item vector index from the command line.

``status`` only reads (works while a server holds the index); ``rebuild`` is a writer and
fails with the holder's pid while another process writes the folder.
"""

from __future__ import annotations

import typer

from aura.cli.context import settings_from
from aura.cli.output import console, print_json
from aura.layout import DataTree

app = typer.Typer(no_args_is_help=True, help="The wardrobe's vector index (a cache of the DB).")


def _parts(ctx: typer.Context):  # type: ignore[no-untyped-def]
    from aura.storage.db import Database
    from aura.storage.migrate import upgrade_to_head
    from aura.wardrobe.embedder import TextEmbedder

    settings = settings_from(ctx)
    tree = DataTree(settings)
    db = Database(tree.database_url)
    upgrade_to_head(db)
    return settings, tree, db, TextEmbedder.from_store(settings, import_packaged=True).space


@app.command()
def status(ctx: typer.Context, json_out: bool = typer.Option(False, "--json")) -> None:
    """The snapshot's manifest, its writer (if running), and how far behind the database it is."""
    from aura.errors import LockHeld
    from aura.storage import changes
    from aura.storage.locks import DirectoryLock
    from aura.storage.vectors import read_manifest

    _, tree, db, space = _parts(ctx)
    folder = tree.index_dir(space.slug)
    try:
        db_seq = changes.last_seq(db, space)
    finally:
        db.close()
    manifest = read_manifest(folder)
    lock = DirectoryLock(folder, "vector index writer")
    holder = None
    if folder.is_dir():
        try:
            lock.acquire()
            lock.release()
        except LockHeld:  # someone writes it now
            holder = lock.holder()
    out = {
        "folder": str(folder),
        "space": space.key,
        "manifest": manifest,
        "database_last_seq": db_seq,
        "writer": holder,
    }
    if json_out:
        print_json(out)
        return
    if manifest is None:
        console.print(
            f"No snapshot in {folder}: the next start (or `aura index rebuild`) builds it."
        )
    else:
        console.print(
            f"{folder}: {manifest.get('count')} vectors in {manifest.get('partitions')} "
            f"per-user partitions ({manifest.get('shards')} shards), database at seq {db_seq}, "
            f"written {manifest.get('written_at')}",
            highlight=False,
        )
    console.print(f"writer: {holder or 'none running'}", highlight=False)


@app.command()
def rebuild(ctx: typer.Context, json_out: bool = typer.Option(False, "--json")) -> None:
    """Rebuild the index from the database and write a snapshot (needs the writer lock)."""
    from aura.storage.index_manager import IndexManager

    settings, tree, db, space = _parts(ctx)
    manager = IndexManager(db, tree, settings, space)
    try:
        manager.lock.acquire()
        manager.writer = True
        manifest = manager.rebuild()
    finally:
        manager.close()
        db.close()
    if json_out:
        print_json(manifest)
        return
    console.print(
        f"Rebuilt {manager.folder}: {manifest.get('count')} vectors in "
        f"{manifest.get('partitions')} per-user partitions.",
        highlight=False,
    )
