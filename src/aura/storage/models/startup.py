"""The "model resolve" start-up phase: every model from the local store, no network.

Packaged models missing from the store are imported (a local copy). Hub models are only
downloaded when ``AURA_AUTO_DOWNLOAD=1`` (and not ``AURA_OFFLINE=1``). A missing required
model fails the phase with :class:`~aura.errors.ModelMissing`, whose message names each
model and whose fix is the exact command; ``/health/ready`` shows both.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aura.errors import AuraError
from aura.storage.models import metrics as m
from aura.storage.models.store import ModelStatus, ModelStore, missing_error

log = logging.getLogger("aura.models")


@dataclass
class Resolved:
    paths: dict[str, Path] = field(default_factory=dict)
    statuses: dict[str, ModelStatus] = field(default_factory=dict)
    fetched: list[str] = field(default_factory=list)


def resolve_all(store: ModelStore, report: Callable[[str], None] = lambda _: None) -> Resolved:
    out = Resolved()
    missing: list[ModelStatus] = []
    settings = store.settings
    for spec in store.specs():
        report(f"resolving model {spec.name}")
        began = time.perf_counter()
        status = store.status(spec)
        may_fetch = spec.source == "packaged" or (
            spec.source == "hub" and settings.auto_download and not settings.offline
        )
        if not status.ok and may_fetch:
            report(f"{'importing' if spec.source == 'packaged' else 'downloading'} {spec.name}")
            try:
                store.pull(spec, verify=spec.source != "packaged")
                out.fetched.append(spec.name)
            except (AuraError, OSError) as exc:  # reported below as missing, with the fix
                log.warning("model fetch failed", extra={"model": spec.name, "reason": str(exc)})
            status = store.status(spec)
        elif status.ok:
            m.MODEL_CACHE_HITS.labels(spec.name).inc()
        m.MODEL_RESOLVE_SECONDS.labels(spec.name).set(time.perf_counter() - began)
        out.statuses[spec.name] = status
        if status.ok:
            assert status.path is not None
            out.paths[spec.name] = status.path
        elif spec.required:
            missing.append(status)
        else:
            log.warning(
                "optional model absent",
                extra={"model": spec.name, "state": status.state, "fix": spec.pull_command},
            )
    if missing:
        raise missing_error(missing)
    return out
