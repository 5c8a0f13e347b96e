"""Households: members, invite codes, shared items and loans (tables ``households``,
``household_members``, ``household_invites``, ``item_shares``, ``item_loans``).

Nothing is shared unless its owner shares it: an item is visible to another member only
through its owner's ``share_all`` for that household or an ``item_shares`` row. Invite
codes are stored as their sha256 and work once, before they expire.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session, aliased

from aura.storage.schema import (
    Household,
    HouseholdInvite,
    HouseholdMember,
    ItemLoan,
    ItemShare,
    User,
    WardrobeItem,
)

ROW_ID_MAX = 2**31 - 1


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().encode("utf-8")).hexdigest()


def create(session: Session, user_id: int, name: str) -> Household:
    household = Household(name=name, created_by=user_id)
    session.add(household)
    session.flush()
    session.add(HouseholdMember(household_id=household.id, user_id=user_id))
    session.flush()
    return household


def membership(session: Session, user_id: int, household_id: int) -> HouseholdMember | None:
    if not 0 < household_id <= ROW_ID_MAX:
        return None
    return session.get(HouseholdMember, (household_id, user_id))


def households_of(session: Session, user_id: int) -> list[Household]:
    return list(
        session.scalars(
            select(Household)
            .join(HouseholdMember, HouseholdMember.household_id == Household.id)
            .where(HouseholdMember.user_id == user_id)
            .order_by(Household.id)
        )
    )


def members(session: Session, household_id: int) -> list[tuple[int, str, bool]]:
    return [
        (user_id, name, share_all)
        for user_id, name, share_all in session.execute(
            select(User.id, User.name, HouseholdMember.share_all)
            .join(HouseholdMember, HouseholdMember.user_id == User.id)
            .where(HouseholdMember.household_id == household_id)
            .order_by(HouseholdMember.joined_at, User.id)
        )
    ]


def new_invite(
    session: Session, household_id: int, user_id: int, ttl: timedelta
) -> tuple[str, datetime]:
    """A fresh single-use code (shown once) and when it expires."""
    code = secrets.token_urlsafe(12)
    expires = _now() + ttl
    session.add(
        HouseholdInvite(
            household_id=household_id,
            code_hash=hash_code(code),
            created_by=user_id,
            expires_at=expires,
        )
    )
    session.flush()
    return code, expires


def find_invite(session: Session, code: str) -> HouseholdInvite | None:
    """The invite of ``code``, locked for update (two people redeeming one code: one wins)."""
    return session.scalar(
        select(HouseholdInvite)
        .where(HouseholdInvite.code_hash == hash_code(code))
        .with_for_update()
    )


def invite_state(invite: HouseholdInvite) -> str:
    if invite.used_at is not None:
        return "used"
    if _aware(invite.expires_at) <= _now():
        return "expired"
    return "open"


def redeem(session: Session, invite: HouseholdInvite, user_id: int) -> None:
    invite.used_by, invite.used_at = user_id, _now()
    if session.get(HouseholdMember, (invite.household_id, user_id)) is None:
        session.add(HouseholdMember(household_id=invite.household_id, user_id=user_id))
    session.flush()


def leave(session: Session, household_id: int, user_id: int) -> None:
    """The member goes; their shares with this household go too, their loans come back."""
    own = select(WardrobeItem.id).where(WardrobeItem.user_id == user_id)
    session.execute(
        delete(ItemShare).where(ItemShare.household_id == household_id, ItemShare.item_id.in_(own))
    )
    session.execute(
        delete(HouseholdMember).where(
            HouseholdMember.household_id == household_id, HouseholdMember.user_id == user_id
        )
    )


def set_sharing(
    session: Session,
    household_id: int,
    user_id: int,
    *,
    share_all: bool | None = None,
    share: Iterable[int] = (),
    unshare: Iterable[int] = (),
) -> None:
    """Change what ``user_id`` shares with the household (item ids checked by the caller)."""
    if share_all is not None:
        session.execute(
            update(HouseholdMember)
            .where(HouseholdMember.household_id == household_id, HouseholdMember.user_id == user_id)
            .values(share_all=share_all)
            .execution_options(synchronize_session=False)
        )
    for item_id in set(share):
        if session.get(ItemShare, (household_id, item_id)) is None:
            session.add(ItemShare(user_id=user_id, household_id=household_id, item_id=item_id))
    gone = list(set(unshare))
    if gone:
        session.execute(
            delete(ItemShare).where(
                ItemShare.household_id == household_id, ItemShare.item_id.in_(gone)
            )
        )
    session.flush()


def shared_ids(session: Session, household_id: int, user_id: int) -> list[int]:
    return list(
        session.scalars(
            select(ItemShare.item_id)
            .join(WardrobeItem, WardrobeItem.id == ItemShare.item_id)
            .where(ItemShare.household_id == household_id, WardrobeItem.user_id == user_id)
            .order_by(ItemShare.item_id)
        )
    )


def _visible(viewer_id: int, household_id: int | None = None):  # type: ignore[no-untyped-def]
    """(item, household) pairs of other members' items that ``viewer_id`` may see."""
    owner = aliased(HouseholdMember)
    viewer = aliased(HouseholdMember)
    query = (
        select(WardrobeItem, owner.household_id)
        .join(owner, owner.user_id == WardrobeItem.user_id)
        .join(
            viewer,
            and_(viewer.household_id == owner.household_id, viewer.user_id == viewer_id),
        )
        .outerjoin(
            ItemShare,
            and_(
                ItemShare.household_id == owner.household_id, ItemShare.item_id == WardrobeItem.id
            ),
        )
        .where(
            WardrobeItem.user_id != viewer_id,
            or_(owner.share_all, ItemShare.item_id.is_not(None)),
        )
    )
    if household_id is not None:
        query = query.where(owner.household_id == household_id)
    return query


def shared_items(session: Session, household_id: int, viewer_id: int) -> list[WardrobeItem]:
    """Other members' items shared with this household (the viewer is a member)."""
    rows = session.execute(_visible(viewer_id, household_id).order_by(WardrobeItem.id)).all()
    return list(dict.fromkeys(r[0] for r in rows))


def shared_with(
    session: Session, viewer_id: int, item_ids: Iterable[int], household_id: int | None = None
) -> dict[int, int]:
    """Which of ``item_ids`` (other users' items) ``viewer_id`` may see: {item: household}."""
    ids = [i for i in set(item_ids) if 0 < i <= ROW_ID_MAX]
    if not ids:
        return {}
    rows = session.execute(_visible(viewer_id, household_id).where(WardrobeItem.id.in_(ids))).all()
    return {r[0].id: r[1] for r in rows}


def open_loan(session: Session, item_id: int) -> ItemLoan | None:
    return session.scalar(
        select(ItemLoan).where(ItemLoan.item_id == item_id, ItemLoan.returned_at.is_(None))
    )


def lend(session: Session, household_id: int, item_id: int, borrower_id: int) -> ItemLoan:
    owner = session.scalar(select(WardrobeItem.user_id).where(WardrobeItem.id == item_id))
    loan = ItemLoan(
        user_id=owner, household_id=household_id, item_id=item_id, borrower_id=borrower_id
    )
    session.add(loan)
    session.flush()
    return loan


def loans(session: Session, household_id: int) -> list[ItemLoan]:
    return list(
        session.scalars(
            select(ItemLoan)
            .where(ItemLoan.household_id == household_id, ItemLoan.returned_at.is_(None))
            .order_by(ItemLoan.id)
        )
    )


def returned(session: Session, loan: ItemLoan) -> None:
    loan.returned_at = _now()
    session.flush()
