"""The composition root: one Platform per process, holding the settings, the data tree and
the components the start-up phases bring up (database, model store, indexes, ...).

Services get what they need from here; they never build their own storage.
Each later component adds its phase to :meth:`Platform.phases`, in dependency order.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from aura.config import Settings
from aura.errors import LayoutError
from aura.findings import Severity
from aura.layout import DataTree
from aura.startup import Phase, PhaseContext, Startup

if TYPE_CHECKING:
    from aura.storage.models.startup import Resolved
    from aura.storage.models.store import ModelStore

log = logging.getLogger("aura.platform")


class Platform:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.tree = DataTree(settings)
        self.models: ModelStore | None = None  # set by the "model resolve" phase
        self.resolved_models: Resolved | None = None
        self.startup = Startup(self.phases())

    def model_path(self, name: str) -> Path:
        """Where a resolved model lives (after start-up); services load from here."""
        if self.resolved_models is None or name not in self.resolved_models.paths:
            from aura.errors import ModelMissing

            raise ModelMissing(
                f"Model {name} was not resolved at start-up.",
                fix=f"`aura models list` shows it; `aura models pull {name}`.",
            )
        return self.resolved_models.paths[name]

    # ---- start-up phases ----------------------------------------------------------

    def phases(self) -> list[Phase]:
        return [
            Phase("settings", self._phase_settings),
            Phase("layout check", self._phase_layout),
            Phase("model resolve", self._phase_model_resolve),
        ]

    def _phase_settings(self, ctx: PhaseContext) -> None:
        ctx.report("resolved configuration")
        log.info(
            "configuration",
            extra={
                "settings": self.settings.public_dict(),
                "services": [s.value for s in self.settings.served_services],
            },
        )

    def _phase_layout(self, ctx: PhaseContext) -> None:
        ctx.report(f"checking the data tree under {self.tree.root}")
        for finding in self.tree.check():
            if finding.severity is Severity.ERROR and finding.check != "disk":
                raise LayoutError(finding.message, fix=finding.fix)
            if finding.severity in (Severity.ERROR, Severity.WARNING):
                log.warning(finding.message, extra={"check": finding.check, "fix": finding.fix})

    def _phase_model_resolve(self, ctx: PhaseContext) -> None:
        from aura.storage.models.startup import resolve_all
        from aura.storage.models.store import ModelStore

        self.models = ModelStore(self.settings)
        self.resolved_models = resolve_all(self.models, ctx.report)
