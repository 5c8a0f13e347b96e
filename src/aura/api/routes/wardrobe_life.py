"""``/api/v1/wardrobe``: the wear log (wear, list, undo), laundry state and insights.

Plain ``def`` handlers (FastAPI's thread pool); every route is scoped to the key's user,
and another user's wear or item is answered exactly like a missing one (404).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from aura.api.auth import current_user, platform_of
from aura.api.fields import MAX_ID, Id, IsoDate, PathId
from aura.errors import NotReady
from aura.storage.db import Database
from aura.storage.users import Principal
from aura.wardrobe.insights import insights
from aura.wardrobe.wear import WearLog

router = APIRouter(prefix="/api/v1/wardrobe", tags=["wardrobe"])
User = Annotated[Principal, Depends(current_user)]
WearId = PathId
State = Literal["clean", "in_wash", "at_cleaner", "lent_out"]


def database(request: Request) -> Database:
    db = platform_of(request).db
    if db is None:
        raise NotReady("The database is not open yet.", fix="Wait for /health/ready.")
    return db


DB = Annotated[Database, Depends(database)]


def wear_log(db: DB) -> WearLog:
    return WearLog(db)


Log = Annotated[WearLog, Depends(wear_log)]


class WearIn(BaseModel):
    # one of the two, as the schema says (anyOf): the items worn, or a saved outfit
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "anyOf": [
                {"required": ["item_ids"], "properties": {"item_ids": {"minItems": 1}}},
                {"required": ["outfit_id"], "properties": {"outfit_id": {"type": "integer"}}},
            ]
        },
    )
    date: IsoDate | None = Field(None, description="The day worn (default today); not the future.")
    item_ids: list[Id] = Field(default_factory=list, max_length=20)
    outfit_id: Id | None = None
    note: str | None = Field(None, max_length=1000)


class LaundryIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    item_ids: list[Id] = Field(min_length=1, max_length=500)
    state: State


class BackIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    states: list[Literal["in_wash", "at_cleaner"]] = Field(
        default_factory=lambda: ["in_wash"], min_length=1
    )


@router.post("/wears", status_code=201)
def add_wear(body: WearIn, user: User, log: Log) -> dict[str, Any]:
    """Log that you wore items (or a saved outfit) on a day; counts per item follow."""
    return log.wear(
        user.user_id,
        day=body.date,
        item_ids=body.item_ids,
        outfit_id=body.outfit_id,
        note=body.note,
    )


@router.get("/wears")
def list_wears(
    user: User,
    log: Log,
    start: IsoDate | None = None,
    end: IsoDate | None = None,
    item_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> dict[str, Any]:
    return log.list(user.user_id, start=start, end=end, item_id=item_id, limit=limit, offset=offset)


@router.delete("/wears/{wear_id:int}", status_code=204)
def undo_wear(wear_id: WearId, user: User, log: Log) -> Response:
    """Undo a wear: the entry goes and its items' counts are recomputed."""
    log.undo(user.user_id, wear_id)
    return Response(status_code=204)


@router.post("/laundry")
def set_laundry(body: LaundryIn, user: User, log: Log) -> dict[str, Any]:
    """Set items clean, in the wash, at the cleaner or lent out (not clean: not suggested)."""
    return log.set_laundry(user.user_id, body.item_ids, body.state)


@router.post("/laundry/back")
def back_from_the_wash(body: BackIn, user: User, log: Log) -> dict[str, Any]:
    """Everything in the wash (or at the cleaner) is clean again."""
    return log.back_from(user.user_id, body.states)


@router.get("/insights")
def wardrobe_insights(
    user: User,
    db: DB,
    unworn_days: Annotated[int, Query(ge=1, le=3650)] = 90,
) -> dict[str, Any]:
    """Cost per wear, wardrobe value, most/least worn, not worn in N days, slot and colour
    balance."""
    return insights(db, user.user_id, unworn_days)
