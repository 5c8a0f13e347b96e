"""`aura models export FILE` / `import FILE`: carry models to an air-gapped host.

The file is a plain tar (weights do not compress). Its first member, ``aura-export.json``,
lists each model with its commit record; then come the files. Import never trusts a path
from the archive: it builds every destination itself from checked names, writes each file
to a temp name, checks its hash (a blob's name is its checksum; an artifact's manifest
holds each sha256), renames it into place, and writes the commit record last.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from aura.errors import ModelCorrupt
from aura.layout import ARTIFACT_MANIFEST_FILENAME
from aura.storage.atomic import write_json
from aura.storage.models import artifacts, hfcache
from aura.storage.models.store import ModelStore

INDEX = "aura-export.json"
EXPORT_FORMAT = 1
_BLOB = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
_CHUNK = 1024 * 1024


@dataclass
class TransferReport:
    models: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    bytes: int = 0


def _safe_rel(rel: str) -> str:
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts or not path.parts or rel.startswith("/"):
        raise ModelCorrupt(
            f"Unsafe path {rel!r} in the archive.", fix="Use a file made by `aura models export`."
        )
    return path.as_posix()


def export_models(store: ModelStore, target: Path, selector: str | None = None) -> TransferReport:
    report = TransferReport()
    entries: list[dict[str, Any]] = []
    members: list[tuple[str, Path]] = []
    for spec in store.specs(selector):
        status = store.status(spec, full=True)
        if not status.ok:
            report.skipped.append(f"{spec.name}: {status.state}")
            continue
        if spec.source == "artifact":
            manifest = artifacts.read_artifact(store.artifact_dir(spec))
            assert manifest is not None
            folder = store.artifact_dir(spec)
            entry = {
                "name": spec.name,
                "kind": "artifact",
                "manifest": json.loads((folder / ARTIFACT_MANIFEST_FILENAME).read_text()),
            }
            members += [(f"{spec.name}/{rel}", folder / rel) for rel in manifest.files]
        else:
            hf = store._matching_manifest(spec)
            assert hf is not None
            base = store.store_dir(spec)
            entry = {"name": spec.name, "kind": "hf", "manifest": hf.to_dict()}
            members += [(f"{spec.name}/blobs/{r.blob}", hf.blob_path(base, r)) for r in hf.files]
        entries.append(entry)
        report.models.append(spec.name)
    tmp = target.with_name(f".{target.name}.tmp")
    with tarfile.open(tmp, "w") as tar:
        index = json.dumps({"format": EXPORT_FORMAT, "models": entries}, indent=2).encode()
        info = tarfile.TarInfo(INDEX)
        info.size = len(index)
        tar.addfile(info, io.BytesIO(index))
        seen = set()
        for name, path in members:
            if name in seen:
                continue
            seen.add(name)
            tar.add(str(path), arcname=name, recursive=False)
            report.bytes += path.stat().st_size
    os.replace(tmp, target)
    return report


def _extract_checked(tar: tarfile.TarFile, member: str, dest: Path, check: str) -> int:
    """Copy one member to ``dest`` via a temp file; ``check`` is a blob name or a sha256."""
    try:
        info = tar.getmember(member)
        source = tar.extractfile(info)
    except KeyError:
        source = None
    if source is None:
        raise ModelCorrupt(f"{member} is missing from the archive.", fix="Export it again.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.import.incomplete")
    sha256 = hashlib.sha256()
    git_sha1 = hashlib.sha1(f"blob {info.size}\0".encode())
    size = 0
    with open(tmp, "wb") as out:
        while chunk := source.read(_CHUNK):
            sha256.update(chunk)
            git_sha1.update(chunk)
            out.write(chunk)
            size += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    ok = check in (sha256.hexdigest(), git_sha1.hexdigest())
    if not ok:
        hfcache.remove_file(tmp)
        raise ModelCorrupt(
            f"{member} in the archive does not match its checksum: the file is damaged.",
            fix="Copy the export file again (compare its sha256 on both hosts), then import.",
        )
    os.replace(tmp, dest)
    return size


def import_models(store: ModelStore, source: Path) -> TransferReport:
    report = TransferReport()
    with tarfile.open(source, "r") as tar:
        index_file = tar.extractfile(INDEX)
        if index_file is None:
            raise ModelCorrupt(f"{source} has no {INDEX}.", fix="Use `aura models export`.")
        index = json.loads(index_file.read())
        for entry in index.get("models", []):
            name = entry["name"]
            try:
                spec = store.registry.get(name)
            except Exception:
                report.skipped.append(f"{name}: not in this host's registry")
                continue
            if entry["kind"] == "artifact":
                report.bytes += _import_artifact(
                    tar, store.artifact_dir(spec), name, entry["manifest"]
                )
            else:
                manifest = hfcache.Manifest.from_dict(entry["manifest"])
                if manifest is None or manifest.repo_id != spec.store_repo_id:
                    report.skipped.append(f"{name}: another repository on this host")
                    continue
                report.bytes += _import_hf(tar, store, spec, manifest)
            report.models.append(name)
    return report


def _import_hf(
    tar: tarfile.TarFile, store: ModelStore, spec: Any, manifest: hfcache.Manifest
) -> int:
    base = store.store_dir(spec)
    total = 0
    with store.lock(spec):
        hfcache.drop_manifest(base, manifest.repo_id, manifest.name)
        blobs = hfcache.repo_dir(base, manifest.repo_id) / "blobs"
        for record in manifest.files:
            if not _BLOB.match(record.blob) or not _BLOB.match(manifest.commit[:40]):
                raise ModelCorrupt(f"Bad blob name {record.blob!r}.", fix="Export it again.")
            blob = blobs / record.blob
            if not (blob.exists() and hfcache.blob_matches(blob, record.blob)):
                total += _extract_checked(
                    tar, f"{spec.name}/blobs/{record.blob}", blob, record.blob
                )
            hfcache.make_read_only(blob)
            hfcache.link_pointer(manifest.snapshot(base), _safe_rel(record.path), blob)
        if not re.fullmatch(r"[0-9a-f]{40}", manifest.revision):
            hfcache.repo_dir(base, manifest.repo_id).joinpath("refs").mkdir(exist_ok=True)
            ref = hfcache.repo_dir(base, manifest.repo_id) / "refs" / _safe_rel(manifest.revision)
            from aura.storage.atomic import write_text

            write_text(ref, manifest.commit)
        hfcache.write_manifest(base, manifest)  # the commit record, last
    return total


def _import_artifact(tar: tarfile.TarFile, target: Path, name: str, data: dict[str, Any]) -> int:
    staging = artifacts.new_staging(target)
    total = 0
    try:
        for rel, info in sorted(data["files"].items()):
            total += _extract_checked(
                tar, f"{name}/{_safe_rel(rel)}", staging / rel, str(info["sha256"])
            )
        write_json(staging / ARTIFACT_MANIFEST_FILENAME, data)  # last
        artifacts.commit_staging(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return total
