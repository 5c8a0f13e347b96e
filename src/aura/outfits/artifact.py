"""The trained model on disk: ``model.safetensors`` + ``config.json`` + ``manifest.json``.

The manifest (sha256 and size of every file, the training data and settings, the
evaluation figures, ``created_at``) is written last and is the commit record: a folder
without a valid manifest, or whose files do not match it, holds no model.
:func:`save_model_artifact` is the one place that writes an artifact, so the model store
can take it over later without touching training.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aura.errors import ModelMissing
from aura.storage import atomic

if TYPE_CHECKING:  # torch loads only when a model is saved or loaded, not to read a manifest
    from aura.outfits.model import OutfitTransformer

KIND = "outfit_transformer"
MANIFEST = "manifest.json"
WEIGHTS = "model.safetensors"
CONFIG = "config.json"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        (directory / MANIFEST).unlink()  # from here until the new manifest: no model
        atomic.fsync_dir(directory)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    config = {
        "kind": KIND,
        "model": model.config.to_dict(),
        "feature_extractor": feature_extractor,
        "category_names": category_names,
    }
    blobs = {
        WEIGHTS: st_save(state, metadata={"kind": KIND}),
        CONFIG: (json.dumps(config, indent=2, sort_keys=True) + "\n").encode(),
    }
    for name, data in blobs.items():
        atomic.write_bytes(directory / name, data)
    manifest = {
        "kind": KIND,
        "files": {n: {"sha256": _sha256(d), "size": len(d)} for n, d in blobs.items()},
        "training": training,
        "evaluation": evaluation,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    atomic.write_json(directory / MANIFEST, manifest)
    return manifest


def read_manifest(directory: Path, *, verify_hashes: bool = False) -> dict[str, Any]:
    """The manifest if the artifact is complete (sizes, and hashes if asked), else ModelMissing."""
    directory = Path(directory)
    manifest = atomic.read_json(directory / MANIFEST)
    fix = f"Train one: `aura train outfits --data PATH --out {directory.parent}`."
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        raise ModelMissing(f"No complete outfit model in {directory} (no valid manifest).", fix=fix)
    for name, meta in manifest["files"].items():
        path = directory / name
        if not path.is_file() or path.stat().st_size != meta["size"]:
            raise ModelMissing(f"{path} is missing or has the wrong size.", fix=fix)
        if verify_hashes and _sha256(path.read_bytes()) != meta["sha256"]:
            raise ModelMissing(f"{path} does not match its sha256 in the manifest.", fix=fix)
    return manifest


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
