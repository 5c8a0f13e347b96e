"""Trips and packing lists for one user.

A trip is a destination label, a first and a last day, and per day its occasions and
expected weather (the user's, else the forecast's when one is configured and the trip
names a place). Its packing list covers every day with few items:

1. one :meth:`OutfitService.recommend` call per occasion of the trip, in the context of
   that occasion's coldest (and any rainy) day: so the outfits carry the layers the
   coldest day needs, and the shoes that suit the occasion;
2. day by day, the candidate outfit that adds the fewest new items to the bag (re-wears
   allowed; a top, bottom or one-piece is worn on at most ``max_wears`` days while another
   candidate can take over), outer layers only on the days cold or wet enough for them;
3. the bag is the union; what the wardrobe cannot cover is listed as missing.

The checklist (packed or not) persists; packing again keeps the ticks of items kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aura.errors import InvalidInput, NotFound
from aura.outfits.scorer import Context
from aura.storage import trips
from aura.storage.db import Database
from aura.storage.schema import Trip, WardrobeItem
from aura.taxonomy import CORE_SLOTS, Slot, slot_of
from aura.wardrobe.calendar import item_summary, season_of
from aura.wardrobe.forecast import DayWeather, ForecastProvider

if TYPE_CHECKING:
    from aura.outfits.service import OutfitService

MAX_DAYS = 60
LAYER_BELOW_C = 15.0  # an outer layer on days colder than this (or wet)
CANDIDATES = 5
TRIP_FIX = "GET /api/v1/trips lists your trips."


def _needs_layer(weather: dict[str, Any] | None) -> bool:
    if not weather:
        return False
    temp = weather.get("temperature_c")
    return bool(weather.get("raining")) or (temp is not None and temp < LAYER_BELOW_C)


def _wearable(ids: list[int], slot: dict[int, Slot], layer: bool) -> list[int]:
    """The outfit's items for a day: outer layers only when the day needs one."""
    return [i for i in ids if layer or slot[i] is not Slot.OUTERWEAR]


def normalise_days(
    start: date,
    end: date,
    days: Sequence[dict[str, Any]],
    forecast: dict[date, DayWeather] | None = None,
) -> list[dict[str, Any]]:
    """Every day of the trip, in order: given days as given, the others casual; weather
    from the user, else the forecast."""
    if end < start:
        raise InvalidInput(
            f"The trip ends ({end.isoformat()}) before it starts ({start.isoformat()}).",
            fix="Give an end_date on or after the start_date.",
        )
    length = (end - start).days + 1
    if length > MAX_DAYS:
        raise InvalidInput(
            f"The trip is {length} days long; at most {MAX_DAYS}.", fix="Split it in two."
        )
    given: dict[date, dict[str, Any]] = {}
    for d in days:
        day = d["date"]
        if not start <= day <= end:
            raise InvalidInput(
                f"Day {day.isoformat()} is outside the trip ({start} to {end}).",
                fix="Give days between start_date and end_date.",
            )
        if day in given:
            raise InvalidInput(f"Day {day.isoformat()} is given twice.", fix="Give it once.")
        given[day] = d
    out = []
    for n in range(length):
        day = start + timedelta(days=n)
        d = given.get(day, {})
        weather, source = d.get("weather"), "user" if d.get("weather") else "none"
        if weather is None and forecast and day in forecast:
            weather, source = forecast[day].as_dict(), "forecast"
        out.append(
            {
                "date": day.isoformat(),
                "occasions": list(dict.fromkeys(d.get("occasions") or ["casual"])),
                "weather": weather,
                "weather_source": source,
            }
        )
    return out


def pack(
    outfits: OutfitService, user_id: int, days: list[dict[str, Any]], max_wears: int = 3
) -> dict[str, Any]:
    """The packing plan for normalised ``days`` (see the module docstring)."""
    start = date.fromisoformat(days[0]["date"])
    occasions = list(dict.fromkeys(o for d in days for o in d["occasions"]))
    candidates: dict[str, list[dict[str, Any]]] = {}
    missing: list[dict[str, Any]] = []
    summaries: dict[int, dict[str, Any]] = {}
    for occasion in occasions:
        these = [d for d in days if occasion in d["occasions"]]
        temps = [
            d["weather"]["temperature_c"]
            for d in these
            if d["weather"] and d["weather"].get("temperature_c") is not None
        ]
        rain = any(d["weather"] and d["weather"].get("raining") for d in these)
        coldest = min(temps) if temps else None
        context = Context(occasion, season_of(start), coldest, rain)
        found = outfits.recommend(user_id, context, k=CANDIDATES)
        candidates[occasion] = found["outfits"]
        for outfit in found["outfits"]:
            for item in outfit["items"]:
                summaries[item["id"]] = item
        if not found["outfits"]:
            missing.append(
                {
                    "occasion": occasion,
                    "slots": list(found.get("missing") or []),
                    "reason": found.get("message")
                    or f"your wardrobe has no complete {occasion} outfit",
                }
            )
        elif found.get("missing"):
            missing.append(
                {"occasion": occasion, "slots": list(found["missing"]), "reason": "not covered"}
            )
    slot = {i: slot_of(s["category"]) for i, s in summaries.items()}
    bag: dict[int, int] = {}  # item -> days worn
    planned = []
    for d in days:
        layer = _needs_layer(d["weather"])
        outfits_of_day = []
        for occasion in d["occasions"]:
            options = candidates.get(occasion) or []
            if not options:
                outfits_of_day.append({"occasion": occasion, "item_ids": [], "score": None})
                continue

            def cost(option: dict[str, Any], layer: bool = layer) -> tuple[int, int, float]:
                ids = _wearable(option["item_ids"], slot, layer)
                new = sum(1 for i in ids if i not in bag)
                worn_out = sum(
                    1 for i in ids if slot[i] in CORE_SLOTS and bag.get(i, 0) >= max_wears
                )
                return (worn_out, new, -option["score"])

            best = min(options, key=cost)
            ids = _wearable(best["item_ids"], slot, layer)
            for i in ids:
                bag[i] = bag.get(i, 0) + 1
            outfits_of_day.append({"occasion": occasion, "item_ids": ids, "score": best["score"]})
        planned.append({**d, "outfits": outfits_of_day})
    layered = [d for d in days if _needs_layer(d["weather"])]
    if layered and not any(slot[i] is Slot.OUTERWEAR for i in bag):
        coldest_day = min(
            layered,
            key=lambda d: (
                d["weather"].get("temperature_c") is None,
                d["weather"].get("temperature_c"),
            ),
        )
        missing.append(
            {
                "occasion": None,
                "slots": [str(Slot.OUTERWEAR)],
                "reason": f"an outer layer for {coldest_day['date']} "
                f"({coldest_day['weather'].get('temperature_c')} °C"
                f"{', rain' if coldest_day['weather'].get('raining') else ''})",
            }
        )
    order = {s: n for n, s in enumerate(Slot)}
    items = sorted(bag, key=lambda i: (order[slot[i]], i))
    return {
        "days": planned,
        "item_ids": items,
        "wears": {str(i): bag[i] for i in items},
        "missing": missing,
        "recommend_calls": len(occasions),
    }


class Trips:
    def __init__(
        self,
        db: Database,
        outfits: OutfitService | None,
        forecast: ForecastProvider | None = None,
    ) -> None:
        self.db, self.outfits, self.forecast = db, outfits, forecast

    def _need_outfits(self) -> OutfitService:
        if self.outfits is None:
            from aura.errors import NotReady

            raise NotReady("The outfit scorer is still loading.", fix="Wait for /health/ready.")
        return self.outfits

    def _owned(self, s: Session, user_id: int, trip_id: int) -> Trip:
        trip = trips.owned(s, user_id, trip_id)
        if trip is None:
            raise NotFound(f"No trip {trip_id}.", fix=TRIP_FIX)
        return trip

    def _dict(self, s: Session, trip: Trip) -> dict[str, Any]:
        checklist = trips.checklist(s, trip.id)
        ids = [i for i, _ in checklist]
        rows = {
            r.id: r for r in s.scalars(select(WardrobeItem).where(WardrobeItem.id.in_(ids or [-1])))
        }
        return {
            "id": trip.id,
            "destination": trip.destination,
            "start_date": trip.start_date.isoformat(),
            "end_date": trip.end_date.isoformat(),
            "days": trip.plan.get("days", trip.days),
            "checklist": [
                {"item_id": i, "packed": p, "item": item_summary(rows[i])}
                for i, p in checklist
                if i in rows
            ],
            "packed": sum(1 for _, p in checklist if p),
            "missing": trip.plan.get("missing", []),
        }

    def _forecast(
        self, start: date, end: date, location: tuple[float, float] | None
    ) -> tuple[dict[date, DayWeather] | None, str | None]:
        if self.forecast is None or location is None:
            return None, None
        from aura.errors import DependencyUnavailable

        try:
            return self.forecast.daily(location[0], location[1], start, end), None
        except DependencyUnavailable as exc:
            return None, exc.message

    def create(
        self,
        user_id: int,
        *,
        destination: str,
        start: date,
        end: date,
        days: Sequence[dict[str, Any]] = (),
        location: tuple[float, float] | None = None,
        max_wears: int = 3,
    ) -> dict[str, Any]:
        normalise_days(start, end, days)  # bad input is refused before any call out
        forecast, why = self._forecast(start, end, location)
        full = normalise_days(start, end, days, forecast)
        plan = pack(self._need_outfits(), user_id, full, max_wears)
        with self.db.session() as s:
            trip = trips.create(s, user_id, destination, start, end, full, plan, plan["item_ids"])
            out = self._dict(s, trip)
        if why:
            out["forecast_note"] = why
        return out

    def repack(self, user_id: int, trip_id: int, max_wears: int = 3) -> dict[str, Any]:
        with self.db.session() as s:
            days = list(self._owned(s, user_id, trip_id).days)
        plan = pack(self._need_outfits(), user_id, days, max_wears)
        with self.db.session() as s:
            trip = self._owned(s, user_id, trip_id)
            trips.set_checklist(s, trip, plan, plan["item_ids"])
            return self._dict(s, trip)

    def get(self, user_id: int, trip_id: int) -> dict[str, Any]:
        with self.db.session() as s:
            return self._dict(s, self._owned(s, user_id, trip_id))

    def list(self, user_id: int) -> dict[str, Any]:
        with self.db.session() as s:
            return {"trips": [self._dict(s, t) for t in trips.of_user(s, user_id)]}

    def tick(
        self, user_id: int, trip_id: int, packed: Sequence[int], unpacked: Sequence[int]
    ) -> dict[str, Any]:
        with self.db.session() as s:
            trip = self._owned(s, user_id, trip_id)
            on_list = {i for i, _ in trips.checklist(s, trip.id)}
            stray = [i for i in [*packed, *unpacked] if i not in on_list]
            if stray:  # like any id the caller has no such thing under: 404
                raise NotFound(
                    f"Item(s) {stray} are not on this trip's checklist.",
                    fix=f"GET /api/v1/trips/{trip_id} shows the checklist.",
                )
            trips.tick(s, trip.id, packed, True)
            trips.tick(s, trip.id, unpacked, False)
            s.expire_all()
            return self._dict(s, trip)

    def delete(self, user_id: int, trip_id: int) -> None:
        with self.db.session() as s:
            s.delete(self._owned(s, user_id, trip_id))
