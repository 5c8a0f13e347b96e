"""``/api/v1/households``: households, invite codes, sharing, borrowing. A household is
visible to its members only: anyone else gets 404, exactly as for an unknown id."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from aura.api.auth import current_user
from aura.api.fields import Flag, Id, PathId
from aura.api.routes.wardrobe_life import DB
from aura.storage.users import Principal
from aura.wardrobe.households import Households

router = APIRouter(prefix="/api/v1/households", tags=["households"])
User = Annotated[Principal, Depends(current_user)]
HouseholdId = PathId
ItemId = PathId


class HouseholdIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: str = Field(min_length=1, max_length=100)


class JoinIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    code: str = Field(min_length=4, max_length=100)


class SharingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    everything: Flag | None = Field(None, description="Share your whole wardrobe (read-only).")
    share: list[Id] = Field(default_factory=list, max_length=500)
    unshare: list[Id] = Field(default_factory=list, max_length=500)


def service(db: DB) -> Households:
    return Households(db)


Service = Annotated[Households, Depends(service)]


@router.post("", status_code=201)
def create(body: HouseholdIn, user: User, svc: Service) -> dict[str, Any]:
    return svc.create(user.user_id, body.name)


@router.get("")
def mine(user: User, svc: Service) -> dict[str, Any]:
    return svc.list(user.user_id)


@router.post("/join")
def join(body: JoinIn, user: User, svc: Service) -> dict[str, Any]:
    """Join with an invite code (single use; it expires after 7 days)."""
    return svc.join(user.user_id, body.code)


@router.get("/{household_id:int}")
def get(household_id: HouseholdId, user: User, svc: Service) -> dict[str, Any]:
    return svc.get(user.user_id, household_id)


@router.post("/{household_id:int}/invites", status_code=201)
def invite(household_id: HouseholdId, user: User, svc: Service) -> dict[str, Any]:
    """A new invite code, shown once."""
    return svc.invite(user.user_id, household_id)


@router.delete("/{household_id:int}/members/me", status_code=204)
def leave(household_id: HouseholdId, user: User, svc: Service) -> Response:
    svc.leave(user.user_id, household_id)
    return Response(status_code=204)


@router.put("/{household_id:int}/sharing")
def sharing(household_id: HouseholdId, body: SharingIn, user: User, svc: Service) -> dict[str, Any]:
    """What you share with this household: everything, or these items."""
    return svc.share(
        user.user_id, household_id, everything=body.everything, share=body.share,
        unshare=body.unshare,
    )  # fmt: skip


@router.get("/{household_id:int}/items")
def shared_items(household_id: HouseholdId, user: User, svc: Service) -> dict[str, Any]:
    """The other members' items shared with this household (read-only)."""
    return svc.items(user.user_id, household_id)


@router.post("/{household_id:int}/items/{item_id:int}/borrow")
def borrow(household_id: HouseholdId, item_id: ItemId, user: User, svc: Service) -> dict[str, Any]:
    return svc.borrow(user.user_id, household_id, item_id)


@router.post("/{household_id:int}/items/{item_id:int}/return")
def give_back(
    household_id: HouseholdId, item_id: ItemId, user: User, svc: Service
) -> dict[str, Any]:
    return svc.give_back(user.user_id, household_id, item_id)
