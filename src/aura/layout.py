"""The data tree: the only module that knows Aura's folder names.

The seed's tree, plus ``embedded/`` for the one-process mode::

    data/
    ├── visual_analysis/{models,logs}/
    ├── outfit_recommendation/{models,logs}/
    ├── conversational_ai/{models,vector_store,logs}/
    ├── postgres/  redis/  prometheus/  grafana/
    ├── nginx/logs/
    └── embedded/              one-process mode only: the SQLite database
        └── logs/              (aura.sqlite3) and the log of a process serving all three

``setup-data-dirs.sh`` and ``setup-data-dirs.bat`` create the same tree; a test
compares them. Creation is idempotent and never deletes or rewrites anything.
"""

from __future__ import annotations

import os
import shutil
import stat
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from aura.config import Settings
from aura.errors import LayoutError
from aura.findings import Finding, ok, problem
from aura.services import Service

# Folder names. Change them here and in setup-data-dirs.{sh,bat}; nowhere else.
SERVICE_KINDS: dict[Service, tuple[str, ...]] = {
    Service.VISUAL_ANALYSIS: ("models", "logs"),
    Service.OUTFIT_RECOMMENDATION: ("models", "logs"),
    Service.CONVERSATIONAL_AI: ("models", "vector_store", "logs"),
}
# Infrastructure folders, owned by their own containers (postgres, redis, ...).
INFRA_DIRS: dict[str, tuple[str, str]] = {
    # relative path: (owner name, kind)
    "postgres": ("postgres", "database"),
    "redis": ("redis", "cache"),
    "prometheus": ("prometheus", "metrics"),
    "grafana": ("grafana", "dashboards"),
    "nginx/logs": ("nginx", "logs"),
}
EMBEDDED_DIR = "embedded"
EMBEDDED_LOGS = "embedded/logs"
SQLITE_FILENAME = "aura.sqlite3"
FINETUNED_DIRNAME = "aura_fashion_assistant"
# Inside a service's model store (a Hugging Face cache: models--org--name/{blobs,snapshots,refs}).
# training run of the outfit model: checkpoints/, features/, model/ (the artifact)
OUTFIT_MODEL_DIRNAME = "outfit_transformer"
MODEL_MANIFESTS_DIRNAME = "aura"  # models--org--name/aura/<model>.json: Aura's commit records
MODEL_LOCKS_DIRNAME = ".locks/aura"  # per-model pull locks, beside huggingface_hub's .locks
ARTIFACT_MANIFEST_FILENAME = "aura-artifact.json"
DERIVED_DIRNAME = "aura-derived"  # conversions of a stored model (GGUF -> safetensors, ...)
OUTFIT_ARTIFACT_DIRNAME = "model"  # inside the run folder: the trained model with its manifest
# Models Aura derives from downloaded ones (a GGUF de-quantised to safetensors), per name.
CONVERTED_DIRNAME = "converted"
GARMENT_CLASSIFIER_DIRNAME = "aura_garment_classifier"
TRAINING_DIRNAME = ".training"  # checkpoints of runs in progress, beside the artifacts
LOG_FILENAME = "aura.log"
NATIVE_STDERR_FILENAME = "native-stderr.log"  # C/C++ libraries' stderr under `aura serve` on a TTY
BACKUPS_DIRNAME = "backups"  # default home of `aura backup create` archives (private: 0700)
INDEX_DIR_PREFIX = "items-"  # vector_store/items-<embedding space>/

# Folders holding private user data get 0700; everything else 0755.
PRIVATE_MODE = 0o700
DEFAULT_MODE = 0o755
PRIVATE_RELATIVE = {"postgres", EMBEDDED_DIR}

CONTAINER_PATHS = {
    "models": Path("/app/models"),
    "vector_store": Path("/app/vector_store"),
    "logs": Path("/app/logs"),
}


@dataclass(frozen=True)
class DirSpec:
    """One folder of the tree: where, whose, what kind of state, and its mode on creation."""

    path: Path
    owner: str  # a service name, an infrastructure name, or "embedded"
    kind: str  # models, vector_store, logs, database, cache, metrics, dashboards, state
    mode: int = DEFAULT_MODE
    aura_owned: bool = True  # False: a container of its own (postgres, ...) owns it


@dataclass
class SetupReport:
    created: list[Path] = field(default_factory=list)
    existing: list[Path] = field(default_factory=list)


class DataTree:
    """Paths of the data tree for one configuration."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = settings.resolved_data_dir

    # ---- paths ----------------------------------------------------------------------

    def _service_dir(self, service: Service, kind: str) -> Path:
        override = {
            "models": self.settings.model_path,
            "vector_store": self.settings.vector_store_path,
            "logs": self.settings.log_path,
        }[kind]
        if override is not None and service in self.settings.served_services:
            return override.expanduser().absolute()
        if self.settings.container and self.settings.service == service:
            return CONTAINER_PATHS[kind]
        return self.root / service.value / kind

    def models_dir(self, service: Service) -> Path:
        return self._service_dir(service, "models")

    def outfit_model_dir(self) -> Path:
        """The default run folder of `aura train outfits` (its model lands in ``model/``)."""
        return self.models_dir(Service.OUTFIT_RECOMMENDATION) / OUTFIT_MODEL_DIRNAME

    def outfit_artifact_dir(self) -> Path:
        """Where the served outfit model is read from (the default run's ``model/``)."""
        return self.outfit_model_dir() / OUTFIT_ARTIFACT_DIRNAME

    def vector_store_dir(self) -> Path:
        return self._service_dir(Service.CONVERSATIONAL_AI, "vector_store")

    def index_dir(self, space_slug: str) -> Path:
        """One folder per embedding space (index file, manifest, writer lock)."""
        return self.vector_store_dir() / f"{INDEX_DIR_PREFIX}{space_slug}"

    def finetuned_model_dir(self) -> Path:
        if self.settings.finetuned_model_path is not None:
            return self.settings.finetuned_model_path.expanduser().absolute()
        return self.models_dir(Service.CONVERSATIONAL_AI) / FINETUNED_DIRNAME

    def derived_model_dir(self, service: Service, model: str, key: str) -> Path:
        """A conversion of a stored model, made once and kept (an artifact with a manifest)."""
        return self.models_dir(service) / DERIVED_DIRNAME / model / key

    def model_locks_dir(self, service: Service) -> Path:
        return self.models_dir(service) / MODEL_LOCKS_DIRNAME

    def converted_model_dir(self, name: str) -> Path:
        """A model Aura converted itself (e.g. SmolLM2's GGUF as safetensors), kept so the
        next run loads it instead of converting again. A rebuildable cache."""
        return self.models_dir(Service.CONVERSATIONAL_AI) / CONVERTED_DIRNAME / name

    def garment_classifier_dir(self) -> Path:
        """The garment category classifier Aura trains itself (an artifact with a manifest)."""
        return self.models_dir(Service.VISUAL_ANALYSIS) / GARMENT_CLASSIFIER_DIRNAME

    def training_dir(self, service: Service, run_name: str) -> Path:
        """Checkpoints of a training run in progress (resumed after a kill)."""
        return self.models_dir(service) / TRAINING_DIRNAME / run_name

    def service_logs_dir(self, service: Service) -> Path:
        return self._service_dir(service, "logs")

    def process_logs_dir(self) -> Path:
        """Where this process writes its log file."""
        if self.settings.service is not None:
            return self.service_logs_dir(self.settings.service)
        if self.settings.log_path is not None:
            return self.settings.log_path.expanduser().absolute()
        return self.root / EMBEDDED_LOGS

    def backups_dir(self) -> Path:
        """Where backups go by default: AURA_BACKUP_DIR, else ``backups/`` in the data tree
        (an archive holds the whole database, photos included: never in the checkout)."""
        if self.settings.backup_dir is not None:
            return self.settings.backup_dir.expanduser().absolute()
        return self.root / BACKUPS_DIRNAME

    @property
    def embedded_dir(self) -> Path:
        return self.root / EMBEDDED_DIR

    @property
    def sqlite_path(self) -> Path:
        return self.embedded_dir / SQLITE_FILENAME

    @property
    def database_url(self) -> str:
        return self.settings.database_url or f"sqlite:///{self.sqlite_path}"

    # ---- the folders this configuration needs ------------------------------------

    def dirs(self) -> list[DirSpec]:
        """Every folder this configuration uses, each once.

        Outside a container that is the whole seed tree (the host prepares the folders that
        docker compose bind-mounts) plus any folder an environment variable moved elsewhere.
        Inside a container it is only the served service's own folders.
        """
        specs: list[DirSpec] = []
        if not self.settings.container:
            specs.append(DirSpec(self.root, "aura", "state"))
            for rel, (owner, kind) in INFRA_DIRS.items():
                mode = PRIVATE_MODE if rel in PRIVATE_RELATIVE else DEFAULT_MODE
                specs.append(DirSpec(self.root / rel, owner, kind, mode, aura_owned=False))
        services = tuple(Service) if not self.settings.container else self.settings.served_services
        for service in services:
            for kind in SERVICE_KINDS[service]:
                specs.append(DirSpec(self._service_dir(service, kind), service.value, kind))
        if self.settings.embedded:
            specs.append(DirSpec(self.embedded_dir, EMBEDDED_DIR, "database", PRIVATE_MODE))
        specs.append(
            DirSpec(
                self.process_logs_dir(),
                EMBEDDED_DIR if self.settings.service is None else self.settings.service.value,
                "logs",
            )
        )
        unique: dict[Path, DirSpec] = {}
        for spec in specs:
            unique.setdefault(spec.path, spec)
        return list(unique.values())

    # ---- setup --------------------------------------------------------------------

    def setup(self) -> SetupReport:
        """Create every missing folder. Existing folders and files are left exactly as they are."""
        report = SetupReport()
        for spec in sorted(self.dirs(), key=lambda s: len(s.path.parts)):
            if spec.path.is_dir():
                report.existing.append(spec.path)
                continue
            if spec.path.exists() or spec.path.is_symlink():
                raise LayoutError(
                    f"{spec.path} exists but is not a directory.",
                    fix=f"Move it away (mv {spec.path} {spec.path}.bak), then run `aura setup`.",
                )
            try:
                spec.path.mkdir(parents=True)
                os.chmod(spec.path, spec.mode)  # exact mode, whatever the umask
            except OSError as exc:
                raise LayoutError(
                    f"Cannot create {spec.path}: {exc.strerror}.",
                    fix=f"Create it as a user who may write to {spec.path.parent}, or set "
                    "AURA_DATA_DIR to a writable folder.",
                ) from exc
            report.created.append(spec.path)
        return report

    # ---- checks -------------------------------------------------------------------

    def check(self, min_free_mb: int | None = None) -> list[Finding]:
        """Check every folder: exists, is a directory, writable, owned by us, enough space."""
        min_free = self.settings.min_free_disk_mb if min_free_mb is None else min_free_mb
        findings: list[Finding] = []
        devices: dict[int, Path] = {}
        for spec in self.dirs():
            findings.extend(_check_dir(spec))
            if spec.path.is_dir():
                devices.setdefault(spec.path.stat().st_dev, spec.path)
        for path in devices.values():
            findings.append(check_free_space(path, min_free))
        return findings


def _check_dir(spec: DirSpec) -> list[Finding]:
    path = spec.path
    subject = str(path)
    if not path.exists():
        return [
            problem(
                "path",
                f"{path} does not exist ({spec.owner} {spec.kind}).",
                "Run `aura setup` (or ./setup-data-dirs.sh).",
                subject,
            )
        ]
    if not path.is_dir():
        return [
            problem(
                "path",
                f"{path} is not a directory.",
                f"Move the file away (mv {path} {path}.bak), then run `aura setup`.",
                subject,
            )
        ]
    findings = [ok("path", f"{path} is a directory.", subject)]
    if not spec.aura_owned:
        return findings  # owned and written by its own container (postgres, grafana, ...)
    probe = path / f".aura-write-test-{uuid.uuid4().hex}"
    try:
        with open(probe, "wb") as handle:  # a real write: root passes permission bits
            handle.write(b"ok")
            handle.flush()
            os.fsync(handle.fileno())
        probe.unlink()
        findings.append(ok("writable", f"{path} is writable.", subject))
    except OSError as exc:
        findings.append(
            problem(
                "writable",
                f"{path} is not writable: {exc.strerror}.",
                f"chown -R {os.geteuid()}:{os.getegid()} {path}, or run Aura as its owner.",
                subject,
            )
        )
    owner = path.stat().st_uid
    if owner != os.geteuid():
        findings.append(
            problem(
                "owner",
                f"{path} is owned by uid {owner}, but Aura runs as uid {os.geteuid()}: the classic "
                "bind-mount UID problem.",
                f"sudo chown -R {os.geteuid()}:{os.getegid()} {path}; in docker compose set "
                "AURA_UID/AURA_GID in .env to the owner of data/ (`id -u`, `id -g`).",
                subject,
                warning=True,
            )
        )
    return findings


def check_free_space(path: Path, min_free_mb: int) -> Finding:
    usage = shutil.disk_usage(path)
    free_mb = usage.free // (1024 * 1024)
    if free_mb < min_free_mb:
        return problem(
            "disk",
            f"Only {free_mb} MiB free on the disk holding {path} (threshold {min_free_mb} MiB).",
            "Free space (`aura usage` shows what Aura uses; `aura models gc` drops unused "
            "model revisions), or lower AURA_MIN_FREE_DISK_MB.",
            str(path),
        )
    return ok("disk", f"{free_mb} MiB free on the disk holding {path}.", str(path))


def tree_snapshot(root: Path) -> dict[str, int]:
    """Relative folder paths under ``root`` with their permission bits (for comparisons)."""
    out: dict[str, int] = {}
    for dirpath, dirnames, _ in os.walk(root):
        for name in dirnames:
            full = Path(dirpath, name)
            out[str(full.relative_to(root))] = stat.S_IMODE(full.stat().st_mode)
    return out
