"""The three services Aura is made of: their identifiers and public URL prefixes.

Nothing here imports heavy code; every other module may import it.
"""

from __future__ import annotations

from enum import StrEnum


class Service(StrEnum):
    VISUAL_ANALYSIS = "visual_analysis"
    OUTFIT_RECOMMENDATION = "outfit_recommendation"
    CONVERSATIONAL_AI = "conversational_ai"

    @property
    def url_prefix(self) -> str:
        """The service's public API prefix, e.g. ``/api/v1/visual-analysis``."""
        return "/api/v1/" + self.value.replace("_", "-")

    @property
    def has_vector_store(self) -> bool:
        return self is Service.CONVERSATIONAL_AI


ALL_SERVICES: tuple[Service, ...] = tuple(Service)
