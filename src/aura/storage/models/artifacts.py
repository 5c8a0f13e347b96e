"""Models Aura trains itself: a folder plus a manifest, the manifest written last.

The manifest (``aura-artifact.json``) records every file's size and sha256, the base model,
the training data and settings, and when it was made. A folder without a valid manifest
is absent, so a training run killed mid-save never leaves something that looks usable.

Writing goes through a staging folder beside the target: files first, manifest last, then
the staging folder is renamed over the target (the old one is kept aside until the rename
is done, and restored on the next write or read if a crash fell in between)::

    with write_artifact(tree.outfit_model_dir(), base_model="...", training={...}) as staging:
        save(model, staging / "model.safetensors")
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aura.layout import ARTIFACT_MANIFEST_FILENAME
from aura.storage.atomic import fsync_dir, read_json, write_json
from aura.storage.models.hfcache import file_digest, now_iso

ARTIFACT_FORMAT = 1


@dataclass(frozen=True)
class ArtifactManifest:
    files: dict[str, dict[str, Any]]  # relative path -> {"size", "sha256"}
    base_model: str | None
    training: dict[str, Any]
    created_at: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(int(f["size"]) for f in self.files.values())


@dataclass(frozen=True)
class ArtifactCheck:
    path: Path
    manifest: ArtifactManifest | None
    problems: list[str]

    @property
    def ok(self) -> bool:
        return self.manifest is not None and not self.problems


def _old_aside(target: Path) -> Path:
    return target.with_name(f".{target.name}.previous")


def _recover(target: Path) -> None:
    """If a crash fell between moving the old artifact aside and the new one in, undo it."""
    aside = _old_aside(target)
    if aside.exists() and not target.exists():
        os.replace(aside, target)


def _files(folder: Path) -> list[Path]:
    out = []
    for dirpath, _, filenames in os.walk(folder):
        for filename in filenames:
            if filename != ARTIFACT_MANIFEST_FILENAME:
                out.append(Path(dirpath, filename))
    return sorted(out)


@contextlib.contextmanager
def write_artifact(
    target: Path,
    *,
    base_model: str | None,
    training: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> Iterator[Path]:
    """Yield an empty staging folder; on a clean exit it becomes ``target`` with its manifest.

    On an exception the staging folder is deleted and ``target`` is untouched.
    """
    target = Path(target)
    staging = new_staging(target)
    try:
        yield staging
        files: dict[str, dict[str, Any]] = {}
        for path in _files(staging):
            with open(path, "rb+") as handle:
                os.fsync(handle.fileno())
            sha256, _, size = file_digest(path, git=False)
            files[path.relative_to(staging).as_posix()] = {"size": size, "sha256": sha256}
        for dirpath, _, _ in os.walk(staging):
            fsync_dir(Path(dirpath))
        write_json(
            staging / ARTIFACT_MANIFEST_FILENAME,
            {
                "format": ARTIFACT_FORMAT,
                "files": files,
                "base_model": base_model,
                "training": training or {},
                "created_at": now_iso(),
                "extra": extra or {},
            },
        )
        commit_staging(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def new_staging(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    _recover(target)
    staging = target.with_name(f".{target.name}.staging-{uuid.uuid4().hex[:8]}")
    staging.mkdir()
    return staging


def commit_staging(staging: Path, target: Path) -> None:
    """Put a complete staging folder (manifest included) in the place of ``target``."""
    aside = _old_aside(target)
    if target.exists():
        shutil.rmtree(aside, ignore_errors=True)
        os.replace(target, aside)
    os.replace(staging, target)
    fsync_dir(target.parent)
    shutil.rmtree(aside, ignore_errors=True)


def read_artifact(path: Path) -> ArtifactManifest | None:
    data = read_json(Path(path) / ARTIFACT_MANIFEST_FILENAME)
    try:
        if data["format"] != ARTIFACT_FORMAT:
            return None
        return ArtifactManifest(
            files={
                str(k): {"size": int(v["size"]), "sha256": str(v["sha256"])}
                for k, v in data["files"].items()
            },
            base_model=data.get("base_model"),
            training=dict(data.get("training") or {}),
            created_at=str(data["created_at"]),
            extra=dict(data.get("extra") or {}),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def verify_artifact(path: Path, *, full: bool = False) -> ArtifactCheck:
    """Fast: manifest valid, every file present with its size. Full: sha256 of every file."""
    path = Path(path)
    _recover(path)
    manifest = read_artifact(path)
    if manifest is None:
        return ArtifactCheck(path, None, ["no valid manifest"])
    problems = []
    for rel, info in sorted(manifest.files.items()):
        file = path / rel
        try:
            size = file.stat().st_size
        except OSError:
            problems.append(f"{rel}: missing")
            continue
        if size != info["size"]:
            problems.append(f"{rel}: size {size} != {info['size']}")
        elif full and file_digest(file, git=False)[0] != info["sha256"]:
            problems.append(f"{rel}: checksum mismatch")
    return ArtifactCheck(path, manifest, problems)
