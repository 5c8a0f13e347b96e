"""Households for one user at a time: create, invite (single-use codes that expire),
join, share items (one by one or the whole wardrobe, read-only), borrow and return.

A household is visible only to its members: to anyone else every route answers exactly
as for an unknown id (NotFound). Nothing is shared unless its owner shares it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from aura.errors import Conflict, InvalidInput, NotFound
from aura.storage import households as repo
from aura.storage import wear
from aura.storage.db import Database
from aura.storage.schema import Household, WardrobeItem
from aura.wardrobe.calendar import item_summary

INVITE_TTL = timedelta(days=7)
FIX = "GET /api/v1/households lists your households."


class InviteRefused(InvalidInput):
    """An invite code that is unknown, used or expired (409 for used, 410 for expired)."""


def _iso(moment: Any) -> str:
    from aura.storage.households import _aware

    return _aware(moment).isoformat()


class Households:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _member(self, s: Session, user_id: int, household_id: int) -> Household:
        if repo.membership(s, user_id, household_id) is None:
            raise NotFound(f"No household {household_id}.", fix=FIX)
        found = s.get(Household, household_id)
        assert found is not None
        return found

    def _dict(self, s: Session, user_id: int, household: Household) -> dict[str, Any]:
        members = repo.members(s, household.id)
        me = repo.membership(s, user_id, household.id)
        return {
            "id": household.id,
            "name": household.name,
            "members": [
                {"user_id": uid, "name": name, "shares_everything": share_all}
                for uid, name, share_all in members
            ],
            "sharing": {
                "everything": bool(me and me.share_all),
                "item_ids": repo.shared_ids(s, household.id, user_id),
            },
            "loans": [
                {
                    "id": loan.id,
                    "item_id": loan.item_id,
                    "borrower_id": loan.borrower_id,
                    "lent_at": _iso(loan.lent_at),
                }
                for loan in repo.loans(s, household.id)
            ],
        }

    def create(self, user_id: int, name: str) -> dict[str, Any]:
        with self.db.session() as s:
            return self._dict(s, user_id, repo.create(s, user_id, name))

    def list(self, user_id: int) -> dict[str, Any]:
        with self.db.session() as s:
            return {
                "households": [self._dict(s, user_id, h) for h in repo.households_of(s, user_id)]
            }

    def get(self, user_id: int, household_id: int) -> dict[str, Any]:
        with self.db.session() as s:
            return self._dict(s, user_id, self._member(s, user_id, household_id))

    def invite(self, user_id: int, household_id: int) -> dict[str, Any]:
        with self.db.session() as s:
            self._member(s, user_id, household_id)
            code, expires = repo.new_invite(s, household_id, user_id, INVITE_TTL)
        return {"household_id": household_id, "code": code, "expires_at": expires.isoformat()}

    def join(self, user_id: int, code: str) -> dict[str, Any]:
        with self.db.session() as s:
            invite = repo.find_invite(s, code)
            if invite is None:
                err = InviteRefused(
                    "That invite code is not known.",
                    fix="Check the code, or ask a member for a new one.",
                )
                err.http_status = 404
                raise err
            state = repo.invite_state(invite)
            if state == "used":
                err = InviteRefused(
                    "That invite code was used already: each code works once.",
                    fix="Ask a member for a new code (POST /api/v1/households/{id}/invites).",
                )
                err.http_status = 409
                raise err
            if state == "expired":
                err = InviteRefused(
                    f"That invite code expired on {_iso(invite.expires_at)}.",
                    fix="Ask a member for a new code (POST /api/v1/households/{id}/invites).",
                )
                err.http_status = 410
                raise err
            repo.redeem(s, invite, user_id)
            household = s.get(Household, invite.household_id)
            assert household is not None
            return self._dict(s, user_id, household)

    def leave(self, user_id: int, household_id: int) -> None:
        with self.db.session() as s:
            self._member(s, user_id, household_id)
            repo.leave(s, household_id, user_id)

    def share(
        self,
        user_id: int,
        household_id: int,
        *,
        everything: bool | None,
        share: Sequence[int],
        unshare: Sequence[int],
    ) -> dict[str, Any]:
        with self.db.session() as s:
            household = self._member(s, user_id, household_id)
            ids = [*share, *unshare]
            own = wear.owned_ids(s, user_id, ids)
            missing = [i for i in ids if i not in own]
            if missing:
                raise NotFound(
                    f"No wardrobe item {', '.join(map(str, missing))}.",
                    fix="Share your own items: GET /api/v1/wardrobe/items lists them.",
                )
            repo.set_sharing(
                s, household_id, user_id, share_all=everything, share=share, unshare=unshare
            )
            return self._dict(s, user_id, household)

    def items(self, user_id: int, household_id: int) -> dict[str, Any]:
        """Other members' items shared with this household (read-only)."""
        with self.db.session() as s:
            self._member(s, user_id, household_id)
            rows = repo.shared_items(s, household_id, user_id)
            names = {uid: name for uid, name, _ in repo.members(s, household_id)}
            out = []
            for row in rows:
                loan = repo.open_loan(s, row.id)
                out.append(
                    {
                        **item_summary(row),
                        "owner": names.get(row.user_id),
                        "borrowed_by": loan.borrower_id if loan else None,
                    }
                )
            return {"items": out}

    def _shared_item(
        self, s: Session, user_id: int, household_id: int, item_id: int
    ) -> WardrobeItem:
        self._member(s, user_id, household_id)
        if item_id not in repo.shared_with(s, user_id, [item_id], household_id):
            raise NotFound(f"No shared item {item_id} in household {household_id}.", fix=FIX)
        row = s.get(WardrobeItem, item_id)
        assert row is not None
        return row

    def borrow(self, user_id: int, household_id: int, item_id: int) -> dict[str, Any]:
        with self.db.session() as s:
            row = self._shared_item(s, user_id, household_id, item_id)
            loan = repo.open_loan(s, item_id)
            if loan is not None or row.laundry != "clean":
                raise Conflict(
                    f"Item {item_id} is not available to borrow now "
                    f"({'lent out' if loan is not None else row.laundry.replace('_', ' ')}).",
                    fix="Ask its owner, or borrow it once it is back.",
                )
            made = repo.lend(s, household_id, item_id, user_id)
            wear.set_laundry(s, [item_id], "lent_out")
            return {"loan_id": made.id, "item_id": item_id, "state": "lent_out"}

    def give_back(self, user_id: int, household_id: int, item_id: int) -> dict[str, Any]:
        """The borrower (or the owner) marks the item returned: it is clean again."""
        with self.db.session() as s:
            self._member(s, user_id, household_id)
            owner = wear.owned_ids(s, user_id, [item_id])
            if not owner and item_id not in repo.shared_with(s, user_id, [item_id], household_id):
                raise NotFound(f"No shared item {item_id} in household {household_id}.", fix=FIX)
            loan = repo.open_loan(s, item_id)
            if (
                loan is None
                or loan.household_id != household_id
                or (not owner and loan.borrower_id != user_id)
            ):
                raise Conflict(
                    f"Item {item_id} is not lent out to you in this household.",
                    fix=f"GET /api/v1/households/{household_id} lists the open loans.",
                )
            repo.returned(s, loan)
            wear.set_laundry(s, [item_id], "clean")
            return {"loan_id": loan.id, "item_id": item_id, "state": "clean"}
