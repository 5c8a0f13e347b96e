"""The assistant's :class:`~aura.assistant.service.OutfitSource` over the outfit service:
for the prompt path (no tools), outfits built around the retrieved items, as lines the
prompt lists ("[item:3] navy blazer + [item:7] grey trousers + ...: reasons")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aura.assistant.prompts import RequestContext
from aura.assistant.tools.context import parse_context
from aura.errors import AuraError
from aura.outfits.service import OutfitService


class ServiceOutfitSource:
    def __init__(self, outfits: Callable[[], OutfitService], k: int = 2) -> None:
        self.outfits, self.k = outfits, k

    def suggestions(self, user_id: str, item_ids: list[str], context: RequestContext) -> list[str]:
        if not (user_id.isascii() and user_id.isdigit()) or not item_ids:
            return []
        ctx = parse_context(
            " ".join(context.lines()), occasion=context.occasion, weather=context.weather
        ).outfit_context()
        seed = [int(item_ids[0])] if item_ids[0].isdigit() else []
        try:
            found = self.outfits().recommend(int(user_id), ctx, seed_ids=seed, k=self.k)
        except AuraError:
            return []
        return [_line(o) for o in found.get("outfits", [])]


def _line(outfit: dict[str, Any]) -> str:
    parts = [
        f"[item:{i['id']}] {' '.join([*(i.get('colors') or [])[:1], i['category']])}"
        for i in outfit["items"]
    ]
    why = "; ".join(outfit.get("explanation", [])[:2])
    return " + ".join(parts) + (f": {why}" if why else "")
