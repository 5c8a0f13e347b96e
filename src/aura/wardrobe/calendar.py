"""The outfit calendar for one user: outfits planned for days to come, with their context
(occasion, expected weather); confirming a planned day logs it as a wear.

The expected weather is the user's (or the client's) when given; otherwise the forecast
provider's, when one is configured and the plan names a place; otherwise none. Planned
items may be the user's own or items shared with them in a household.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aura.errors import DependencyUnavailable, InvalidInput, NotFound
from aura.outfits.scorer import Context
from aura.storage import wear
from aura.storage.db import Database
from aura.storage.schema import CalendarPlan, WardrobeItem
from aura.wardrobe.forecast import ForecastProvider
from aura.wardrobe.wear import check_items, wear_dict

if TYPE_CHECKING:
    from aura.outfits.service import OutfitService

PLAN_FIX = "GET /api/v1/calendar lists your planned days."
MAX_AHEAD_DAYS = 366


class AlreadyConfirmed(InvalidInput):
    http_status = 409


def season_of(day: date) -> str:
    """Meteorological seasons of the northern hemisphere."""
    return ("winter", "spring", "summer", "autumn")[(day.month % 12) // 3]


def item_summary(row: WardrobeItem) -> dict[str, Any]:
    return {
        "id": row.id,
        "category": row.category,
        "colors": row.colors,
        "pattern": row.pattern,
        "image_sha256": row.image_sha256,
        "source_photo_sha256": row.source_photo_sha256,
        "bbox": row.bbox,
        "laundry": row.laundry,
        "owner_id": row.user_id,
    }


def _items(s: Session, ids: Sequence[int]) -> dict[int, WardrobeItem]:
    if not ids:
        return {}
    return {r.id: r for r in s.scalars(select(WardrobeItem).where(WardrobeItem.id.in_(ids)))}


class Calendar:
    def __init__(
        self,
        db: Database,
        outfits: OutfitService | None = None,
        forecast: ForecastProvider | None = None,
    ) -> None:
        self.db, self.outfits, self.forecast = db, outfits, forecast

    # ---- weather -----------------------------------------------------------------------

    def expected_weather(
        self,
        day: date,
        weather: dict[str, Any] | None,
        location: tuple[float, float] | None,
    ) -> tuple[dict[str, Any] | None, str, str | None]:
        """(weather, its source: user / forecast name / none, why no forecast)."""
        if weather is not None:
            return weather, "user", None
        if self.forecast is None:
            return None, "none", "no forecast provider is configured (AURA_FORECAST_URL)"
        if location is None:
            return None, "none", "the plan names no place (latitude, longitude)"
        try:
            days = self.forecast.daily(location[0], location[1], day, day)
        except DependencyUnavailable as exc:
            return None, "none", exc.message
        found = days.get(day)
        if found is None:
            return None, "none", f"the forecast has no {day.isoformat()}"
        return found.as_dict(), self.forecast.name, None

    # ---- plans -------------------------------------------------------------------------

    def _owned(self, s: Session, user_id: int, plan_id: int) -> CalendarPlan:
        plan = (
            s.scalar(
                select(CalendarPlan).where(
                    CalendarPlan.id == plan_id, CalendarPlan.user_id == user_id
                )
            )
            if plan_id <= wear.ROW_ID_MAX
            else None
        )
        if plan is None:
            raise NotFound(f"No planned day {plan_id}.", fix=PLAN_FIX)
        return plan

    def _dict(self, s: Session, user_id: int, plan: CalendarPlan) -> dict[str, Any]:
        rows = _items(s, list(plan.item_ids or []))
        visible = [i for i in plan.item_ids or [] if i in rows]
        return {
            "id": plan.id,
            "date": plan.plan_date.isoformat(),
            "occasion": plan.occasion,
            "weather": plan.weather,
            "weather_source": plan.weather_source,
            "item_ids": visible,
            "items": [item_summary(rows[i]) for i in visible],
            "note": plan.note,
            "status": "worn" if plan.wear_id else "planned",
            "wear_id": plan.wear_id,
        }

    def _suggest(self, user_id: int, day: date, occasion: str | None, weather: dict | None):  # type: ignore[no-untyped-def]
        if self.outfits is None:
            return [], "the outfit service is not loaded here"
        w = weather or {}
        context = Context(occasion, season_of(day), w.get("temperature_c"), bool(w.get("raining")))
        found = self.outfits.recommend(user_id, context, k=1)
        if not found["outfits"]:
            return [], found.get("message") or "your wardrobe has no complete outfit for it"
        return list(found["outfits"][0]["item_ids"]), None

    def plan(
        self,
        user_id: int,
        *,
        day: date,
        occasion: str | None = None,
        weather: dict[str, Any] | None = None,
        location: tuple[float, float] | None = None,
        item_ids: Sequence[int] = (),
        suggest: bool = False,
        note: str | None = None,
    ) -> dict[str, Any]:
        today = date.today()
        if day < today - timedelta(days=1):
            raise InvalidInput(
                f"{day.isoformat()} has passed: the calendar plans days to come.",
                fix="Log past days in the wear log: POST /api/v1/wardrobe/wears.",
            )
        if day > today + timedelta(days=MAX_AHEAD_DAYS):
            raise InvalidInput(
                f"{day.isoformat()} is more than a year ahead.", fix="Plan within a year."
            )
        weather, source, why = self.expected_weather(day, weather, location)
        with self.db.session() as s:
            check_items(s, user_id, list(item_ids))
        ids, suggestion_note = list(item_ids), None
        if not ids and suggest:
            ids, suggestion_note = self._suggest(user_id, day, occasion, weather)
        with self.db.session() as s:
            check_items(s, user_id, ids)  # still theirs (or shared), inside this transaction
            plan = CalendarPlan(
                user_id=user_id,
                plan_date=day,
                occasion=occasion,
                weather=weather,
                weather_source=source,
                item_ids=ids,
                note=note,
            )
            s.add(plan)
            s.flush()
            out = self._dict(s, user_id, plan)
        if why:
            out["forecast_note"] = why
        if suggestion_note:
            out["suggestion_note"] = suggestion_note
        return out

    def get(self, user_id: int, plan_id: int) -> dict[str, Any]:
        with self.db.session() as s:
            return self._dict(s, user_id, self._owned(s, user_id, plan_id))

    def update(self, user_id: int, plan_id: int, patch: dict[str, Any]) -> dict[str, Any]:
        with self.db.session() as s:
            plan = self._owned(s, user_id, plan_id)
            if "item_ids" in patch:
                ids = list(patch["item_ids"] or [])
                check_items(s, user_id, ids)
                plan.item_ids = ids
            if "weather" in patch:
                plan.weather = patch["weather"]
                plan.weather_source = "user" if patch["weather"] is not None else "none"
            for key in ("occasion", "note"):
                if key in patch:
                    setattr(plan, key, patch[key])
            s.flush()
            return self._dict(s, user_id, plan)

    def delete(self, user_id: int, plan_id: int) -> None:
        with self.db.session() as s:
            s.delete(self._owned(s, user_id, plan_id))

    def confirm(self, user_id: int, plan_id: int, note: str | None = None) -> dict[str, Any]:
        """The planned day was worn: a wear of its items on its day."""
        with self.db.session() as s:
            plan = self._owned(s, user_id, plan_id)
            if plan.wear_id is not None:
                raise AlreadyConfirmed(
                    f"Planned day {plan_id} was confirmed already (wear {plan.wear_id}).",
                    fix=f"Undo it with DELETE /api/v1/wardrobe/wears/{plan.wear_id} first.",
                )
            if plan.plan_date > date.today() + timedelta(days=1):
                raise InvalidInput(
                    f"Planned day {plan_id} is {plan.plan_date.isoformat()}: still to come.",
                    fix="Confirm it on the day, once worn.",
                )
            ids = [i for i in plan.item_ids or [] if i in _items(s, plan.item_ids or [])]
            if not ids:
                raise InvalidInput(
                    f"Planned day {plan_id} has no items to wear.",
                    fix="Add items first: PATCH /api/v1/calendar/plans/{plan_id}.",
                )
            check_items(s, user_id, ids)
            entry = wear.add_wear(s, user_id, plan.plan_date, ids, note=note or plan.note)
            plan.wear_id = entry.id
            s.flush()
            return {"plan": self._dict(s, user_id, plan), "wear": wear_dict(entry, ids)}

    def week(self, user_id: int, start: date, days: int = 7) -> dict[str, Any]:
        try:
            end = start + timedelta(days=days - 1)
        except OverflowError:
            raise InvalidInput(
                f"{start.isoformat()} + {days} days is past the last date there is.",
                fix="Ask for a week that ends before the year 10000.",
            ) from None
        with self.db.session() as s:
            plans = s.scalars(
                select(CalendarPlan)
                .where(
                    CalendarPlan.user_id == user_id,
                    CalendarPlan.plan_date >= start,
                    CalendarPlan.plan_date <= end,
                )
                .order_by(CalendarPlan.plan_date, CalendarPlan.id)
            ).all()
            _, wears = wear.list_wears(s, user_id, start=start, end=end, limit=500)
            wear_items = wear.wear_item_ids(s, [w.id for w in wears])
            by_day: dict[str, dict[str, list[Any]]] = {
                (start + timedelta(days=n)).isoformat(): {"plans": [], "wears": []}
                for n in range(days)
            }
            for p in plans:
                by_day[p.plan_date.isoformat()]["plans"].append(self._dict(s, user_id, p))
            for w in sorted(wears, key=lambda w: (w.worn_on, w.id)):
                by_day[w.worn_on.isoformat()]["wears"].append(wear_dict(w, wear_items[w.id]))
        return {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "days": [{"date": d, **v} for d, v in by_day.items()],
        }
