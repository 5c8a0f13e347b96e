"""Model artifacts Aura trains itself: a folder of files plus ``manifest.json``, written last.

The manifest (sha256 and size of every file, the training data and settings, the test
accuracy, ``created_at``) is the commit record: a folder without a valid manifest is no
model. Replacing a model never exposes a half-written one: the new folder is completed
beside the old one, then swapped in with two renames; a crash between the renames is
repaired by :func:`recover_artifact` (the old model comes back).

:func:`save_model_artifact` is the single place that writes such a folder, so the model
store can take it over in one edit.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
from pathlib import Path
from typing import Any

from aura.errors import ModelMissing
from aura.storage.atomic import fsync_dir, read_json, write_bytes, write_json
from aura.storage.digests import sha256_file

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1


def _sibling(target: Path, tag: str) -> Path:
    return target.parent / f".{target.name}.{tag}"


def save_model_artifact(target: Path, files: dict[str, bytes], manifest: dict[str, Any]) -> Path:
    """Write ``files`` (name → content) and a manifest into ``target``, atomically.

    ``manifest`` carries the caller's facts (data, settings, test accuracy); this adds the
    file list with sizes and hashes, ``created_at`` and the format version.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    recover_artifact(target)
    staging = _sibling(target, f"new-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    entries = {}
    for name, data in files.items():
        if "/" in name or name == MANIFEST:
            raise ValueError(f"bad artifact file name {name!r}")
        write_bytes(staging / name, data)
        entries[name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    record = {
        **manifest,
        "manifest_version": MANIFEST_VERSION,
        "files": entries,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    write_json(staging / MANIFEST, record)  # the commit record, last
    old = _sibling(target, "old")
    if target.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.rename(target, old)
    os.rename(staging, target)
    fsync_dir(target.parent)
    shutil.rmtree(old, ignore_errors=True)
    return target


def read_manifest(target: Path) -> dict[str, Any] | None:
    data = read_json(Path(target) / MANIFEST)
    return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else None


def verify_artifact(target: Path, *, hashes: bool = False) -> dict[str, Any]:
    """The manifest, after checking every file's size (and sha256 when ``hashes``)."""
    target = Path(target)
    manifest = read_manifest(target)
    if manifest is None:
        raise ModelMissing(
            f"No valid model artifact at {target} (manifest.json missing or unreadable).",
            fix="Train it: `aura train garment-classifier`.",
        )
    for name, entry in manifest["files"].items():
        path = target / name
        size = path.stat().st_size if path.is_file() else None
        if size != entry.get("size") or (hashes and sha256_file(path) != entry.get("sha256")):
            raise ModelMissing(
                f"{path} does not match its manifest (damaged or modified).",
                fix="Retrain it: `aura train garment-classifier` (the old files are replaced).",
            )
    return manifest


def recover_artifact(target: Path) -> None:
    """Undo an interrupted swap: bring ``.old`` back if ``target`` has no valid manifest."""
    target = Path(target)
    old = _sibling(target, "old")
    if read_manifest(target) is None and read_manifest(old) is not None:
        if target.exists():
            shutil.rmtree(target)
        os.rename(old, target)
        fsync_dir(target.parent)
    for stale in target.parent.glob(f".{target.name}.new-*"):
        with contextlib.suppress(OSError):
            shutil.rmtree(stale)
