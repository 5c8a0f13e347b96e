"""Insights' "not worn in N days" on SQLite and PostgreSQL: items never worn and owned for
longer than N days are declutter candidates; items added within the N days and not worn
yet are new, not candidates (and not "worn lately")."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from aura.storage.db import Database
from aura.storage.migrate import upgrade_to_head
from aura.storage.schema import User, WardrobeItem
from aura.wardrobe.insights import insights
from aura.wardrobe.wear import WearLog


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    upgrade_to_head(database)
    yield database
    database.close()


def _wardrobe(db: Database, bought: dict[str, date | None]) -> tuple[int, dict[str, int]]:
    with db.session() as s:
        user = User(name="dee")
        s.add(user)
        s.flush()
        ids = {}
        for category, day in bought.items():
            item = WardrobeItem(user_id=user.id, category=category, purchase_date=day)
            s.add(item)
            s.flush()
            ids[category] = item.id
        return user.id, ids


def _ids(rows: list[dict]) -> set[int]:
    return {r["id"] for r in rows}


def test_a_new_wardrobe_is_new_not_worn_lately(db: Database) -> None:
    user, ids = _wardrobe(db, {"coat": None, "scarf": None})
    got = insights(db, user, 90)["not_worn"]
    assert got["items"] == [] and _ids(got["new"]) == set(ids.values())


def test_old_never_worn_items_are_candidates_and_recent_wears_are_not(db: Database) -> None:
    today = date.today()
    old = today - timedelta(days=200)
    user, ids = _wardrobe(
        db, {"coat": old, "scarf": old, "boots": old, "hat": today - timedelta(days=10)}
    )
    log = WearLog(db)
    log.wear(user, day=today - timedelta(days=3), item_ids=[ids["scarf"]])
    log.wear(user, day=today - timedelta(days=120), item_ids=[ids["boots"]])
    got = insights(db, user, 90, today=today)["not_worn"]
    assert _ids(got["items"]) == {ids["coat"], ids["boots"]}  # never worn; worn 120 days ago
    assert _ids(got["new"]) == {ids["hat"]}
    assert _ids(insights(db, user, 5, today=today)["not_worn"]["new"]) == set()  # hat: 10 days


def test_an_item_worn_long_ago_is_a_candidate_even_if_added_lately(db: Database) -> None:
    """Worn 120 days ago (a wear log imported with it): owned since, whatever its row says."""
    today = date.today()
    user, ids = _wardrobe(db, {"coat": None})
    WearLog(db).wear(user, day=today - timedelta(days=120), item_ids=[ids["coat"]])
    got = insights(db, user, 90, today=today)["not_worn"]
    assert _ids(got["items"]) == {ids["coat"]} and got["new"] == []
