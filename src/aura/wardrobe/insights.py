"""Wardrobe insights for one user: cost per wear, value, most and least worn, items not
worn for a while (declutter candidates: last worn more than N days ago, or never worn and
owned for longer than that; items added since and not worn yet are new), and the balance
of slots and colour families in the garment taxonomy's terms (:mod:`aura.taxonomy`)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from aura.storage.db import Database
from aura.storage.schema import WardrobeItem
from aura.taxonomy import COLOUR_FAMILIES, SLOTS, colour_family, slot_of

TOP_N = 5


def _summary(row: WardrobeItem) -> dict[str, Any]:
    return {
        "id": row.id,
        "category": row.category,
        "colors": row.colors,
        "image_sha256": row.image_sha256,
        "times_worn": row.times_worn or 0,
        "last_worn": row.last_worn.isoformat() if row.last_worn else None,
        "purchase_price": row.purchase_price,
    }


def _created_on(row: WardrobeItem) -> date:
    return row.created_at.date()


def insights(db: Database, user_id: int, unworn_days: int = 90, today: date | None = None) -> dict:
    today = today or date.today()
    since = today - timedelta(days=unworn_days)
    with db.session() as s:
        rows = list(
            s.scalars(
                select(WardrobeItem)
                .where(WardrobeItem.user_id == user_id)
                .order_by(WardrobeItem.id)
            )
        )
        priced = [r for r in rows if r.purchase_price is not None]
        cost = sorted(
            (
                {
                    **_summary(r),
                    # an item never worn costs its whole price per (first) wear
                    "cost_per_wear": round(r.purchase_price / max(1, r.times_worn or 0), 2),
                }
                for r in priced
            ),
            key=lambda d: (-d["cost_per_wear"], d["id"]),
        )
        by_wears = sorted(rows, key=lambda r: (-(r.times_worn or 0), r.id))
        worn = [r for r in by_wears if r.times_worn]
        # declutter: last worn before `since`, or never worn and owned since before it;
        # never worn and owned for less: new, not a declutter candidate
        idle = [r for r in rows if r.last_worn is None or r.last_worn < since]
        new = [
            r for r in idle if r.last_worn is None and (r.purchase_date or _created_on(r)) > since
        ]
        unworn = [r for r in idle if r not in new]
        slots = Counter(str(slot_of(r.category)) for r in rows)
        families: Counter[str] = Counter()
        for r in rows:
            for fam in dict.fromkeys(f for f in (colour_family(c) for c in r.colors) if f):
                families[fam] += 1
        total_wears = sum(r.times_worn or 0 for r in rows)
        return {
            "items": len(rows),
            "wears": total_wears,
            "value": round(sum(r.purchase_price or 0.0 for r in priced), 2),
            "priced_items": len(priced),
            "average_cost_per_wear": round(
                sum(r.purchase_price or 0.0 for r in priced)
                / max(1, sum(r.times_worn or 0 for r in priced)),
                2,
            )
            if priced
            else None,
            "cost_per_wear": cost,
            "most_worn": [_summary(r) for r in worn[:TOP_N]],
            "least_worn": [_summary(r) for r in list(reversed(by_wears))[:TOP_N]],
            "not_worn": {
                "days": unworn_days,
                "since": since.isoformat(),
                "items": [_summary(r) for r in unworn],
                "new": [_summary(r) for r in new],
            },
            "slots": {str(slot): slots.get(str(slot), 0) for slot in SLOTS},
            "colour_families": {fam: families[fam] for fam in COLOUR_FAMILIES if families.get(fam)},
        }
