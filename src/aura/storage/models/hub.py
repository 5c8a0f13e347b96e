"""Pull a hub model into the store with ``huggingface_hub``, then check every byte.

``snapshot_download`` does the transfer: resumable ``Range`` requests, retries on transient
errors, a process-unique ``.incomplete`` temp file renamed into ``blobs/`` only when its
size is right, and snapshot links made only after that. It does not check content, so Aura
does: each blob must hash to its own name (sha256 or git sha1). A bad blob is deleted with
its link and fetched again; only when every file is right is the commit record written.

The caller holds the model's pull lock (see :mod:`.store`).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from aura.config import Settings
from aura.errors import ModelDownloadFailed, ModelOffline
from aura.storage.models import hfcache
from aura.storage.models.hfcache import FileRecord, Manifest
from aura.storage.models.progress import ProgressSink, tqdm_class_for
from aura.storage.models.registry import ModelSpec

log = logging.getLogger("aura.models.hub")
ATTEMPTS = 3


@dataclass(frozen=True)
class Fetched:
    manifest: Manifest
    downloaded_bytes: int
    downloaded_files: int


def _blobs(store: Path, repo_id: str) -> set[str]:
    folder = hfcache.repo_dir(store, repo_id) / "blobs"
    try:
        return {e.name for e in os.scandir(folder) if not e.name.endswith(".incomplete")}
    except FileNotFoundError:
        return set()


def _snapshot_files(snapshot: Path, spec: ModelSpec) -> list[str]:
    from huggingface_hub.utils import filter_repo_objects

    rels = []
    for dirpath, _, filenames in os.walk(snapshot):
        for filename in filenames:
            if filename.startswith(".") and filename.endswith(".link"):
                continue
            rels.append(Path(dirpath, filename).relative_to(snapshot).as_posix())
    patterns = list(spec.allow_patterns) if spec.allow_patterns else None
    return sorted(filter_repo_objects(rels, allow_patterns=patterns))


def _check_snapshot(store: Path, spec: ModelSpec, snapshot: Path) -> tuple[list[FileRecord], list]:
    """Records of the good files, and the (pointer, blob) pairs of the bad ones."""
    blobs_dir = hfcache.repo_dir(store, spec.store_repo_id) / "blobs"
    good: list[FileRecord] = []
    bad: list[tuple[Path, Path | None]] = []
    for rel in _snapshot_files(snapshot, spec):
        pointer = snapshot / rel
        try:
            blob = pointer.resolve(strict=True)
        except (FileNotFoundError, RuntimeError):
            bad.append((pointer, None))
            continue
        if blob.parent != blobs_dir.resolve() or not hfcache.blob_matches(blob, blob.name):
            bad.append((pointer, blob if blob.parent == blobs_dir.resolve() else None))
            continue
        good.append(FileRecord(rel, blob.name, blob.stat().st_size))
    return good, bad


def _absent_from_listing(
    store: Path, spec: ModelSpec, commit: str, good: list[FileRecord]
) -> list[str]:
    """Files the hub's listing of this commit has (for our patterns) that are not in ``good``.

    ``snapshot_download`` caches the listing it worked from; checking against it means a
    file can never silently be left out of the record. Without a cached listing: no check.
    """
    from huggingface_hub import get_cached_repo_tree
    from huggingface_hub.utils import filter_repo_objects

    try:
        listing = get_cached_repo_tree(spec.store_repo_id, revision=commit, cache_dir=store)
    except Exception:  # no listing cached (an older layout): nothing to compare with
        return []
    patterns = list(spec.allow_patterns) if spec.allow_patterns else None
    wanted = {f.path: f.size for f in listing}
    have = {r.path: r.size for r in good}
    return sorted(
        path
        for path in filter_repo_objects(list(wanted), allow_patterns=patterns)
        if have.get(path) != wanted[path]
    )


def fetch(
    store: Path, spec: ModelSpec, settings: Settings, sink: ProgressSink, *, force: bool = False
) -> Fetched:
    """Download (what is missing of) ``spec`` and return its verified manifest, written."""
    from huggingface_hub import constants as hf_constants
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    if settings.offline:
        raise ModelOffline(
            f"Model {spec.name} is not in the store and AURA_OFFLINE=1 forbids downloading it.",
            fix=f"Unset AURA_OFFLINE and run `{spec.pull_command}`, or bring it from a connected "
            "host with `aura models export FILE` there and `aura models import FILE` here.",
        )
    repo_id = spec.store_repo_id
    before = _blobs(store, repo_id)
    last_error: Exception | None = None
    for attempt in range(1, ATTEMPTS + 1):
        try:
            folder = snapshot_download(
                repo_id,
                revision=spec.revision,
                cache_dir=str(store),
                allow_patterns=list(spec.allow_patterns) if spec.allow_patterns else None,
                endpoint=settings.hf_endpoint,
                tqdm_class=tqdm_class_for(spec.name, sink),
                force_download=force and attempt == 1,
                max_workers=min(4, settings.max_workers),
            )
        except LocalEntryNotFoundError as exc:
            if not hf_constants.HF_HUB_OFFLINE:  # the hub could not be reached: retried
                last_error = exc.__cause__ or exc
                log.warning(
                    "model download attempt failed",
                    extra={"model": spec.name, "attempt": attempt, "reason": str(exc)[:300]},
                )
                time.sleep(min(2.0, 0.5 * attempt))
                continue
            # HF_HUB_OFFLINE=1 (huggingface_hub's own switch): only the local cache was
            # looked at and it lacks the model. The hub was never asked.
            raise ModelOffline(
                f"Model {spec.name} ({repo_id}@{spec.revision}) is not in the store and "
                "HF_HUB_OFFLINE=1 forbids asking the hub: no download was attempted.",
                fix=f"Unset HF_HUB_OFFLINE and run `{spec.pull_command}`, or bring it from a "
                "connected host with `aura models export FILE` there and `aura models import "
                "FILE` here.",
            ) from None
        except (RepositoryNotFoundError, RevisionNotFoundError, EntryNotFoundError) as exc:
            raise ModelDownloadFailed(
                f"The hub has no {repo_id}@{spec.revision} (model {spec.name}): "
                f"{str(exc).splitlines()[0][:300]}",
                fix="Check repo_id and revision (registry or AURA_MODEL_OVERRIDES) and "
                "HF_ENDPOINT; a private or gated repository also needs HF_TOKEN.",
            ) from None
        except Exception as exc:  # network, HTTP, size mismatch: all retried, then reported
            last_error = exc
            log.warning(
                "model download attempt failed",
                extra={"model": spec.name, "attempt": attempt, "reason": str(exc)[:300]},
            )
            time.sleep(min(2.0, 0.5 * attempt))
            continue
        snapshot = Path(folder)
        good, bad = _check_snapshot(store, spec, snapshot)
        if bad:
            for pointer, blob in bad:
                hfcache.remove_file(pointer)
                if blob is not None:
                    hfcache.remove_file(blob)
            last_error = ValueError(
                f"{len(bad)} file(s) did not match their checksum: "
                + ", ".join(str(p.relative_to(snapshot)) for p, _ in bad)
            )
            log.warning(
                "downloaded model file failed its checksum; fetching it again",
                extra={"model": spec.name, "attempt": attempt, "reason": str(last_error)},
            )
            continue
        absent = _absent_from_listing(store, spec, snapshot.name, good)
        if absent:
            last_error = ValueError("missing after download: " + ", ".join(absent))
            log.warning(
                "snapshot incomplete; fetching again",
                extra={"model": spec.name, "attempt": attempt, "reason": str(last_error)},
            )
            continue
        if not good:
            raise ModelDownloadFailed(
                f"Repository {repo_id}@{spec.revision} has no file matching "
                f"{list(spec.allow_patterns or ['*'])} for model {spec.name}.",
                fix="Correct repo_id/revision/allow_patterns in AURA_MODEL_OVERRIDES.",
            )
        blobs_dir = hfcache.repo_dir(store, repo_id) / "blobs"
        for record in good:
            hfcache.make_read_only(blobs_dir / record.blob)
        manifest = Manifest(
            name=spec.name,
            source="hub",
            repo_id=repo_id,
            revision=spec.revision,
            commit=snapshot.name,
            files=tuple(good),
            created_at=hfcache.now_iso(),
            origin={
                "endpoint": settings.hf_endpoint or "https://huggingface.co",
                "allow_patterns": list(spec.allow_patterns) if spec.allow_patterns else None,
            },
        )
        hfcache.write_manifest(store, manifest)  # the commit record, last
        new = [r for r in good if r.blob not in before]
        return Fetched(manifest, sum(r.size for r in new), len(new))
    raise ModelDownloadFailed(
        f"Could not download model {spec.name} ({repo_id}@{spec.revision}) after {ATTEMPTS} "
        f"attempts: {str(last_error)[:500]}",
        fix=f"Check the network and HF_ENDPOINT (`aura config`), then run `{spec.pull_command}` "
        "again: it resumes what was downloaded.",
    )
