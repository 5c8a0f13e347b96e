"""``/api/v1/outfit-recommendation``: compatibility, recommendations, complete-the-outfit,
feedback and saved outfits, over the caller's own wardrobe items.

Handlers are plain ``def``: FastAPI runs them in its thread pool, so scoring and database
work never block the event loop. Every route needs the bearer key and is scoped to its user.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from aura.api.auth import current_user, platform_of
from aura.api.fields import MAX_ID, Id, PathId, WholeNumber, unique
from aura.errors import NotReady
from aura.outfits.saved import SavedOutfits
from aura.outfits.scorer import Context
from aura.outfits.service import OutfitService
from aura.storage.users import Principal
from aura.taxonomy.resolver import Taxonomy

router = APIRouter(prefix="/api/v1/outfit-recommendation", tags=["outfit_recommendation"])
User = Annotated[Principal, Depends(current_user)]
OutfitId = PathId
Category = Annotated[str, Field(min_length=1, max_length=50)]
Occasion = Literal["casual", "work", "formal", "party", "date", "sport"]
Season = Literal["spring", "summer", "autumn", "winter"]
Rating = Annotated[int, Field(ge=1, le=5), WholeNumber]
# An outfit lists each item once (the service refuses a repeated id), stated in the schema;
# seeds and a partial outfit take a repeated id as the one item.
UNIQUE = {"uniqueItems": True}


class Weather(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    temperature_c: float | None = Field(None, ge=-60, le=60)
    raining: bool = False


class WithContext(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    occasion: Occasion | None = None
    season: Season | None = None
    weather: Weather | None = None

    def context(self) -> Context:
        w = self.weather or Weather()
        return Context(self.occasion, self.season, w.temperature_c, w.raining)


class CompatibilityIn(WithContext):
    item_ids: list[Id] = Field(min_length=2, max_length=8, json_schema_extra=UNIQUE)


class RecommendationsIn(WithContext):
    seed_item_ids: Annotated[list[Id], AfterValidator(unique)] = Field(
        default_factory=list, max_length=6
    )
    target_categories: list[Category] = Field(default_factory=list, max_length=4)
    max_results: Annotated[int, WholeNumber] = Field(5, ge=1, le=20)


class CompleteIn(WithContext):
    item_ids: Annotated[list[Id], AfterValidator(unique)] = Field(min_length=1, max_length=7)
    target_category: Category
    k: Annotated[int, WholeNumber] = Field(5, ge=1, le=50)


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    outfit_id: Id
    rating: Rating | None = None
    worn: bool = False
    comment: str | None = Field(None, max_length=2000)


class SaveIn(CompatibilityIn):
    favorite: bool = False


class OutfitPatch(BaseModel):
    """Omitted fields keep their value; ``rating`` may be set to null, ``favorite`` not."""

    model_config = ConfigDict(extra="forbid", strict=True)
    favorite: bool = None  # type: ignore[assignment]
    rating: Rating | None = None


def outfits(request: Request) -> OutfitService:
    platform = platform_of(request)
    scorer = platform.outfit_scorer
    if scorer is None:
        raise NotReady("The outfit scorer is still loading.", fix="Wait for /health/ready.")
    assert platform.db is not None
    service: OutfitService | None = getattr(request.app.state, "outfit_service", None)
    if service is None or service.scorer is not scorer or service.db is not platform.db:
        service = OutfitService(platform.db, scorer, platform.outfit_vectors, _taxonomy(platform))
        request.app.state.outfit_service = service
    return service


def _taxonomy(platform: Any) -> Taxonomy:
    """Slots by words, and by the wardrobe's text embedding where this process has it
    (the wardrobe's own taxonomy then: one cache of resolved words)."""
    wardrobe = getattr(platform, "wardrobe", None)
    if wardrobe is not None:
        return wardrobe.taxonomy  # type: ignore[no-any-return]
    embedder = getattr(platform, "embedder", None)
    return Taxonomy(embedder.embed if embedder is not None else None)


Service = Annotated[OutfitService, Depends(outfits)]


def saved(svc: Service) -> SavedOutfits:
    return SavedOutfits(svc)


Saved = Annotated[SavedOutfits, Depends(saved)]


@router.post("/compatibility")
def compatibility(body: CompatibilityIn, user: User, svc: Service) -> dict[str, Any]:
    """How well 2–8 of your items go together (0–1), with the scorer's reasons."""
    return svc.compatibility(user.user_id, body.item_ids, body.context())


@router.post("/recommendations")
def recommendations(body: RecommendationsIn, user: User, svc: Service) -> dict[str, Any]:
    """Whole outfits from your wardrobe for an occasion, season and weather."""
    return svc.recommend(
        user.user_id,
        body.context(),
        seed_ids=body.seed_item_ids,
        target_categories=body.target_categories,
        k=body.max_results,
    )


@router.get("/gaps")
def gaps(
    user: User,
    svc: Service,
    occasion: Occasion | None = None,
    season: Season | None = None,
    temperature_c: Annotated[float | None, Query(ge=-60, le=60)] = None,
    raining: bool = False,
    k: Annotated[int, Query(ge=1, le=14)] = 5,
) -> dict[str, Any]:
    """What to buy next: the items (slot, colour family, formality, warmth, waterproof) that
    would unlock most new good outfits for this context (none given: everyday, work and
    cold rain), with how many each unlocks."""
    given = occasion or season or temperature_c is not None or raining
    contexts = [Context(occasion, season, temperature_c, raining)] if given else []
    return svc.gaps(user.user_id, contexts, k)


@router.post("/complete")
def complete(body: CompleteIn, user: User, svc: Service) -> dict[str, Any]:
    """The best ``k`` of your items of ``target_category`` to finish a partial outfit."""
    return svc.complete(user.user_id, body.item_ids, body.target_category, body.k, body.context())


@router.post("/feedback", status_code=201)
def feedback(body: FeedbackIn, user: User, store: Saved) -> dict[str, Any]:
    """Rate a saved outfit and/or say you wore it."""
    return store.feedback(
        user.user_id, body.outfit_id, rating=body.rating, worn=body.worn, comment=body.comment
    )


@router.post("/outfits", status_code=201)
def save_outfit(body: SaveIn, user: User, store: Saved) -> dict[str, Any]:
    return store.save(user.user_id, body.item_ids, body.context(), body.favorite)


@router.get("/outfits")
def list_outfits(
    user: User,
    store: Saved,
    favorite: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> dict[str, Any]:
    return store.list(user.user_id, favorite=favorite, limit=limit, offset=offset)


@router.patch("/outfits/{outfit_id:int}")
def update_outfit(
    outfit_id: OutfitId, body: OutfitPatch, user: User, store: Saved
) -> dict[str, Any]:
    return store.update(user.user_id, outfit_id, body.model_dump(exclude_unset=True))


@router.post("/outfits/{outfit_id:int}/worn")
def wear_outfit(outfit_id: OutfitId, user: User, store: Saved) -> dict[str, Any]:
    return store.worn(user.user_id, outfit_id)
