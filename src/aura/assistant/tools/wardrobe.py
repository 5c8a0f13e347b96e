"""Wardrobe tools: search (hybrid), count, describe, item details, compare, choose for a
context. Each reads the session's user's items only."""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel, Field

from aura.assistant.tools.base import Args, Tool, ToolError, ToolSession
from aura.assistant.tools.context import RequestContextView
from aura.assistant.tools.items import ItemView
from aura.assistant.tools.retrieval import Filters, apply, hybrid
from aura.outfits import rules
from aura.outfits.scorer import Context, WardrobeItem
from aura.taxonomy import Slot


class FilterArgs(Args, Filters):
    pass


class SearchArgs(FilterArgs):
    query: str | None = Field(None, max_length=500, description="Free text, e.g. 'warm wool'")
    limit: int = Field(10, ge=1, le=100)


class ItemsResult(BaseModel):
    items: list[ItemView]
    total: int = Field(description="How many items matched (before the limit)")
    filters: dict = Field(default_factory=dict)
    relaxed: bool = Field(False, description="True when no item matched every filter")


class CountResult(BaseModel):
    count: int
    items: list[ItemView]
    filters: dict = Field(default_factory=dict)


def _filters(args: Filters) -> Filters:
    return Filters(**{k: v for k, v in args.model_dump().items() if k in Filters.model_fields})


def search_items(session: ToolSession, args: SearchArgs) -> ItemsResult:
    filters = _filters(args)
    items = session.items()
    pool = apply(items, filters)
    relaxed = False
    for looser in filters.relaxations() if not pool and not filters.empty() else []:
        pool, relaxed = apply(items, looser), True
        if pool:
            break
    if args.query:
        dense_fn = session.deps.dense()
        dense = (
            [i for i, _ in dense_fn(session.user_id, args.query, len(items))] if dense_fn else []
        )
        pool = hybrid(pool, args.query, dense)
    shown = filters.model_dump(exclude_none=True)
    return ItemsResult(items=pool[: args.limit], total=len(pool), filters=shown, relaxed=relaxed)


def count_items(session: ToolSession, args: FilterArgs) -> CountResult:
    filters = _filters(args)
    found = apply(session.items(), filters)
    return CountResult(count=len(found), items=found, filters=filters.model_dump(exclude_none=True))


class NoArgs(Args):
    pass


class Description(BaseModel):
    total: int
    by_slot: dict[str, int]
    by_colour_family: dict[str, int]
    by_occasion: dict[str, int]


def describe_wardrobe(session: ToolSession, _args: NoArgs) -> Description:
    items = session.items()
    return Description(
        total=len(items),
        by_slot=dict(Counter(i.slot for i in items).most_common()),
        by_colour_family=dict(Counter(f for i in items for f in i.colour_families).most_common()),
        by_occasion=dict(Counter(o for i in items for o in i.occasions).most_common()),
    )


class ItemArgs(Args):
    item_id: int = Field(..., description="An item id from another tool's result")


class ItemResult(BaseModel):
    item: ItemView


def get_item(session: ToolSession, args: ItemArgs) -> ItemResult:
    found = session.own([args.item_id])
    if not found:
        raise ToolError(
            f"No wardrobe item {args.item_id}.", fix="search_items lists the ids of your items."
        )
    return ItemResult(item=found[0])


class CompareArgs(Args):
    item_ids: list[int] = Field(..., min_length=2, max_length=6)


class Comparison(BaseModel):
    items: list[ItemView]
    warmest: int | None = None
    most_formal: int | None = None
    waterproof: list[int] = Field(default_factory=list)


def compare_items(session: ToolSession, args: CompareArgs) -> Comparison:
    items = session.own(args.item_ids)
    if len(items) < 2:
        raise ToolError(
            "Compare needs two of your items.", fix="search_items lists the ids of your items."
        )
    warm = [i for i in items if i.warmth is not None]
    return Comparison(
        items=items,
        warmest=max(warm, key=lambda i: i.warmth or 0.0).id if warm else None,
        most_formal=max(items, key=lambda i: i.formality).id,
        waterproof=[i.id for i in items if i.waterproof],
    )


class ContextArgs(Args):
    occasion: str | None = Field(None, max_length=100)
    season: str | None = Field(None, max_length=20)
    temperature_c: float | None = Field(None, ge=-60, le=60)
    raining: bool | None = None


class ChooseArgs(ContextArgs, FilterArgs):
    limit: int = Field(3, ge=1, le=20)


class Choice(BaseModel):
    items: list[ItemView]
    reasons: dict[int, list[str]]
    context: RequestContextView


def context_of(session: ToolSession, args: ContextArgs) -> RequestContextView:
    """The session's context with any field the arguments give overriding it."""
    patch = {
        k: v
        for k, v in {
            "occasion": args.occasion,
            "season": args.season,
            "temperature_c": args.temperature_c,
            "raining": args.raining,
        }.items()
        if v is not None
    }
    return session.context.model_copy(update=patch)


def _scorer_item(item: ItemView) -> WardrobeItem:
    return WardrobeItem(
        item_id=str(item.id),
        category=item.category,
        slot=Slot(item.slot),
        waterproof=item.waterproof,
        title=" ".join([item.description, *item.colors, item.pattern or "", item.category]),
        colour=item.colors[0] if item.colors else None,
        formality=item.formality,
        warmth=item.warmth,
        seasons=frozenset(item.seasons),
    )


def _reasons(item: ItemView, ctx: Context, given: RequestContextView) -> list[str]:
    """Why an item suits the context, from what the user gave (never a guessed number)."""
    out = []
    if ctx.raining and item.waterproof:
        out.append("keeps the rain out")
    temp = given.temperature_c
    said = given.temperature_word and f"{given.temperature_word} weather"
    if temp is not None and item.warmth is not None:
        if temp < 12 and item.warmth >= 0.6:
            out.append(f"is warm enough for {said or f'{temp:g} °C'}")
        elif temp > 22 and item.warmth <= 0.3:
            out.append(f"is light enough for {said or f'{temp:g} °C'}")
    if ctx.occasion and ctx.occasion in item.occasions:
        out.append(f"is meant for {ctx.occasion}")
    elif ctx.occasion in ("work", "formal") and item.formality >= 0.6:
        out.append("is smart enough for the occasion")
    return out


def choose_items(session: ToolSession, args: ChooseArgs) -> Choice:
    """The caller's items matching the filters, best for the context first (the outfit
    rules' per-item fit: occasion formality, warmth for the temperature, rain)."""
    ctx_view = context_of(session, args)
    ctx = ctx_view.outfit_context()
    filters = _filters(args)
    pool = apply(session.items(), filters)
    for looser in filters.relaxations() if not pool and not filters.empty() else []:
        pool = apply(session.items(), looser)
        if pool:
            break
    fit = rules.RulesScorer().item_fit
    temp = rules.wanted_temperature(ctx)

    def score(item: ItemView) -> float:
        value = fit(_scorer_item(item), ctx)
        if item.waterproof and ctx_view.raining:
            value += 0.5
        elif item.waterproof and ctx_view.snowing:
            value += 0.2
        if temp is not None and temp < 8 and item.warmth is not None:
            value += 0.6 * item.warmth
        if ctx.occasion and ctx.occasion in item.occasions:
            value += 0.2
        return value

    ranked = sorted(pool, key=lambda i: (-score(i), i.id))[: args.limit]
    return Choice(
        items=ranked, reasons={i.id: _reasons(i, ctx, ctx_view) for i in ranked}, context=ctx_view
    )


def get_context(session: ToolSession, _args: NoArgs) -> RequestContextView:
    return session.context


TOOLS = [
    Tool(
        "search_items",
        "Find the caller's wardrobe items by free text and/or exact filters (slot, category, "
        "colour family, pattern, occasion, season, waterproof), best match first.",
        SearchArgs,
        search_items,
    ),
    Tool(
        "count_items",
        "Count the caller's items matching exact filters (slot, category, colour family, ...).",
        FilterArgs,
        count_items,
    ),
    Tool(
        "describe_wardrobe",
        "The wardrobe in numbers: items per slot, colour family and occasion.",
        NoArgs,
        describe_wardrobe,
    ),
    Tool("get_item", "One item's details by id.", ItemArgs, get_item),
    Tool(
        "compare_items",
        "Compare two or more items: warmth, formality, waterproof.",
        CompareArgs,
        compare_items,
    ),
    Tool(
        "choose_items",
        "The caller's items (optionally filtered, e.g. slot outerwear) ranked for a context: "
        "occasion, temperature, rain, season.",
        ChooseArgs,
        choose_items,
    ),
    Tool(
        "get_context",
        "The request's context as the user or client gave it: occasion, date, weather.",
        NoArgs,
        get_context,
    ),
]
