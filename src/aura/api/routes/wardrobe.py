"""``/api/v1/wardrobe``: items (by hand or from analysis results), photos, search.

Handlers are plain ``def``: FastAPI runs them in its thread pool, so embedding and
database work never block the event loop. Every route is scoped to the key's user.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from aura.api.auth import current_user, platform_of
from aura.api.fields import MAX_ID, PathId
from aura.errors import NotReady
from aura.storage.users import Principal
from aura.taxonomy import COLOUR_FAMILIES, Slot
from aura.taxonomy.resolver import describe
from aura.wardrobe.fields import ItemFields, Laundry
from aura.wardrobe.service import WardrobeService

router = APIRouter(prefix="/api/v1/wardrobe", tags=["wardrobe"])
User = Annotated[Principal, Depends(current_user)]
Sha = Annotated[str | None, Field(None, pattern=r"^[0-9a-f]{64}$")]
Name = Annotated[str, Field(min_length=1, max_length=50)]
ItemId = PathId


def _clean(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


class Garment(ItemFields):
    """What an analysis found, or what a person typed (the one item schema, plus a box)."""

    model_config = ConfigDict(extra="ignore")
    bbox: list[float] | None = Field(None, min_length=4, max_length=4)


class ItemIn(Garment):
    model_config = ConfigDict(extra="forbid")
    image_sha256: Sha = None
    source_photo_sha256: Sha = None


class ItemPatch(BaseModel):
    """Fields to change. Omitted fields keep their value; ``pattern``, ``bbox`` and
    ``image_sha256`` may be set to null, the others may not (the schema says so)."""

    model_config = ConfigDict(extra="forbid")
    # Defaults are not validated by pydantic: omitted means "unchanged", null is refused.
    category: Name = None  # type: ignore[assignment]
    colors: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(
        None,  # type: ignore[arg-type]
        max_length=10,
    )
    pattern: Annotated[str, Field(max_length=50)] | None = None
    attributes: dict[str, Any] = None  # type: ignore[assignment]
    description: str = Field(None, max_length=2000)  # type: ignore[arg-type]
    bbox: list[float] | None = Field(None, min_length=4, max_length=4)
    image_sha256: Sha = None
    purchase_price: float | None = Field(None, ge=0, le=10_000_000, allow_inf_nan=False)
    purchase_date: date | None = None
    laundry: Laundry = None  # type: ignore[assignment]

    _lower = field_validator("category", "pattern", mode="after")(_clean)


class FromAnalysis(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source_photo_sha256: Sha = None
    garments: list[Garment] = Field(min_length=1, max_length=50)


def wardrobe(request: Request) -> WardrobeService:
    platform = platform_of(request)
    if platform.wardrobe is None:
        raise NotReady("The wardrobe index is still loading.", fix="Wait for /health/ready.")
    return platform.wardrobe


Service = Annotated[WardrobeService, Depends(wardrobe)]


@router.post("/items", status_code=201)
def create_item(body: ItemIn, user: User, svc: Service) -> dict[str, Any]:
    """Add an item by hand."""
    return svc.create(user.user_id, {**body.model_dump(), "source": "manual"})


@router.post("/items/from-analysis", status_code=201)
def create_from_analysis(body: FromAnalysis, user: User, svc: Service) -> dict[str, Any]:
    """Add one item per garment of an analysis result."""
    items = [
        svc.create(
            user.user_id,
            {
                **g.model_dump(),
                "source": "analysis",
                "source_photo_sha256": body.source_photo_sha256,
            },
        )
        for g in body.garments
    ]
    return {"items": items}


FAMILY = f"^({'|'.join(COLOUR_FAMILIES)})$"


@router.get("/items")
def list_items(
    user: User,
    svc: Service,
    category: Annotated[
        str | None, Query(max_length=50, description="Any word: its slot's items")
    ] = None,
    color: str | None = None,
    pattern: str | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the description")] = None,
    slot: Slot | None = None,
    colour_family: Annotated[str | None, Query(pattern=FAMILY)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> dict[str, Any]:
    """Your items, filtered: ``category=t-shirt`` lists your tops (a word no slot knows:
    that exact category), ``slot=shoes`` every kind of shoe, ``colour_family=blue`` blue, denim
    and sky blue alike (``GET /api/v1/wardrobe/taxonomy`` lists both)."""
    return svc.list(
        user.user_id,
        category=category,
        color=color,
        pattern=pattern,
        text=q,
        slot=slot,
        colour_family=colour_family,
        limit=limit,
        offset=offset,
    )


@router.get("/taxonomy")
def taxonomy(
    user: User,
    svc: Service,
    category: Annotated[
        str | None, Query(min_length=1, max_length=50, description="A word to resolve")
    ] = None,
) -> dict[str, Any]:
    """The garment taxonomy: slots with their words, the core slots, colour families with
    their names; with ``category``, where that word lands (by its words or, for a word the
    table lacks, by the text embedding) and why."""
    out = describe()
    if category is not None:
        found = svc.taxonomy.resolve(category)
        out["resolved"] = {"category": category, **found.as_dict()}
    return out


@router.get("/items/{item_id:int}")
def get_item(item_id: ItemId, user: User, svc: Service) -> dict[str, Any]:
    return svc.get(user.user_id, item_id)


@router.get("/items/{item_id:int}/similar")
def similar_items(
    request: Request,
    item_id: ItemId,
    user: User,
    svc: Service,
    k: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, Any]:
    """Your items most like this one: by its photo's image embedding when it came from a
    photo, else by its description. The answer names the space searched."""
    similar = platform_of(request).similar
    assert similar is not None  # set with the wardrobe service
    return similar.similar(user.user_id, item_id, k)


@router.patch("/items/{item_id:int}")
def update_item(item_id: ItemId, body: ItemPatch, user: User, svc: Service) -> dict[str, Any]:
    return svc.update(user.user_id, item_id, body.model_dump(exclude_unset=True))


@router.delete("/items/{item_id:int}", status_code=204)
def delete_item(item_id: ItemId, user: User, svc: Service) -> Response:
    svc.delete(user.user_id, item_id)
    return Response(status_code=204)


@router.get("/search")
def search(
    user: User,
    svc: Service,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    k: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    """Your items most similar to ``q`` (e.g. "something warm and blue for winter")."""
    return {"results": svc.search(user.user_id, q, k)}


_PHOTO_BODY = {
    "required": True,
    "content": {
        t: {"schema": {"type": "string", "format": "binary"}}
        for t in ("image/jpeg", "image/png", "image/webp")
    },
}


@router.post("/photos", status_code=201, openapi_extra={"requestBody": _PHOTO_BODY})
async def upload_photo(request: Request, user: User, svc: Service) -> dict[str, Any]:
    """Upload a photo as the raw request body (Content-Type image/...); stored once."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("image/"):
        raise HTTPException(
            415, "Send the photo as the body with Content-Type image/jpeg, image/png or image/webp."
        )
    limit = request.app.state.platform.settings.max_photo_bytes
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > limit:
            raise HTTPException(413, f"Photo larger than {limit} bytes (AURA_MAX_PHOTO_BYTES).")
    if not data:
        raise HTTPException(422, "Empty photo.")
    from starlette.concurrency import run_in_threadpool

    sha = await run_in_threadpool(svc.add_photo, user.user_id, bytes(data), content_type)
    return {"sha256": sha, "size": len(data), "content_type": content_type}


@router.get("/photos/{sha:str}")
def get_photo(sha: str, user: User, svc: Service) -> Response:
    data, content_type = svc.photo(user.user_id, sha)
    return Response(data, media_type=content_type, headers={"Cache-Control": "private"})
