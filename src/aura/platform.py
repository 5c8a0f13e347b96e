"""The composition root: one Platform per process, holding the settings, the data tree and
the components the start-up phases bring up (database, model store, indexes, ...).

Services get what they need from here; they never build their own storage.
Each later component adds its phase to :meth:`Platform.phases`, in dependency order.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from aura.config import Settings
from aura.errors import LayoutError
from aura.findings import Severity
from aura.layout import DataTree
from aura.services import Service
from aura.startup import Phase, PhaseContext, Startup

if TYPE_CHECKING:
    from aura.vision.pipeline import VisionPipeline

log = logging.getLogger("aura.platform")


class Platform:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.tree = DataTree(settings)
        # Blocking model inference runs here, never on the event loop.
        self.inference_pool = ThreadPoolExecutor(settings.max_workers, "aura-inference")
        self.vision: VisionPipeline | None = None  # set by the "model load" phase
        self.startup = Startup(self.phases())

    # ---- start-up phases ----------------------------------------------------------

    def phases(self) -> list[Phase]:
        phases = [
            Phase("settings", self._phase_settings),
            Phase("layout check", self._phase_layout),
        ]
        if Service.VISUAL_ANALYSIS in self.settings.served_services:
            phases.append(Phase("model load", self._phase_model_load))
        return phases

    def _phase_model_load(self, ctx: PhaseContext) -> None:
        ctx.report("loading the visual analysis models")
        from aura.vision.pipeline import VisionPipeline  # torch: imported here, not at start

        self.vision = VisionPipeline.load(self.settings, self.tree)
        info = self.vision.info()
        log.info(
            "visual analysis loaded",
            extra={
                "backend": info.get("backend"),
                "model": info.get("model"),
                "classifier": info["garment_classifier"].get("available"),
            },
        )

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
