"""Garbage collection of a Hugging Face-layout store.

What a commit record (``aura/<model>.json``) references is kept; everything else inside a
repository Aura manages goes: older snapshots, refs to them, their tree listings, blobs no
snapshot links to, and leftover ``*.incomplete`` downloads. Repositories Aura never managed
(no ``aura/`` folder, not in the registry) are left alone: they may be someone else's cache.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aura.layout import MODEL_MANIFESTS_DIRNAME
from aura.storage.atomic import read_json
from aura.storage.models import hfcache

if TYPE_CHECKING:
    from aura.storage.models.store import ModelStore


@dataclass
class GcReport:
    freed: int = 0
    removed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def add(self, other: GcReport) -> None:
        self.freed += other.freed
        self.removed += other.removed
        self.skipped += other.skipped


def _size(path: Path) -> int:
    try:
        return path.lstat().st_size
    except OSError:
        return 0


def manifests(repo: Path) -> list[hfcache.Manifest]:
    folder = repo / MODEL_MANIFESTS_DIRNAME
    out = []
    if folder.is_dir():
        for file in sorted(folder.glob("*.json")):
            manifest = hfcache.Manifest.from_dict(read_json(file))
            if manifest is not None:
                out.append(manifest)
    return out


def collect_repo(repo: Path) -> GcReport:
    """Remove from one repository folder what no valid commit record references."""
    report = GcReport()
    if not repo.is_dir():
        return report
    kept = manifests(repo)
    live_commits = {mf.commit for mf in kept}
    live_blobs = {rec.blob for mf in kept for rec in mf.files}
    snapshots = repo / "snapshots"
    if snapshots.is_dir():
        for snap in snapshots.iterdir():
            if snap.name not in live_commits:
                shutil.rmtree(snap, ignore_errors=True)
                report.removed.append(str(snap))
    refs = repo / "refs"
    if refs.is_dir():
        for ref in refs.rglob("*"):
            if ref.is_file() and ref.read_text().strip() not in live_commits:
                hfcache.remove_file(ref)
                report.removed.append(str(ref))
    trees = repo / "trees"
    if trees.is_dir():
        for listing in trees.glob("*.json"):
            if listing.stem not in live_commits:
                hfcache.remove_file(listing)
    # Blobs still linked from a kept snapshot (another file list of the same commit) stay.
    for snap_name in live_commits:
        snap = snapshots / snap_name
        for dirpath, _, filenames in os.walk(snap):
            for filename in filenames:
                with contextlib.suppress(OSError):
                    live_blobs.add(Path(dirpath, filename).resolve().name)
    blobs = repo / "blobs"
    if blobs.is_dir():
        for blob in blobs.iterdir():
            if blob.name not in live_blobs:
                report.freed += _size(blob)
                hfcache.remove_file(blob)
                report.removed.append(str(blob))
    if not kept:  # nothing of it is kept: drop the whole repository folder
        shutil.rmtree(repo, ignore_errors=True)
        report.removed.append(str(repo))
    return report


def collect_store(store: ModelStore) -> GcReport:
    """Collect every repository of the served services' stores that Aura manages.

    A repository whose pull lock is held (a pull is running) is skipped, never waited for.
    """
    from filelock import Timeout

    report = GcReport()
    specs = [s for s in store.registry.for_services(store.services) if s.source != "artifact"]
    for folder in sorted({store.tree.models_dir(service) for service in store.services}):
        for repo in sorted(folder.glob("models--*")) if folder.is_dir() else []:
            owners = [
                s
                for s in specs
                if store.store_dir(s) == folder
                and hfcache.repo_dir(folder, s.store_repo_id) == repo
            ]
            if not owners and not (repo / MODEL_MANIFESTS_DIRNAME).is_dir():
                continue  # not Aura's: someone else's cache entry
            with contextlib.ExitStack() as stack:
                try:
                    for spec in owners[:1]:  # one lock per repository
                        stack.enter_context(store.lock(spec, timeout=0))
                except Timeout:
                    report.skipped.append(f"{repo.name}: a pull is running")
                    continue
                for manifest in manifests(repo):
                    spec = next((s for s in owners if s.name == manifest.name), None)
                    if spec is None or store._matching_manifest(spec) != manifest:
                        hfcache.drop_manifest(folder, manifest.repo_id, manifest.name)
                report.add(collect_repo(repo))
    return report
