"""Households in the database, on SQLite and PostgreSQL: invite codes work once and expire,
nothing is visible unless its owner shares it, non-members are told "not found"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from aura.errors import Conflict, InvalidInput, NotFound
from aura.storage.db import Database
from aura.storage.migrate import upgrade_to_head
from aura.storage.schema import HouseholdInvite, User, WardrobeItem
from aura.wardrobe.households import Households
from aura.wardrobe.wear import WearLog


@pytest.fixture
def db(database_url: str):  # type: ignore[no-untyped-def]
    database = Database(database_url)
    upgrade_to_head(database)
    yield database
    database.close()


def _users(db: Database, *names: str) -> dict[str, int]:
    out = {}
    with db.session() as s:
        for name in names:
            user = User(name=name)
            s.add(user)
            s.flush()
            out[name] = user.id
            for category in ("coat", "scarf"):
                s.add(WardrobeItem(user_id=user.id, category=category, description=name))
    return out


def _item(db: Database, user_id: int, category: str) -> int:
    with db.session() as s:
        return int(
            s.scalar(
                select(WardrobeItem.id).where(
                    WardrobeItem.user_id == user_id, WardrobeItem.category == category
                )
            )
        )


def test_invites_sharing_and_loans(db: Database) -> None:
    ids = _users(db, "ann", "ben", "cat")
    homes = Households(db)
    home = homes.create(ids["ann"], "Flat")
    code = homes.invite(ids["ann"], home["id"])["code"]
    with pytest.raises(NotFound):
        homes.invite(ids["ben"], home["id"])  # not a member yet: as for an unknown id
    homes.join(ids["ben"], code)
    with pytest.raises(InvalidInput, match="used already") as used:
        homes.join(ids["cat"], code)
    assert used.value.http_status == 409
    expired = homes.invite(ids["ann"], home["id"])["code"]
    with db.session() as s:  # a week has passed
        past = datetime.now(UTC) - timedelta(days=1)
        s.execute(update(HouseholdInvite).values(expires_at=past))
    with pytest.raises(InvalidInput, match="expired") as late:
        homes.join(ids["cat"], expired)
    assert late.value.http_status == 410
    assert [m["name"] for m in homes.get(ids["ben"], home["id"])["members"]] == ["ann", "ben"]
    # nothing is shared until its owner shares it; then read-only
    assert homes.items(ids["ben"], home["id"])["items"] == []
    coat, scarf = _item(db, ids["ann"], "coat"), _item(db, ids["ann"], "scarf")
    with pytest.raises(NotFound):
        homes.share(ids["ben"], home["id"], everything=None, share=[coat], unshare=[])
    homes.share(ids["ann"], home["id"], everything=None, share=[coat], unshare=[])
    assert [i["id"] for i in homes.items(ids["ben"], home["id"])["items"]] == [coat]
    with pytest.raises(NotFound):
        homes.borrow(ids["ben"], home["id"], scarf)
    homes.share(ids["ann"], home["id"], everything=True, share=[], unshare=[])
    assert {i["id"] for i in homes.items(ids["ben"], home["id"])["items"]} == {coat, scarf}
    # ben may wear a shared item; cat (not a member) may not even see it
    WearLog(db).wear(ids["ben"], item_ids=[coat])
    with pytest.raises(NotFound):
        WearLog(db).wear(ids["cat"], item_ids=[coat])
    loan = homes.borrow(ids["ben"], home["id"], coat)
    assert loan["state"] == "lent_out"
    with pytest.raises(Conflict, match="not available"):
        homes.borrow(ids["ben"], home["id"], coat)
    with pytest.raises(Conflict, match="not lent out to you"):
        homes.give_back(ids["ben"], home["id"], scarf)
    assert homes.give_back(ids["ann"], home["id"], coat)["state"] == "clean"  # the owner
    homes.leave(ids["ben"], home["id"])
    with pytest.raises(NotFound):
        homes.items(ids["ben"], home["id"])
