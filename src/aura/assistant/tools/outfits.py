"""Outfit tools over :class:`~aura.outfits.service.OutfitService` (recommend, complete,
gaps) and :class:`~aura.outfits.saved.SavedOutfits` (saved outfits, feedback; the writes
are opt-in). Items in results are the caller's own (the services read only theirs; this
layer keeps only ids that are in the session's wardrobe)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from aura.assistant.tools.base import Args, Tool, ToolError, ToolSession
from aura.assistant.tools.context import RequestContextView
from aura.assistant.tools.items import ItemView
from aura.assistant.tools.wardrobe import ContextArgs, context_of
from aura.outfits.scorer import Context


class OutfitView(BaseModel):
    item_ids: list[int]
    items: list[ItemView]
    score: float | None = None
    explanation: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    id: int | None = Field(None, description="A saved outfit's id")
    rating: int | None = None
    favorite: bool | None = None
    times_worn: int | None = None
    occasion: str | None = None


class RecommendArgs(ContextArgs):
    seed_item_ids: list[int] = Field(default_factory=list, max_length=6)
    target_categories: list[str] = Field(default_factory=list, max_length=4)
    k: int = Field(3, ge=1, le=10)


class Outfits(BaseModel):
    outfits: list[OutfitView]
    scorer: str | None = None
    missing: list[str] = Field(default_factory=list)
    message: str | None = None
    context: RequestContextView | None = None


def _outfit(session: ToolSession, raw: dict[str, Any]) -> OutfitView | None:
    items = session.own(raw.get("item_ids") or [i.get("id") for i in raw.get("items", [])])
    if not items:
        return None
    notes = raw.get("notes") or []
    return OutfitView(
        item_ids=[i.id for i in items],
        items=items,
        score=raw.get("score"),
        explanation=[str(e) for e in raw.get("explanation") or []],
        notes=[str(n) for n in notes] if isinstance(notes, list) else [str(notes)],
        id=raw.get("id"),
        rating=raw.get("rating"),
        favorite=raw.get("favorite"),
        times_worn=raw.get("times_worn"),
        occasion=raw.get("occasion"),
    )


def recommend_outfits(session: ToolSession, args: RecommendArgs) -> Outfits:
    ctx_view = context_of(session, args)
    seeds = [i.id for i in session.own(args.seed_item_ids)]
    if len(seeds) != len(args.seed_item_ids):
        raise ToolError("A seed item is not one of yours.", fix="Use ids from search_items.")
    found = session.deps.outfit_service().recommend(
        session.user_id,
        ctx_view.outfit_context(),
        seed_ids=seeds,
        target_categories=args.target_categories,
        k=args.k,
    )
    outfits = [o for o in (_outfit(session, r) for r in found.get("outfits", [])) if o]
    return Outfits(
        outfits=outfits,
        scorer=found.get("scorer"),
        missing=[str(m) for m in found.get("missing") or []],
        message=found.get("message"),
        context=ctx_view,
    )


class CompleteArgs(ContextArgs):
    item_ids: list[int] = Field(..., min_length=1, max_length=6)
    target: str = Field(..., max_length=50, description="What to add: a slot or garment word")
    k: int = Field(3, ge=1, le=10)


class Completion(BaseModel):
    target: str
    items: list[ItemView]
    explanations: dict[int, list[str]]


def complete_outfit(session: ToolSession, args: CompleteArgs) -> Completion:
    partial = [i.id for i in session.own(args.item_ids)]
    if len(partial) != len(args.item_ids):
        raise ToolError("An item is not one of yours.", fix="Use ids from search_items.")
    found = session.deps.outfit_service().complete(
        session.user_id, partial, args.target, args.k, context_of(session, args).outfit_context()
    )
    results = found.get("results", [])
    items = session.own(r["item"]["id"] for r in results)
    explanations = {int(r["item"]["id"]): [str(e) for e in r.get("explanation") or []]
                    for r in results}  # fmt: skip
    return Completion(
        target=str(found.get("target_category", args.target)),
        items=items,
        explanations={i.id: explanations.get(i.id, []) for i in items},
    )


class GapsArgs(Args):
    contexts: list[ContextArgs] = Field(default_factory=list, max_length=8)
    k: int = Field(5, ge=1, le=10)


class Gap(BaseModel):
    slot: str
    colour_family: str | None = None
    formality: Any = None
    warmth: Any = None
    waterproof: bool | None = None
    unlocks: Any = None
    reason: str = ""


class Gaps(BaseModel):
    gaps: list[Gap]


def wardrobe_gaps(session: ToolSession, args: GapsArgs) -> Gaps:
    service = session.deps.outfit_service()
    gaps = getattr(service, "gaps", None)
    if gaps is None:
        raise ToolError(
            "This version of the outfit service cannot list gaps yet.",
            fix="Update Aura (OutfitService.gaps).",
        )
    contexts: list[Context] = [context_of(session, c).outfit_context() for c in args.contexts]
    if not contexts:
        contexts = [session.context.outfit_context()]
    found = gaps(session.user_id, contexts, k=args.k)
    return Gaps(gaps=[Gap(**{k: v for k, v in g.items() if k in Gap.model_fields})
                      for g in found.get("gaps", [])])  # fmt: skip


class SavedArgs(Args):
    favorite: bool | None = None
    limit: int = Field(10, ge=1, le=50)


def saved_outfits(session: ToolSession, args: SavedArgs) -> Outfits:
    found = session.deps.saved().list(session.user_id, favorite=args.favorite, limit=args.limit)
    outfits = [o for o in (_outfit(session, r) for r in found.get("outfits", [])) if o]
    return Outfits(outfits=outfits)


class SaveArgs(ContextArgs):
    item_ids: list[int] = Field(..., min_length=1, max_length=8)
    favorite: bool = False


class Saved(BaseModel):
    outfit: OutfitView


def save_outfit(session: ToolSession, args: SaveArgs) -> Saved:
    mine = session.own(args.item_ids)
    if len(mine) != len(args.item_ids):
        raise ToolError("An item is not one of yours.", fix="Use ids from search_items.")
    found = session.deps.saved().save(
        session.user_id, [i.id for i in mine], context_of(session, args).outfit_context(),
        args.favorite,
    )  # fmt: skip
    outfit = _outfit(session, found)
    assert outfit is not None
    return Saved(outfit=outfit)


class FeedbackArgs(Args):
    outfit_id: int
    rating: int | None = Field(None, ge=1, le=5)
    worn: bool = False
    comment: str | None = Field(None, max_length=1000)


def outfit_feedback(session: ToolSession, args: FeedbackArgs) -> Saved:
    found = session.deps.saved().feedback(
        session.user_id, args.outfit_id, rating=args.rating, worn=args.worn, comment=args.comment
    )
    outfit = _outfit(session, found["outfit"])
    if outfit is None:
        raise ToolError(f"Saved outfit {args.outfit_id} has no items left.")
    return Saved(outfit=outfit)


TOOLS = [
    Tool(
        "recommend_outfits",
        "Whole outfits from the caller's wardrobe for a context (occasion, temperature, rain, "
        "season), optionally built around seed items; each with its score and reasons.",
        RecommendArgs,
        recommend_outfits,
    ),
    Tool(
        "complete_outfit",
        "The caller's items of a target kind (a slot or a garment word) that best complete "
        "the given items.",
        CompleteArgs,
        complete_outfit,
    ),
    Tool(
        "wardrobe_gaps",
        "What kind of piece the wardrobe lacks for the given contexts, and what it would unlock.",
        GapsArgs,
        wardrobe_gaps,
    ),
    Tool(
        "saved_outfits",
        "The caller's saved outfits (optionally favourites).",
        SavedArgs,
        saved_outfits,
    ),
    Tool("save_outfit", "Save an outfit of the caller's items.", SaveArgs, save_outfit, True),
    Tool(
        "outfit_feedback",
        "Rate a saved outfit (1-5) and/or record that it was worn.",
        FeedbackArgs,
        outfit_feedback,
        True,
    ),
]
