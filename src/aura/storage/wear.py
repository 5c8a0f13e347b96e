"""The wear log and laundry state (tables ``wears``, ``wear_items``; item columns
``laundry``, ``times_worn``, ``last_worn``).

``times_worn`` and ``last_worn`` are kept from the log in the same transaction as every
log change (recomputed, never incremented blindly), so an undo restores them exactly.
Neither a wear nor a laundry change touches an item's ``updated_at``: that is the item's
version for the outfit model's feature caches, and wearing a shirt does not change it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from aura.storage.schema import Outfit, OutfitItem, WardrobeItem, Wear, WearItem

LAUNDRY_STATES = ("clean", "in_wash", "at_cleaner", "lent_out")
# why an item is left out of suggestions, per state that is not "clean"
LAUNDRY_REASONS = {
    "in_wash": "in the wash",
    "at_cleaner": "at the cleaner",
    "lent_out": "lent out",
}
ROW_ID_MAX = 2**31 - 1


def owned_ids(session: Session, user_id: int, ids: Iterable[int]) -> set[int]:
    wanted = [i for i in set(ids) if 0 < i <= ROW_ID_MAX]
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(WardrobeItem.id).where(
                WardrobeItem.user_id == user_id, WardrobeItem.id.in_(wanted)
            )
        )
    )


def outfit_item_ids(session: Session, user_id: int, outfit_id: int) -> list[int] | None:
    """The items of the user's saved outfit, or None when it is not theirs."""
    if not 0 < outfit_id <= ROW_ID_MAX:
        return None
    found = session.scalar(
        select(Outfit.id).where(Outfit.id == outfit_id, Outfit.user_id == user_id)
    )
    if found is None:
        return None
    return list(
        session.scalars(
            select(OutfitItem.item_id)
            .where(OutfitItem.outfit_id == outfit_id)
            .order_by(OutfitItem.position)
        )
    )


def refresh_stats(session: Session, item_ids: Iterable[int]) -> None:
    """Recompute ``times_worn`` and ``last_worn`` of these items from the log."""
    ids = sorted(set(item_ids))
    if not ids:
        return
    session.flush()
    stats = {
        item_id: (count, last)
        for item_id, count, last in session.execute(
            select(WearItem.item_id, func.count(), func.max(Wear.worn_on))
            .join(Wear, Wear.id == WearItem.wear_id)
            .where(WearItem.item_id.in_(ids))
            .group_by(WearItem.item_id)
        )
    }
    for item_id in ids:
        count, last = stats.get(item_id, (0, None))
        session.execute(
            update(WardrobeItem)
            .where(WardrobeItem.id == item_id)
            .values(times_worn=count, last_worn=last, updated_at=WardrobeItem.updated_at)
            .execution_options(synchronize_session=False)
        )


def add_wear(
    session: Session,
    user_id: int,
    day: date,
    item_ids: Sequence[int],
    *,
    outfit_id: int | None = None,
    note: str | None = None,
) -> Wear:
    """Log a wear of ``item_ids`` (checked by the caller) on ``day``; counts follow."""
    wear = Wear(user_id=user_id, worn_on=day, outfit_id=outfit_id, note=note)
    session.add(wear)
    session.flush()
    ids = list(dict.fromkeys(item_ids))
    rows = session.execute(  # the wearer's own items, or ones a member shares or lends
        select(WardrobeItem.id, WardrobeItem.user_id).where(WardrobeItem.id.in_(ids))
    )
    owners = {item_id: owner for item_id, owner in rows}
    session.add_all(
        WearItem(user_id=user_id, wear_id=wear.id, item_id=i, item_user_id=owners[i]) for i in ids
    )
    if outfit_id is not None:
        session.execute(
            update(Outfit)
            .where(Outfit.id == outfit_id)
            .values(times_worn=Outfit.times_worn + 1)
            .execution_options(synchronize_session=False)
        )
    refresh_stats(session, item_ids)
    return wear


def get_wear(session: Session, user_id: int, wear_id: int) -> Wear | None:
    if not 0 < wear_id <= ROW_ID_MAX:
        return None
    return session.scalar(select(Wear).where(Wear.id == wear_id, Wear.user_id == user_id))


def wear_item_ids(session: Session, wear_ids: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {w: [] for w in wear_ids}
    if wear_ids:
        for wear_id, item_id in session.execute(
            select(WearItem.wear_id, WearItem.item_id)
            .where(WearItem.wear_id.in_(list(wear_ids)))
            .order_by(WearItem.wear_id, WearItem.item_id)
        ):
            out[wear_id].append(item_id)
    return out


def delete_wear(session: Session, wear: Wear) -> list[int]:
    """Undo a wear: the log entry goes, the counts of its items are recomputed."""
    items = wear_item_ids(session, [wear.id])[wear.id]
    if wear.outfit_id is not None:
        session.execute(
            update(Outfit)
            .where(Outfit.id == wear.outfit_id, Outfit.times_worn > 0)
            .values(times_worn=Outfit.times_worn - 1)
            .execution_options(synchronize_session=False)
        )
    session.execute(delete(WearItem).where(WearItem.wear_id == wear.id))
    session.delete(wear)
    refresh_stats(session, items)
    return items


def list_wears(
    session: Session,
    user_id: int,
    *,
    start: date | None = None,
    end: date | None = None,
    item_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[Wear]]:
    query = select(Wear).where(Wear.user_id == user_id)
    if start is not None:
        query = query.where(Wear.worn_on >= start)
    if end is not None:
        query = query.where(Wear.worn_on <= end)
    if item_id is not None:
        item_id = item_id if 0 < item_id <= ROW_ID_MAX else 0  # no such row: an empty answer
        query = query.where(
            Wear.id.in_(select(WearItem.wear_id).where(WearItem.item_id == item_id))
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Wear.worn_on.desc(), Wear.id.desc()).limit(limit).offset(offset)
    ).all()
    return total, list(rows)


# ---- laundry ---------------------------------------------------------------------------


def set_laundry(session: Session, item_ids: Sequence[int], state: str) -> None:
    """Set the state of these items (the caller checked they are the user's)."""
    if item_ids:
        session.execute(
            update(WardrobeItem)
            .where(WardrobeItem.id.in_(list(item_ids)))
            .values(laundry=state, updated_at=WardrobeItem.updated_at)
            .execution_options(synchronize_session=False)
        )


def back_from(session: Session, user_id: int, states: Sequence[str]) -> list[int]:
    """Every item of the user in one of ``states`` becomes clean; returns their ids."""
    ids = list(
        session.scalars(
            select(WardrobeItem.id).where(
                WardrobeItem.user_id == user_id, WardrobeItem.laundry.in_(list(states))
            )
        )
    )
    set_laundry(session, ids, "clean")
    return ids


# ---- what the outfit engine reads ------------------------------------------------------


def unavailable_items(session: Session, user_id: int) -> dict[int, str]:
    """The user's items that are not clean, with why: {item id: "in the wash", ...}."""
    return {
        item_id: LAUNDRY_REASONS.get(state, state)
        for item_id, state in session.execute(
            select(WardrobeItem.id, WardrobeItem.laundry).where(
                WardrobeItem.user_id == user_id, WardrobeItem.laundry != "clean"
            )
        )
    }


def recent_wears(
    session: Session, user_id: int, days: int, today: date | None = None
) -> dict[int, date]:
    """The user's items worn in the last ``days`` days (today included): {id: last worn}."""
    since = (today or date.today()) - timedelta(days=max(0, days - 1))
    return {
        item_id: last
        for item_id, last in session.execute(
            select(WardrobeItem.id, WardrobeItem.last_worn).where(
                WardrobeItem.user_id == user_id, WardrobeItem.last_worn >= since
            )
        )
    }
