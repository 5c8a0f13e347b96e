"""Trips and their packing checklists (tables ``trips``, ``trip_items``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from aura.storage.schema import Trip, TripItem

ROW_ID_MAX = 2**31 - 1


def create(
    session: Session,
    user_id: int,
    destination: str,
    start: date,
    end: date,
    days: list[dict[str, Any]],
    plan: dict[str, Any],
    item_ids: Sequence[int],
) -> Trip:
    trip = Trip(
        user_id=user_id,
        destination=destination,
        start_date=start,
        end_date=end,
        days=days,
        plan=plan,
    )
    session.add(trip)
    session.flush()
    set_checklist(session, trip, plan, item_ids)
    return trip


def owned(session: Session, user_id: int, trip_id: int) -> Trip | None:
    if not 0 < trip_id <= ROW_ID_MAX:
        return None
    return session.scalar(select(Trip).where(Trip.id == trip_id, Trip.user_id == user_id))


def of_user(session: Session, user_id: int) -> list[Trip]:
    return list(
        session.scalars(
            select(Trip).where(Trip.user_id == user_id).order_by(Trip.start_date, Trip.id)
        )
    )


def checklist(session: Session, trip_id: int) -> list[tuple[int, bool]]:
    return [
        (item_id, packed)
        for item_id, packed in session.execute(
            select(TripItem.item_id, TripItem.packed)
            .where(TripItem.trip_id == trip_id)
            .order_by(TripItem.position, TripItem.item_id)
        )
    ]


def set_checklist(
    session: Session, trip: Trip, plan: dict[str, Any], item_ids: Sequence[int]
) -> None:
    """A new packing plan: the checklist becomes its items; ticks of items kept stay."""
    packed = {i for i, p in checklist(session, trip.id) if p}
    session.execute(delete(TripItem).where(TripItem.trip_id == trip.id))
    session.add_all(
        TripItem(user_id=trip.user_id, trip_id=trip.id, item_id=i, packed=i in packed, position=n)
        for n, i in enumerate(dict.fromkeys(item_ids))
    )
    trip.plan = plan
    session.flush()


def tick(session: Session, trip_id: int, item_ids: Sequence[int], packed: bool) -> None:
    if item_ids:
        session.execute(
            update(TripItem)
            .where(TripItem.trip_id == trip_id, TripItem.item_id.in_(list(item_ids)))
            .values(packed=packed)
            .execution_options(synchronize_session=False)
        )
