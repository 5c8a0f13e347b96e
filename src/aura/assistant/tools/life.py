"""Wardrobe-life tools over the wardrobe services: the wear log
(:class:`~aura.wardrobe.wear.WearLog`), the calendar (:class:`~aura.wardrobe.calendar.Calendar`),
trips and their packing lists (:class:`~aura.wardrobe.trips.Trips`) and insights
(:func:`~aura.wardrobe.insights.insights`). Logging a wear and planning a day write (opt-in).

Every service call is the session's user's; items in results are the caller's own
(:meth:`ToolSession.own`). An item the caller borrowed from a household member is counted
(``other_items``) but never shown, so no result holds another user's row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from aura.assistant.tools.base import Args, Tool, ToolError, ToolSession
from aura.assistant.tools.items import ItemView
from aura.wardrobe.calendar import Calendar
from aura.wardrobe.insights import insights
from aura.wardrobe.trips import Trips
from aura.wardrobe.wear import WearLog

MAX_RANGE_DAYS = 366
MAX_PLAN_DAYS = 62  # the calendar's longest view
Occasion = Literal["casual", "work", "formal", "party", "date", "sport"]
ITEMS_FIX = "search_items lists the ids of your items."


def _items(session: ToolSession, ids: list[Any]) -> tuple[list[ItemView], int]:
    """The caller's items among ``ids`` (in order), and how many others there were."""
    mine = session.own(ids)
    return mine, len(dict.fromkeys(ids)) - len(mine)


def _own_or_refuse(session: ToolSession, ids: list[int]) -> list[int]:
    mine = session.own(ids)
    if len(mine) != len(dict.fromkeys(ids)):
        raise ToolError("An item is not one of yours.", fix=ITEMS_FIX)
    return [i.id for i in mine]


def _range(start: dt.date | None, end: dt.date | None, longest: int) -> None:
    if start is not None and end is not None:
        if end < start:
            raise ToolError(
                f"The range ends ({end}) before it starts ({start}).",
                fix="Give an end on or after the start.",
            )
        if (end - start).days + 1 > longest:
            raise ToolError(
                f"The range is {(end - start).days + 1} days; at most {longest}.",
                fix="Ask for a shorter range.",
            )


# ---- wear log --------------------------------------------------------------------------


class WearView(BaseModel):
    id: int
    date: dt.date
    items: list[ItemView]
    other_items: int = Field(0, description="Items worn that are not in your wardrobe")
    outfit_id: int | None = None
    note: str | None = None


def _wear(session: ToolSession, raw: dict[str, Any]) -> WearView:
    items, others = _items(session, raw["item_ids"])
    return WearView(
        id=raw["id"],
        date=dt.date.fromisoformat(raw["date"]),
        items=items,
        other_items=others,
        outfit_id=raw.get("outfit_id"),
        note=raw.get("note"),
    )


class WearHistoryArgs(Args):
    start: dt.date | None = Field(None, description="First day (YYYY-MM-DD)")
    end: dt.date | None = Field(None, description="Last day (YYYY-MM-DD), included")
    item_id: int | None = Field(None, ge=1, description="Only this item's wears")
    limit: int = Field(50, ge=1, le=200)


class WearHistory(BaseModel):
    wears: list[WearView]
    total: int = Field(description="How many wears matched (before the limit)")
    start: dt.date | None = None
    end: dt.date | None = None
    item: ItemView | None = None
    times_worn: int | None = Field(None, description="The item's wears in the log")
    last_worn: dt.date | None = Field(None, description="The item's latest wear")


def wear_history(session: ToolSession, args: WearHistoryArgs) -> WearHistory:
    _range(args.start, args.end, MAX_RANGE_DAYS)
    item = None
    if args.item_id is not None:
        found = session.own([args.item_id])
        if not found:
            raise ToolError(f"No wardrobe item {args.item_id}.", fix=ITEMS_FIX)
        item = found[0]
    filters: dict[str, Any] = {"limit": args.limit}
    for key in ("start", "end", "item_id"):
        if getattr(args, key) is not None:
            filters[key] = getattr(args, key)
    found_wears = WearLog(session.deps.db).list(session.user_id, **filters)
    wears = [_wear(session, w) for w in found_wears["wears"]]
    out = WearHistory(wears=wears, total=found_wears["total"], start=args.start, end=args.end)
    if item is not None:
        out.item = item
        out.times_worn = found_wears["total"]
        out.last_worn = wears[0].date if wears else None
    return out


class LogWearArgs(Args):
    item_ids: list[int] = Field(default_factory=list, max_length=20)
    outfit_id: int | None = Field(None, ge=1, description="A saved outfit's id")
    date: dt.date | None = Field(None, description="The day worn (default today)")
    note: str | None = Field(None, max_length=1000)


class Logged(BaseModel):
    wear: WearView


def log_wear(session: ToolSession, args: LogWearArgs) -> Logged:
    day = args.date or session.today
    if day > session.today:
        raise ToolError(
            f"{day} is still to come: a wear is logged on the day or after.",
            fix="Plan days to come with plan_day.",
        )
    if not args.item_ids and args.outfit_id is None:
        raise ToolError("A wear needs item_ids or an outfit_id.", fix=ITEMS_FIX)
    ids = _own_or_refuse(session, args.item_ids)
    raw = WearLog(session.deps.db).wear(
        session.user_id, day=day, item_ids=ids, outfit_id=args.outfit_id, note=args.note
    )
    return Logged(wear=_wear(session, raw))


# ---- calendar --------------------------------------------------------------------------


class WeatherView(BaseModel):
    temperature_c: float | None = None
    raining: bool = False


class PlanView(BaseModel):
    id: int
    date: dt.date
    occasion: str | None = None
    weather: WeatherView | None = None
    weather_source: str | None = Field(None, description="user, the forecast's name, or none")
    items: list[ItemView]
    other_items: int = 0
    note: str | None = None
    status: str = Field(description="planned, or worn once confirmed")


def _plan(session: ToolSession, raw: dict[str, Any]) -> PlanView:
    items, others = _items(session, raw["item_ids"])
    weather = raw.get("weather")
    return PlanView(
        id=raw["id"],
        date=dt.date.fromisoformat(raw["date"]),
        occasion=raw.get("occasion"),
        weather=WeatherView(**{k: v for k, v in weather.items() if k in WeatherView.model_fields})
        if isinstance(weather, dict)
        else None,
        weather_source=raw.get("weather_source"),
        items=items,
        other_items=others,
        note=raw.get("note"),
        status=raw["status"],
    )


class PlansArgs(Args):
    start: dt.date | None = Field(None, description="First day (default today)")
    end: dt.date | None = Field(None, description="Last day, included (default start + 6)")


class Plans(BaseModel):
    start: dt.date
    end: dt.date
    plans: list[PlanView]
    count: int


def calendar_plans(session: ToolSession, args: PlansArgs) -> Plans:
    start = args.start or session.today
    end = args.end or start + dt.timedelta(days=6)
    _range(start, end, MAX_PLAN_DAYS)
    week = Calendar(session.deps.db).week(session.user_id, start, (end - start).days + 1)
    plans = [_plan(session, p) for d in week["days"] for p in d["plans"]]
    return Plans(start=start, end=end, plans=plans, count=len(plans))


class PlanDayArgs(Args):
    date: dt.date = Field(..., description="The day to plan, today or later (YYYY-MM-DD)")
    item_ids: list[int] = Field(
        default_factory=list, max_length=12, description="Your items; none: the best outfit"
    )
    occasion: Occasion | None = None
    temperature_c: float | None = Field(None, ge=-60, le=60, description="Expected weather")
    raining: bool | None = None
    note: str | None = Field(None, max_length=1000)


class Planned(BaseModel):
    plan: PlanView
    suggestion_note: str | None = None


def plan_day(session: ToolSession, args: PlanDayArgs) -> Planned:
    if args.date < session.today:
        raise ToolError(
            f"{args.date} has passed: the calendar plans days to come.",
            fix="Log past days with log_wear.",
        )
    ids = _own_or_refuse(session, args.item_ids)
    weather = None
    if args.temperature_c is not None or args.raining is not None:
        weather = {"temperature_c": args.temperature_c, "raining": bool(args.raining)}
    outfits = None if ids else session.deps.outfit_service()  # no items: suggest an outfit
    raw = Calendar(session.deps.db, outfits).plan(
        session.user_id,
        day=args.date,
        occasion=args.occasion,
        weather=weather,
        item_ids=ids,
        suggest=not ids,
        note=args.note,
    )
    return Planned(plan=_plan(session, raw), suggestion_note=raw.get("suggestion_note"))


# ---- trips -----------------------------------------------------------------------------


class TripSummary(BaseModel):
    id: int
    destination: str
    start_date: dt.date
    end_date: dt.date
    items: int = Field(description="Items on the packing list")
    packed: int


class PackItem(BaseModel):
    item: ItemView
    packed: bool


class DayOutfit(BaseModel):
    occasion: str
    items: list[ItemView]


class TripDay(BaseModel):
    date: dt.date
    occasions: list[str]
    weather: WeatherView | None = None
    outfits: list[DayOutfit]


class Missing(BaseModel):
    occasion: str | None = None
    slots: list[str] = Field(default_factory=list)
    reason: str = ""


class TripPacking(BaseModel):
    id: int
    destination: str
    start_date: dt.date
    end_date: dt.date
    checklist: list[PackItem]
    packed: int
    to_pack: list[ItemView] = Field(description="On the list and not packed yet")
    done: bool = Field(description="Every item on the list is packed")
    days: list[TripDay]
    missing: list[Missing] = Field(description="What the wardrobe cannot cover for the trip")


class TripArgs(Args):
    trip_id: int | None = Field(None, ge=1)
    destination: str | None = Field(
        None, min_length=1, max_length=100, description="A trip's destination, e.g. 'Lisbon'"
    )


class TripsResult(BaseModel):
    trips: list[TripSummary] = Field(default_factory=list)
    count: int = 0
    trip: TripPacking | None = Field(None, description="One trip's packing list, when asked")


def _summary(session: ToolSession, raw: dict[str, Any]) -> TripSummary:
    items, _ = _items(session, [c["item_id"] for c in raw["checklist"]])
    mine = {i.id for i in items}
    return TripSummary(
        id=raw["id"],
        destination=raw["destination"],
        start_date=dt.date.fromisoformat(raw["start_date"]),
        end_date=dt.date.fromisoformat(raw["end_date"]),
        items=len(items),
        packed=sum(1 for c in raw["checklist"] if c["packed"] and c["item_id"] in mine),
    )


def _packing(session: ToolSession, raw: dict[str, Any]) -> TripPacking:
    by_id = session.by_id()
    checklist = [
        PackItem(item=by_id[c["item_id"]], packed=bool(c["packed"]))
        for c in raw["checklist"]
        if c["item_id"] in by_id
    ]
    days = []
    for d in raw.get("days") or []:
        weather = d.get("weather")
        days.append(
            TripDay(
                date=dt.date.fromisoformat(d["date"]),
                occasions=list(d.get("occasions") or []),
                weather=WeatherView(
                    **{k: v for k, v in weather.items() if k in WeatherView.model_fields}
                )
                if isinstance(weather, dict)
                else None,
                outfits=[
                    DayOutfit(occasion=o["occasion"], items=session.own(o.get("item_ids") or []))
                    for o in d.get("outfits") or []
                ],
            )
        )
    to_pack = [c.item for c in checklist if not c.packed]
    return TripPacking(
        id=raw["id"],
        destination=raw["destination"],
        start_date=dt.date.fromisoformat(raw["start_date"]),
        end_date=dt.date.fromisoformat(raw["end_date"]),
        checklist=checklist,
        packed=len(checklist) - len(to_pack),
        to_pack=to_pack,
        done=bool(checklist) and not to_pack,
        days=days,
        missing=[
            Missing(**{k: v for k, v in m.items() if k in Missing.model_fields})
            for m in raw.get("missing") or []
        ],
    )


def trip_packing(session: ToolSession, args: TripArgs) -> TripsResult:
    trips = Trips(session.deps.db, None)
    if args.trip_id is not None:
        return TripsResult(trip=_packing(session, trips.get(session.user_id, args.trip_id)))
    listed = trips.list(session.user_id)["trips"]
    if args.destination is None:
        return TripsResult(trips=[_summary(session, t) for t in listed], count=len(listed))
    wanted = args.destination.strip().lower()
    named = [t for t in listed if wanted in t["destination"].lower()]
    if not named:
        raise ToolError(
            f"You have no trip to {args.destination}.",
            fix="trip_packing without arguments lists your trips.",
        )
    coming = [t for t in named if dt.date.fromisoformat(t["end_date"]) >= session.today]
    chosen = (coming or named[::-1])[0]  # the next one; else the latest
    return TripsResult(trip=_packing(session, chosen))


# ---- insights --------------------------------------------------------------------------


class WornItem(BaseModel):
    item: ItemView
    times_worn: int
    last_worn: dt.date | None = None
    purchase_price: float | None = None
    cost_per_wear: float | None = None


class InsightsArgs(Args):
    not_worn_days: int = Field(90, ge=1, le=3650, description="'Not worn in N days'")
    limit: int = Field(10, ge=1, le=50, description="Items per list")


class Insights(BaseModel):
    items: int
    wears: int
    value: float = Field(description="Sum of the purchase prices given")
    priced_items: int
    average_cost_per_wear: float | None = None
    cost_per_wear: list[WornItem] = Field(description="Highest cost per wear first")
    most_worn: list[WornItem]
    least_worn: list[WornItem]
    not_worn_days: int
    not_worn_since: dt.date
    not_worn: list[WornItem] = Field(description="Not worn since then and owned for longer")
    new_not_worn: list[WornItem] = Field(
        default_factory=list, description="Not worn yet but added within those days: new"
    )


def _worn(session: ToolSession, rows: list[dict[str, Any]], limit: int) -> list[WornItem]:
    by_id = session.by_id()
    out = []
    for r in rows:
        if r["id"] in by_id and len(out) < limit:
            out.append(
                WornItem(
                    item=by_id[r["id"]],
                    times_worn=r.get("times_worn") or 0,
                    last_worn=r.get("last_worn"),
                    purchase_price=r.get("purchase_price"),
                    cost_per_wear=r.get("cost_per_wear"),
                )
            )
    return out


def wardrobe_insights(session: ToolSession, args: InsightsArgs) -> Insights:
    found = insights(session.deps.db, session.user_id, args.not_worn_days, today=session.today)
    not_worn = found["not_worn"]
    return Insights(
        items=found["items"],
        wears=found["wears"],
        value=found["value"],
        priced_items=found["priced_items"],
        average_cost_per_wear=found["average_cost_per_wear"],
        cost_per_wear=_worn(session, found["cost_per_wear"], args.limit),
        most_worn=_worn(session, found["most_worn"], args.limit),
        least_worn=_worn(session, found["least_worn"], args.limit),
        not_worn_days=not_worn["days"],
        not_worn_since=dt.date.fromisoformat(not_worn["since"]),
        not_worn=_worn(session, not_worn["items"], args.limit),
        new_not_worn=_worn(session, not_worn.get("new") or [], args.limit),
    )


TOOLS = [
    Tool(
        "wear_history",
        "The caller's wear log: what was worn in a date range (start, end), or one item's "
        "wears (item_id) with its times worn and last worn day.",
        WearHistoryArgs,
        wear_history,
    ),
    Tool(
        "calendar_plans",
        "The caller's planned days in a date range (default the next 7 days): items, "
        "occasion, expected weather, planned or worn.",
        PlansArgs,
        calendar_plans,
    ),
    Tool(
        "trip_packing",
        "The caller's trips; or one trip's packing list (trip_id or destination): the "
        "checklist packed or not, what is still to pack, outfits per day, what is missing.",
        TripArgs,
        trip_packing,
    ),
    Tool(
        "wardrobe_insights",
        "Wardrobe insights: cost per wear, value, most and least worn items, items not worn "
        "in N days (declutter candidates) and new items not worn yet.",
        InsightsArgs,
        wardrobe_insights,
    ),
    Tool(
        "log_wear",
        "Log that the caller wore items (item_ids) or a saved outfit (outfit_id) on a day "
        "(default today).",
        LogWearArgs,
        log_wear,
        True,
    ),
    Tool(
        "plan_day",
        "Plan the caller's items for a day to come, with its occasion and expected weather; "
        "without items, the best outfit for that context is planned.",
        PlanDayArgs,
        plan_day,
        True,
    ),
]
