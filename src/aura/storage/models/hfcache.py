"""The Hugging Face cache layout Aura's model stores use, plus Aura's commit record per model.

``MODEL_PATH/models--org--name/`` holds ``blobs/<etag>`` (content, read-only),
``snapshots/<commit>/<file>`` (relative symlinks to blobs) and ``refs/<branch>``, exactly
as ``huggingface_hub`` writes them, so its tools (``scan_cache_dir``, ``hf cache``) work.
A blob's name is its own checksum: 64 hex digits are the sha256 (LFS files, and every
packaged file), 40 are the git blob sha1 (small files kept in git).

Aura adds ``models--org--name/aura/<model>.json``, written last and atomically after every
file was checked: the commit record. A model without a valid record is absent, whatever
else is on disk, so an interrupted pull never looks valid.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aura.layout import MODEL_MANIFESTS_DIRNAME
from aura.storage.atomic import read_json, write_json

MANIFEST_FORMAT = 1
READ_ONLY = 0o444
_CHUNK = 1024 * 1024


def repo_dir(store: Path, repo_id: str) -> Path:
    """``models--org--name``, as huggingface_hub names it."""
    return store / ("models--" + repo_id.replace("/", "--"))


def manifest_path(store: Path, repo_id: str, name: str) -> Path:
    return repo_dir(store, repo_id) / MODEL_MANIFESTS_DIRNAME / f"{name}.json"


def file_digest(path: Path, *, git: bool = True) -> tuple[str, str, int]:
    """(sha256, git blob sha1 or "", size) of a file, in one read."""
    size = path.stat().st_size
    sha256 = hashlib.sha256()
    sha1 = hashlib.sha1(f"blob {size}\0".encode()) if git else None
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            sha256.update(chunk)
            if sha1 is not None:
                sha1.update(chunk)
    return sha256.hexdigest(), sha1.hexdigest() if sha1 is not None else "", size


def blob_matches(path: Path, blob: str) -> bool:
    """True when the content of ``path`` has the checksum its blob name promises.

    64 hex digits name a sha256 (LFS files, packaged files); 40 name a git blob sha1.
    """
    if len(blob) == 64:
        return file_digest(path, git=False)[0] == blob
    sha1 = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            sha1.update(chunk)
    return sha1.hexdigest() == blob


def make_read_only(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o222:
        os.chmod(path, READ_ONLY)


def remove_file(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def link_pointer(snapshot: Path, relpath: str, blob_path: Path) -> Path:
    """Point ``snapshots/<commit>/<relpath>`` at ``blob_path`` (relative link, atomic swap)."""
    pointer = snapshot / relpath
    pointer.parent.mkdir(parents=True, exist_ok=True)
    target = os.path.relpath(blob_path, pointer.parent)
    if pointer.is_symlink() and os.readlink(pointer) == target:
        return pointer
    tmp = pointer.with_name(f".{pointer.name}.{os.getpid()}.link")
    remove_file(tmp)
    os.symlink(target, tmp)
    os.replace(tmp, pointer)
    return pointer


@dataclass(frozen=True)
class FileRecord:
    path: str  # relative to the snapshot
    blob: str  # blob file name = its checksum
    size: int

    def to_dict(self) -> dict[str, Any]:
        return {"blob": self.blob, "size": self.size}


@dataclass(frozen=True)
class Manifest:
    """Aura's commit record for one model in the store."""

    name: str
    source: str
    repo_id: str
    revision: str  # what was asked for
    commit: str  # what it resolved to: the snapshot folder
    files: tuple[FileRecord, ...]
    created_at: str
    origin: dict[str, Any]

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    def snapshot(self, store: Path) -> Path:
        return repo_dir(store, self.repo_id) / "snapshots" / self.commit

    def blob_path(self, store: Path, record: FileRecord) -> Path:
        return repo_dir(store, self.repo_id) / "blobs" / record.blob

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MANIFEST_FORMAT,
            "name": self.name,
            "source": self.source,
            "repo_id": self.repo_id,
            "revision": self.revision,
            "commit": self.commit,
            "files": {f.path: f.to_dict() for f in self.files},
            "size": self.size,
            "created_at": self.created_at,
            "origin": self.origin,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Manifest | None:
        try:
            if data["format"] != MANIFEST_FORMAT:
                return None
            files = tuple(
                FileRecord(path, str(v["blob"]), int(v["size"]))
                for path, v in sorted(data["files"].items())
            )
            return cls(
                name=str(data["name"]),
                source=str(data["source"]),
                repo_id=str(data["repo_id"]),
                revision=str(data["revision"]),
                commit=str(data["commit"]),
                files=files,
                created_at=str(data["created_at"]),
                origin=dict(data.get("origin") or {}),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None


def read_manifest(store: Path, repo_id: str, name: str) -> Manifest | None:
    return Manifest.from_dict(read_json(manifest_path(store, repo_id, name)))


def write_manifest(store: Path, manifest: Manifest) -> None:
    write_json(manifest_path(store, manifest.repo_id, manifest.name), manifest.to_dict())


def drop_manifest(store: Path, repo_id: str, name: str) -> None:
    remove_file(manifest_path(store, repo_id, name))


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass(frozen=True)
class FileProblem:
    path: str
    reason: str  # missing, size, checksum, link


def check_files(store: Path, manifest: Manifest, *, full: bool) -> list[FileProblem]:
    """Fast: every pointer leads to its blob with the recorded size. Full: checksums too."""
    problems: list[FileProblem] = []
    snapshot = manifest.snapshot(store)
    for record in manifest.files:
        pointer = snapshot / record.path
        blob = manifest.blob_path(store, record)
        try:
            if pointer.resolve(strict=True) != blob.resolve(strict=True):
                problems.append(FileProblem(record.path, "link"))
                continue
            if blob.stat().st_size != record.size:
                problems.append(FileProblem(record.path, "size"))
                continue
        except (FileNotFoundError, RuntimeError, OSError):
            problems.append(FileProblem(record.path, "missing"))
            continue
        if full and not blob_matches(blob, record.blob):
            problems.append(FileProblem(record.path, "checksum"))
    return problems


def discard_files(store: Path, manifest: Manifest, paths: set[str]) -> None:
    """Remove the blobs and pointers of broken files, so the next pull fetches them again."""
    snapshot = manifest.snapshot(store)
    for record in manifest.files:
        if record.path in paths:
            remove_file(snapshot / record.path)
            remove_file(manifest.blob_path(store, record))
