"""The composition root: one Platform per process, holding the settings, the data tree and
the components the start-up phases bring up (database, model store, indexes, ...).

Services get what they need from here; they never build their own storage.
Each later component adds its phase to :meth:`Platform.phases`, in dependency order.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aura.config import Settings
from aura.errors import LayoutError
from aura.findings import Severity
from aura.layout import DataTree
from aura.services import Service
from aura.startup import Phase, PhaseContext, Startup

if TYPE_CHECKING:
    from aura.assistant.service import Assistant

log = logging.getLogger("aura.platform")


class Platform:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.tree = DataTree(settings)
        self.assistant: Assistant | None = None  # set by the "model load" phase
        self.startup = Startup(self.phases())

    # ---- start-up phases ----------------------------------------------------------

    def phases(self) -> list[Phase]:
        return [
            Phase("settings", self._phase_settings),
            Phase("layout check", self._phase_layout),
            *(
                [Phase("model load", self._phase_assistant_model)]
                if Service.CONVERSATIONAL_AI in self.settings.served_services
                else []
            ),
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

    def _phase_assistant_model(self, ctx: PhaseContext) -> None:
        """Load the assistant's LLM (seconds; never in a request). Conversation memory is
        in-process until the database store is wired in here."""
        from aura.assistant.backends import load_backend
        from aura.assistant.memory import InProcessConversationStore
        from aura.assistant.service import Assistant

        ctx.report(f"loading the {self.settings.llm_backend} language model")
        backend = load_backend(self.settings, self.tree)
        self.assistant = Assistant(
            backend,
            InProcessConversationStore(),
            context_tokens=self.settings.llm_context_tokens,
            default_max_tokens=self.settings.llm_max_tokens,
        )
        log.info("assistant model loaded", extra={"llm": backend.info().to_dict()})
