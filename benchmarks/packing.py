"""Packing-list latency against a recommendations call, measured in the same run.

A 200-item wardrobe and a 14-day trip (work days and weekends, cold and wet days) through
:meth:`aura.wardrobe.trips.Trips.create` as it serves (SQLite database, the rule scorer,
the trip and its checklist stored), against ONE
:meth:`aura.outfits.service.OutfitService.recommend` call on a 500-item wardrobe.
Goal: the packing list in at most 2x the recommendations call. The same trip with a formal
dinner is shown too: a third occasion costs a third recommendations call.

    python benchmarks/packing.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from aura.outfits.rules import RulesScorer
from aura.outfits.scorer import Context
from aura.outfits.service import OutfitService
from aura.storage.db import Database
from aura.storage.migrate import upgrade_to_head
from aura.storage.schema import ItemColor, User, WardrobeItem
from aura.wardrobe.trips import Trips

CATEGORIES = {
    "t-shirt": 0.2, "shirt": 0.6, "blouse": 0.6, "sweater": 0.4, "jeans": 0.2,
    "trousers": 0.7, "skirt": 0.5, "shorts": 0.1, "dress": 0.6, "sneakers": 0.1,
    "loafers": 0.6, "boots": 0.4, "heels": 0.8, "coat": 0.6, "raincoat": 0.3,
    "blazer": 0.85, "bag": 0.5,
}  # fmt: skip
COLOURS = ["black", "white", "navy", "grey", "beige", "blue", "red", "green", "brown", "camel"]


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    fn()
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - began)
    return statistics.median(runs)


def add_user(db: Database, name: str, n: int, rng: random.Random) -> int:
    with db.session() as s:
        user = User(name=name)
        s.add(user)
        s.flush()
        for i in range(n):
            category = rng.choice(list(CATEGORIES))
            row = WardrobeItem(
                user_id=user.id,
                category=category,
                description=f"{category} {i}",
                attributes={"formality": CATEGORIES[category], "warmth": rng.random()},
            )
            row.color_rows = [ItemColor(color=rng.choice(COLOURS), position=0)]
            s.add(row)
        return int(user.id)


def trip_days(start: date, dinner: bool = False) -> list[dict]:
    """14 days: work on weekdays, casual at weekends (with ``dinner``: a formal evening)."""
    days = []
    for n in range(14):
        day = start + timedelta(days=n)
        occasions = ["casual"] if day.weekday() >= 5 else ["work"]
        if dinner and n == 6:
            occasions = [*occasions, "formal"]
        days.append(
            {
                "date": day,
                "occasions": occasions,
                "weather": {"temperature_c": 3.0 + n, "raining": n % 4 == 0},
            }
        )
    return days


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="aura-bench-packing-"))
    db = Database(f"sqlite:///{work / 'aura.sqlite3'}")
    upgrade_to_head(db)
    rng = random.Random(7)
    big = add_user(db, "five-hundred", 500, rng)
    small = add_user(db, "two-hundred", 200, rng)
    outfits = OutfitService(db, RulesScorer())
    trips = Trips(db, outfits)
    context = Context("work", "autumn", 8.0, True)
    start = date.today() + timedelta(days=30)

    recommend = timed(lambda: outfits.recommend(big, context, k=5), args.repeat)
    end = start + timedelta(days=13)
    print("== packing list: 200-item wardrobe, 14-day trip (x one 500-item recommendations call)")
    print(f"recommendations, 500 items      {1000 * recommend:8.1f} ms")
    for label, days in (
        ("work days + weekends", trip_days(start)),
        ("... + a formal dinner", trip_days(start, dinner=True)),
    ):
        packing = timed(
            lambda days=days: trips.create(
                small, destination="bench", start=start, end=end, days=days
            ),
            args.repeat,
        )
        trip = trips.create(small, destination="bench", start=start, end=end, days=days)
        calls = len({o for d in days for o in d["occasions"]})
        print(
            f"packing, {label:22s} {1000 * packing:8.1f} ms   x{packing / recommend:.2f}   "
            f"{len(trip['checklist'])} items, {calls} recommendations calls"
        )
    print("goal: the work days + weekends trip at most x2.00 (one recommend call per occasion)")
    db.close()


if __name__ == "__main__":
    main()
