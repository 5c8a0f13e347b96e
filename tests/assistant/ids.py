"""Every item id a tool's or reply's result holds (items are dicts with an id and a label),
for the tests that check no result holds another user's item."""

from __future__ import annotations

from typing import Any


def item_ids(value: Any) -> set[int]:
    found: set[int] = set()
    if isinstance(value, dict):
        if isinstance(value.get("id"), int) and "label" in value:
            found.add(value["id"])
        for v in value.values():
            found |= item_ids(v)
    elif isinstance(value, list):
        for v in value:
            found |= item_ids(v)
    return found
