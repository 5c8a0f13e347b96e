"""``/api/v1/trips``: trips and their packing lists (days, outfits per day, a checklist
that persists, what is missing). Scoped to the key's user; another's trip answers 404."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from aura.api.auth import current_user, platform_of
from aura.api.fields import Id, IsoDate, PathId, WholeNumber
from aura.api.routes.calendar import Occasion, Place, Weather, outfit_service
from aura.api.routes.wardrobe_life import DB
from aura.storage.users import Principal
from aura.wardrobe.forecast import provider_from
from aura.wardrobe.trips import Trips

router = APIRouter(prefix="/api/v1/trips", tags=["trips"])
User = Annotated[Principal, Depends(current_user)]
TripId = PathId


class TripDay(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    date: IsoDate
    occasions: list[Occasion] = Field(
        default_factory=lambda: ["casual"], min_length=1, max_length=4
    )
    weather: Weather | None = None


class TripIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    destination: str = Field(min_length=1, max_length=100, description="A label, e.g. 'Lisbon'.")
    start_date: IsoDate
    end_date: IsoDate
    days: list[TripDay] = Field(default_factory=list, max_length=60)
    location: Place | None = Field(None, description="Where, for the forecast (if enabled).")
    max_wears: Annotated[int, WholeNumber] = Field(
        3, ge=1, le=30, description="Days one top or bottom may be worn."
    )


class RepackIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    max_wears: Annotated[int, WholeNumber] = Field(3, ge=1, le=30)


class TickIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    packed: list[Id] = Field(default_factory=list, max_length=500)
    unpacked: list[Id] = Field(default_factory=list, max_length=500)


def trips_service(request: Request, db: DB) -> Trips:
    return Trips(db, outfit_service(request), provider_from(platform_of(request).settings))


Service = Annotated[Trips, Depends(trips_service)]


@router.post("", status_code=201)
def create_trip(body: TripIn, user: User, svc: Service) -> dict[str, Any]:
    """A trip and its packing list: the fewest items that cover every day."""
    place = (body.location.latitude, body.location.longitude) if body.location else None
    days = [
        {
            "date": d.date,
            "occasions": list(d.occasions),
            "weather": d.weather.model_dump() if d.weather else None,
        }
        for d in body.days
    ]
    return svc.create(
        user.user_id,
        destination=body.destination,
        start=body.start_date,
        end=body.end_date,
        days=days,
        location=place,
        max_wears=body.max_wears,
    )


@router.get("")
def list_trips(user: User, svc: Service) -> dict[str, Any]:
    return svc.list(user.user_id)


@router.get("/{trip_id:int}")
def get_trip(trip_id: TripId, user: User, svc: Service) -> dict[str, Any]:
    return svc.get(user.user_id, trip_id)


@router.post("/{trip_id:int}/pack")
def repack(trip_id: TripId, body: RepackIn, user: User, svc: Service) -> dict[str, Any]:
    """Compute the packing list again (the wardrobe changed); ticks of kept items stay."""
    return svc.repack(user.user_id, trip_id, body.max_wears)


@router.patch("/{trip_id:int}/checklist")
def tick(trip_id: TripId, body: TickIn, user: User, svc: Service) -> dict[str, Any]:
    """Tick items as packed (or not)."""
    return svc.tick(user.user_id, trip_id, body.packed, body.unpacked)


@router.delete("/{trip_id:int}", status_code=204)
def delete_trip(trip_id: TripId, user: User, svc: Service) -> Response:
    svc.delete(user.user_id, trip_id)
    return Response(status_code=204)
