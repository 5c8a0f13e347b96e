"""The trained model on disk: ``model.safetensors`` + ``config.json`` + its ONNX export
(three graphs, verified against the torch model when written), an artifact of the
model store (:mod:`aura.storage.models.artifacts`) whose manifest — sha256 and size of
every file, the training data and settings, the evaluation figures, ``created_at`` — is
written last and is the commit record: a folder without a valid manifest, or whose files
do not match it, holds no model. So `aura models list|verify` and backups see it too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aura.errors import ModelMissing
from aura.layout import ARTIFACT_MANIFEST_FILENAME
from aura.storage.models.artifacts import verify_artifact, write_artifact

if TYPE_CHECKING:  # torch loads only when a model is saved or loaded, not to read a manifest
    from aura.outfits.model import OutfitTransformer

KIND = "outfit_transformer"
MANIFEST = ARTIFACT_MANIFEST_FILENAME
WEIGHTS = "model.safetensors"
CONFIG = "config.json"


def save_model_artifact(
    directory: Path,
    model: OutfitTransformer,
    *,
    feature_extractor: str,
    category_names: list[str],
    training: dict[str, Any],
    evaluation: dict[str, Any],
) -> dict[str, Any]:
    """Write the model into ``directory`` atomically, manifest last; returns the manifest."""
    from safetensors.torch import save as st_save

    from aura.errors import ModelCorrupt
    from aura.outfits.onnx_export import export_onnx

    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    config = {
        "kind": KIND,
        "model": model.config.to_dict(),
        "feature_extractor": feature_extractor,
        "category_names": category_names,
    }
    extra: dict[str, Any] = {"kind": KIND, "evaluation": evaluation}
    with write_artifact(
        Path(directory), base_model=None, training=training, extra=extra
    ) as staging:
        (staging / WEIGHTS).write_bytes(st_save(state, metadata={"kind": KIND}))
        (staging / CONFIG).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
        # exported when written: serving runs these graphs (ONNX Runtime, no torch)
        extra["onnx"] = export_onnx(model, staging)
        if not extra["onnx"]["passed"]:
            raise ModelCorrupt(
                f"The ONNX export disagrees with the trained model: {extra['onnx']['tasks']}",
                fix="Report this with the training settings; the model was not written.",
            )
    return read_manifest(directory)


def read_manifest(directory: Path, *, verify_hashes: bool = False) -> dict[str, Any]:
    """The manifest if the artifact is complete (sizes, and hashes if asked), else ModelMissing."""
    directory = Path(directory)
    fix = f"Train one: `aura train outfits --data PATH --out {directory.parent}`."
    check = verify_artifact(directory, full=verify_hashes)
    manifest = check.manifest
    if manifest is None or manifest.extra.get("kind") != KIND:
        raise ModelMissing(f"No complete outfit model in {directory} (no valid manifest).", fix=fix)
    if check.problems:
        what = (
            "a file does not match its sha256"
            if any("checksum" in p for p in check.problems)
            else "a file is missing or has the wrong size"
        )
        raise ModelMissing(
            f"The outfit model in {directory} is damaged: {what} ({'; '.join(check.problems)}).",
            fix=fix,
        )
    return {
        "kind": KIND,
        "files": manifest.files,
        "training": manifest.training,
        "evaluation": manifest.extra.get("evaluation", {}),
        "onnx": manifest.extra.get("onnx"),
        "created_at": manifest.created_at,
    }


def load_model_artifact(
    directory: Path, *, verify_hashes: bool = False
) -> tuple[OutfitTransformer, dict[str, Any], dict[str, Any]]:
    """(model in eval mode, config.json, manifest) from a verified artifact folder."""
    import torch
    from safetensors.torch import load as st_load

    from aura.outfits.model import ModelConfig, OutfitTransformer

    directory = Path(directory)
    manifest = read_manifest(directory, verify_hashes=verify_hashes)
    config = json.loads((directory / CONFIG).read_text())
    model = OutfitTransformer(ModelConfig.from_dict(config["model"]))
    state = st_load((directory / WEIGHTS).read_bytes())
    model.load_state_dict({k: torch.as_tensor(v) for k, v in state.items()})
    model.eval()
    return model, config, manifest
