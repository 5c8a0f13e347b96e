"""``/api/v1/calendar``: outfits planned for days to come (week view, plan, change,
delete, confirm as worn). Scoped to the key's user; another user's plan answers 404."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from aura.api.auth import current_user, platform_of
from aura.api.fields import Flag, Id, IsoDate, PathId
from aura.api.routes.wardrobe_life import DB
from aura.errors import NotReady
from aura.outfits.service import OutfitService
from aura.storage.users import Principal
from aura.wardrobe.calendar import Calendar
from aura.wardrobe.forecast import provider_from

router = APIRouter(prefix="/api/v1/calendar", tags=["calendar"])
User = Annotated[Principal, Depends(current_user)]
PlanId = PathId
Occasion = Literal["casual", "work", "formal", "party", "date", "sport"]


class Weather(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    temperature_c: float | None = Field(None, ge=-60, le=60)
    raining: Flag = False


class Place(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    date: IsoDate
    occasion: Occasion | None = None
    weather: Weather | None = Field(None, description="Your expected weather (else forecast).")
    location: Place | None = Field(None, description="Where, for the forecast (if enabled).")
    item_ids: list[Id] = Field(default_factory=list, max_length=12)
    suggest: Flag = Field(False, description="No items given: plan the best outfit for it.")
    note: str | None = Field(None, max_length=1000)


class PlanPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    occasion: Occasion | None = None
    weather: Weather | None = None
    item_ids: list[Id] = Field(None, max_length=12)  # type: ignore[assignment]
    note: str | None = Field(None, max_length=1000)


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    note: str | None = Field(None, max_length=1000)


def outfit_service(request: Request) -> OutfitService | None:
    """The outfit service when this process has its scorer loaded (for suggestions)."""
    from aura.api.routes.outfit_recommendation import outfits

    try:
        return outfits(request)
    except NotReady:
        return None


def calendar(request: Request, db: DB) -> Calendar:
    return Calendar(db, outfit_service(request), provider_from(platform_of(request).settings))


Cal = Annotated[Calendar, Depends(calendar)]


@router.get("")
def week(
    user: User,
    cal: Cal,
    start: IsoDate | None = None,
    days: Annotated[int, Query(ge=1, le=62)] = 7,
) -> dict[str, Any]:
    """Your planned days and wears from ``start`` (default today), ``days`` days long."""
    return cal.week(user.user_id, start or date.today(), days)


@router.post("/plans", status_code=201)
def plan(body: PlanIn, user: User, cal: Cal) -> dict[str, Any]:
    """Plan an outfit for a day: your items, or (``suggest``) the best for its context."""
    place = (body.location.latitude, body.location.longitude) if body.location else None
    return cal.plan(
        user.user_id,
        day=body.date,
        occasion=body.occasion,
        weather=body.weather.model_dump() if body.weather else None,
        location=place,
        item_ids=body.item_ids,
        suggest=body.suggest,
        note=body.note,
    )


@router.get("/plans/{plan_id:int}")
def get_plan(plan_id: PlanId, user: User, cal: Cal) -> dict[str, Any]:
    return cal.get(user.user_id, plan_id)


@router.patch("/plans/{plan_id:int}")
def update_plan(plan_id: PlanId, body: PlanPatch, user: User, cal: Cal) -> dict[str, Any]:
    patch = body.model_dump(exclude_unset=True)
    return cal.update(user.user_id, plan_id, patch)


@router.delete("/plans/{plan_id:int}", status_code=204)
def delete_plan(plan_id: PlanId, user: User, cal: Cal) -> Response:
    cal.delete(user.user_id, plan_id)
    return Response(status_code=204)


@router.post("/plans/{plan_id:int}/confirm")
def confirm_plan(plan_id: PlanId, body: ConfirmIn, user: User, cal: Cal) -> dict[str, Any]:
    """The planned outfit was worn: it becomes a wear on its day."""
    return cal.confirm(user.user_id, plan_id, body.note)
