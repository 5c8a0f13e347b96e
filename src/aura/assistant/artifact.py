"""Artifacts Aura writes itself (the fine-tuned adapter, a converted base model): a folder
of files plus ``manifest.json`` (sha256 and size of every file) written LAST, atomically.

A folder without a valid manifest is treated as absent; start-up checks sizes (cheap),
``verify_artifact(..., hashes=True)`` checks the hashes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aura.storage.atomic import read_json
from aura.storage.digests import sha256_file

MANIFEST = "manifest.json"


def file_table(folder: Path) -> dict[str, dict[str, Any]]:
    """sha256 and size of every file under ``folder`` except the manifest and lock files."""
    table: dict[str, dict[str, Any]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel == MANIFEST or path.name.startswith(".aura"):
            continue
        table[rel] = {"sha256": sha256_file(path), "size": path.stat().st_size}
    return table


def verify_artifact(folder: Path, *, hashes: bool = False) -> dict[str, Any] | None:
    """The manifest if ``folder`` holds a complete artifact, else None."""
    manifest = read_json(Path(folder) / MANIFEST)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        return None
    for rel, meta in manifest["files"].items():
        path = Path(folder) / rel
        if not path.is_file() or path.stat().st_size != meta.get("size"):
            return None
        if hashes and sha256_file(path) != meta.get("sha256"):
            return None
    return manifest
