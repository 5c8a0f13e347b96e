"""Conversions a model needs (GGUF to safetensors, an export, a quantisation), made once.

``build(folder)`` writes the converted files into an empty folder; the result is kept as an
artifact (files first, manifest last) under ``MODEL_PATH/aura-derived/<model>/<key>``, tied
to the commit of its source. Later calls, in this process or the next start, return it after
a size check; a new source revision or a damaged result triggers one rebuild. Builders of
the same conversion queue on the source model's pull lock, so it is built once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from aura.storage.models.artifacts import verify_artifact, write_artifact

if TYPE_CHECKING:
    from aura.storage.models.store import ModelStore


def derived(store: ModelStore, name: str, key: str, build: Callable[[Path], None]) -> Path:
    from aura.storage.models.store import missing_error

    if not re.fullmatch(r"[A-Za-z0-9._-]+", key):
        raise ValueError(f"derived key {key!r}: use letters, digits, '.', '_' or '-'")
    spec = store.registry.get(name)
    source = store.status(spec)
    if not source.ok:
        raise missing_error([source])
    origin = source.commit or (source.path.name if source.path else "")
    target = store.tree.derived_model_dir(spec.service, spec.name, key)

    def current() -> bool:
        check = verify_artifact(target)
        return bool(
            check.ok and check.manifest and check.manifest.extra.get("source_commit") == origin
        )

    if current():
        return target
    with store.lock(spec):
        if not current():  # another process may have built it while we waited
            with write_artifact(
                target,
                base_model=f"{spec.store_repo_id}@{origin}",
                extra={"derived_from": spec.name, "key": key, "source_commit": origin},
            ) as staging:
                build(staging)
    return target
