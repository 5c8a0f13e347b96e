"""Conversions a model needs (GGUF to safetensors, an ONNX export, a quantisation), made once.

``build(folder)`` writes the converted files into an empty folder (and may return a dict of
facts about them, e.g. an export's verification figures, kept in the manifest's ``extra``);
the result is kept as an artifact (files first, manifest last) under
``MODEL_PATH/aura-derived/<model>/<key>``, tied to the commit of its source. Later calls, in
this process or the next start, return it after a size check (``full``: a sha256 check, so
a damaged file of the right size is found too); a new source revision or a damaged result
triggers one rebuild. Builders of the same conversion queue on the source model's pull lock,
so it is built once.

A conversion is a pure function of its source, so with ``shared`` a verified copy is also
kept in a shared cache (``AURA_DERIVED_CACHE_DIR``, default ``~/.cache/aura/derived``)
keyed by model, key and source commit: another data tree on the same machine copies it
instead of converting again.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aura.errors import AuraError
from aura.storage.digests import sha256_file
from aura.storage.models.artifacts import read_artifact, verify_artifact, write_artifact

if TYPE_CHECKING:
    from filelock import FileLock

    from aura.storage.models.store import ModelStore

log = logging.getLogger("aura.models")
Build = Callable[[Path], "dict[str, Any] | None"]
DEFAULT_CACHE_DIR = Path("~/.cache/aura/derived")


def derived(
    store: ModelStore,
    name: str,
    key: str,
    build: Build,
    *,
    full: bool = False,
    shared: bool = False,
) -> Path:
    from aura.storage.models.store import missing_error

    _check_key(key)
    spec = store.registry.get(name)
    source = store.status(spec)
    if not source.ok:
        raise missing_error([source])
    origin = source.commit or (source.path.name if source.path else "")
    target = store.tree.derived_model_dir(spec.service, spec.name, key)
    return ensure(
        target,
        origin=origin,
        base_model=f"{spec.store_repo_id}@{origin}",
        extra={"derived_from": spec.name, "key": key},
        build=build,
        lock=store.lock(spec),
        full=full,
        cache=(
            _cache_dir(store.settings.derived_cache_dir, spec.name, key, origin) if shared else None
        ),
    )


def derived_from_file(
    source: Path, name: str, key: str, build: Build, *, cache_root: Path | None = None
) -> Path:
    """The conversion of a model file outside any store (a benchmark, a test, a training
    script): kept in the shared cache only, keyed by the file's sha256."""
    from filelock import FileLock

    _check_key(key)
    origin = sha256_file(source)[:16]
    root = (cache_root or DEFAULT_CACHE_DIR).expanduser()
    target = root / name / key / origin
    target.parent.mkdir(parents=True, exist_ok=True)
    return ensure(
        target,
        origin=origin,
        base_model=f"file:{source.name}@{origin}",
        extra={"derived_from": str(source), "key": key},
        build=build,
        lock=FileLock(str(target.parent / f".{origin}.lock")),
        full=True,
        cache=None,
    )


def ensure(
    target: Path,
    *,
    origin: str,
    base_model: str,
    extra: dict[str, Any],
    build: Build,
    lock: FileLock,
    full: bool,
    cache: Path | None,
) -> Path:
    def current(folder: Path, *, thorough: bool) -> bool:
        check = verify_artifact(folder, full=thorough)
        return bool(
            check.ok and check.manifest and check.manifest.extra.get("source_commit") == origin
        )

    if current(target, thorough=full):
        return target
    with lock:
        if current(target, thorough=full):  # another process may have built it while we waited
            return target
        if target.exists():
            log.warning(
                "derived model damaged or outdated: rebuilding", extra={"path": str(target)}
            )
        facts = dict(extra, source_commit=origin)
        with write_artifact(target, base_model=base_model, extra=facts) as staging:
            copied = cache is not None and current(cache, thorough=True)
            if copied:
                assert cache is not None
                _copy_files(cache, staging)
                cached = read_artifact(cache)
                facts.update({k: v for k, v in (cached.extra if cached else {}).items()})
                facts["copied_from"] = str(cache)
            else:
                facts.update(build(staging) or {})
        if cache is not None and not copied:
            _fill_cache(target, cache, base_model)
    return target


def _check_key(key: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9._-]+", key):
        raise ValueError(f"derived key {key!r}: use letters, digits, '.', '_' or '-'")


def _cache_dir(root: Path | None, name: str, key: str, origin: str) -> Path | None:
    if root is None or not origin:
        return None
    return root.expanduser() / name / key / re.sub(r"[^A-Za-z0-9._-]", "_", origin)


def _copy_files(source: Path, staging: Path) -> None:
    manifest = read_artifact(source)
    assert manifest is not None
    for rel in manifest.files:
        (staging / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / rel, staging / rel)


def _fill_cache(built: Path, cache: Path, base_model: str) -> None:
    """Keep a copy of a fresh conversion for other data trees (best effort)."""
    manifest = read_artifact(built)
    if manifest is None:
        return
    try:
        with write_artifact(cache, base_model=base_model, extra=manifest.extra) as staging:
            _copy_files(built, staging)
    except OSError as exc:
        log.warning("derived cache not written", extra={"path": str(cache), "reason": str(exc)})


@dataclass
class DerivedStatus:
    """One conversion in a store, as `aura models list|verify` show it."""

    name: str  # "<model>/<key>"
    service: str
    path: Path
    state: str  # ok, broken, outdated (its source model has changed: rebuilt on next load)
    source_commit: str | None
    size: int
    problems: list[str]
    facts: dict[str, Any]  # the manifest's extra: the export's verification figures, ...

    @property
    def ok(self) -> bool:
        return self.state == "ok"

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "service": self.service,
            "source": "derived",
            "required": False,
            "revision": self.source_commit,
            "state": self.state,
            "path": str(self.path),
            "size": self.size,
            "problems": self.problems,
            "verification": {
                k: self.facts[k]
                for k in ("max_abs_diff", "min_cosine", "atol", "probabilities", "runtime")
                if k in self.facts
            },
        }


def list_derived(store: ModelStore, *, full: bool = False) -> list[DerivedStatus]:
    """Every conversion kept in the stores of the store's services."""
    from aura.layout import DERIVED_DIRNAME

    out = []
    for service in store.services:
        root = store.tree.models_dir(service) / DERIVED_DIRNAME
        for target in sorted(p for p in root.glob("*/*") if p.is_dir()):
            check = verify_artifact(target, full=full)
            facts = dict(check.manifest.extra) if check.manifest else {}
            commit = facts.get("source_commit")
            state = "ok" if check.ok else "broken"
            if check.ok:
                try:
                    source = store.status(store.registry.get(target.parent.name))
                    current = source.commit or (source.path.name if source.path else "")
                    if source.ok and commit != current:
                        state = "outdated"
                except AuraError:
                    pass  # a conversion of a model no longer in the registry: listed as is
            out.append(
                DerivedStatus(
                    f"{target.parent.name}/{target.name}",
                    service.value,
                    target,
                    state,
                    commit,
                    check.manifest.size if check.manifest else 0,
                    check.problems,
                    facts,
                )
            )
    return out
