"""Restore an `aura backup` archive into a data tree, and prune old archives."""

from __future__ import annotations

import json
import os
import tarfile
import tempfile
from pathlib import Path

from aura.errors import BackupError
from aura.layout import DataTree
from aura.services import Service
from aura.storage import dbdump
from aura.storage.backup import MANIFEST, BackupInfo, verify


def _files_under(path: Path) -> list[Path]:
    return (
        [p for p in path.rglob("*") if p.is_file() and p.name != ".aura.lock"]
        if path.is_dir()
        else []
    )


def _occupied(tree: DataTree) -> list[Path]:
    """Files that a restore would replace: the SQLite database, models, the index."""
    found = [tree.sqlite_path] if tree.settings.embedded and tree.sqlite_path.exists() else []
    for service in Service:
        found += _files_under(tree.models_dir(service))
    found += _files_under(tree.vector_store_dir())
    return found


def _move_tree(source: Path, target: Path) -> None:
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        dest = target / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, dest)  # same filesystem: the staging folder is inside the tree


def restore(tree: DataTree, archive: Path, *, force: bool = False) -> BackupInfo:
    """Verify ``archive`` fully, then restore it into ``tree`` (empty unless ``force``)."""
    info = verify(archive)
    tree.setup()
    occupied = _occupied(tree)
    if occupied and not force:
        raise BackupError(
            f"The data tree at {tree.root} is not empty ({len(occupied)} file(s), e.g. "
            f"{occupied[0]}).",
            fix="Restore into an empty tree (set AURA_DATA_DIR to a new folder and run "
            "`aura setup`), or pass --force to overwrite.",
        )
    with tempfile.TemporaryDirectory(prefix=".aura-restore-", dir=tree.root) as tmp:
        staging = Path(tmp)
        with tarfile.open(archive, "r:*") as tar:
            tar.extractall(staging, filter="data")  # verify() already refused unsafe members
        dbdump.restore(tree.database_url, staging / info.manifest["database"]["file"], force=force)
        for service in Service:
            source = staging / "models" / service.value
            if source.is_dir():
                _move_tree(source, tree.models_dir(service))
        if (staging / "vector_store").is_dir():
            _move_tree(staging / "vector_store", tree.vector_store_dir())
    return info


def read_manifest(archive: Path) -> dict | None:
    """The manifest of ``archive`` without verifying the rest (None if unreadable)."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            handle = tar.extractfile(MANIFEST)
            return json.loads(handle.read()) if handle else None
    except (tarfile.TarError, KeyError, OSError, ValueError):
        return None


def prune(directory: Path, keep: int) -> tuple[list[Path], list[Path]]:
    """Delete all but the ``keep`` newest backups in ``directory``.

    Files that are not readable Aura backups are never deleted. Returns (kept, deleted).
    """
    if keep < 1:
        raise BackupError("--keep must be at least 1.", fix="Pass --keep 1 or more.")
    dated = []
    for path in directory.glob("*.tar*"):
        manifest = read_manifest(path)
        if manifest and "created_at_epoch" in manifest:
            dated.append((manifest["created_at_epoch"], path))
    dated.sort(reverse=True)
    kept = [p for _, p in dated[:keep]]
    deleted = [p for _, p in dated[keep:]]
    for path in deleted:
        path.unlink()
    return kept, deleted
