"""One user's data, read out for "Download my data" and written back by its import.

:func:`read_user` collects everything of one user (items, photos, outfits, wear log,
calendar, trips with checklists, conversations); :func:`write_user` stores such a
collection for a (new) user in the caller's transaction, giving every row a new id and
mapping the references between them (an outfit's items, a plan's wear, ...).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from aura.storage import changes, photos, wear
from aura.storage.changes import Space
from aura.storage.schema import (
    CalendarPlan,
    Conversation,
    ItemColor,
    ItemEmbedding,
    Message,
    Outfit,
    OutfitItem,
    Photo,
    Trip,
    TripItem,
    UserPhoto,
    WardrobeItem,
    Wear,
    WearItem,
)


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def read_user(
    s: Session,
    user_id: int,
    item_dict: Callable[[WardrobeItem], dict],
    vector_models: tuple[str, ...] = (),
) -> dict:
    """Everything of ``user_id``; ``vector_models``: the embedding models whose vectors go
    along (those that cannot be recomputed from the item's words: the photo's features)."""
    items = s.scalars(
        select(WardrobeItem).where(WardrobeItem.user_id == user_id).order_by(WardrobeItem.id)
    ).all()
    vectors = s.scalars(
        select(ItemEmbedding)
        .where(
            ItemEmbedding.user_id == user_id,
            ItemEmbedding.model_id.in_(vector_models),
            ItemEmbedding.deleted.is_(False),
            ItemEmbedding.vector.is_not(None),
        )
        .order_by(ItemEmbedding.item_id, ItemEmbedding.space)
    ).all()
    photo_rows = s.scalars(
        select(Photo)
        .join(UserPhoto, UserPhoto.sha256 == Photo.sha256)
        .where(UserPhoto.user_id == user_id)
        .order_by(Photo.sha256)
    ).all()
    outfits = []
    for o in s.scalars(select(Outfit).where(Outfit.user_id == user_id).order_by(Outfit.id)):
        ids = s.scalars(
            select(OutfitItem.item_id)
            .where(OutfitItem.outfit_id == o.id)
            .order_by(OutfitItem.position)
        ).all()
        outfits.append(
            {
                "id": o.id,
                "item_ids": list(ids),
                "occasion": o.occasion,
                "season": o.season,
                "weather": o.weather,
                "score": o.score,
                "rating": o.rating,
                "times_worn": o.times_worn,
                "favorite": o.favorite,
                "created_at": _iso(o.created_at),
            }
        )
    wears = s.scalars(select(Wear).where(Wear.user_id == user_id).order_by(Wear.id)).all()
    wear_items = wear.wear_item_ids(s, [w.id for w in wears])
    plans = s.scalars(
        select(CalendarPlan).where(CalendarPlan.user_id == user_id).order_by(CalendarPlan.id)
    ).all()
    trips = []
    for t in s.scalars(select(Trip).where(Trip.user_id == user_id).order_by(Trip.id)):
        checklist = s.execute(
            select(TripItem.item_id, TripItem.packed)
            .where(TripItem.trip_id == t.id)
            .order_by(TripItem.position)
        ).all()
        trips.append(
            {
                "id": t.id,
                "destination": t.destination,
                "start_date": t.start_date.isoformat(),
                "end_date": t.end_date.isoformat(),
                "days": t.days,
                "plan": t.plan,
                "checklist": [{"item_id": i, "packed": p} for i, p in checklist],
            }
        )
    conversations = []
    for c in s.scalars(
        select(Conversation).where(Conversation.user_id == user_id).order_by(Conversation.id)
    ):
        messages = s.scalars(
            select(Message).where(Message.conversation_id == c.id).order_by(Message.id)
        ).all()
        conversations.append(
            {
                "id": c.id,
                "title": c.title,
                "created_at": _iso(c.created_at),
                "messages": [
                    {
                        "role": m.role,
                        "content": m.content,
                        "prompt_tokens": m.prompt_tokens,
                        "completion_tokens": m.completion_tokens,
                        "latency_ms": m.latency_ms,
                        "meta": m.meta,
                        "created_at": _iso(m.created_at),
                    }
                    for m in messages
                ],
            }
        )
    return {
        "items": [item_dict(i) for i in items],
        "embeddings": [
            {
                "item_id": v.item_id,
                "model_id": v.model_id,
                "model_revision": v.model_revision,
                "dimension": v.dimension,
                "vector": base64.b64encode(v.vector or b"").decode("ascii"),
            }
            for v in vectors
        ],
        "photos": [(p.sha256, p.content_type, p.content) for p in photo_rows],
        "outfits": outfits,
        "wears": [
            {
                "id": w.id,
                "date": w.worn_on.isoformat(),
                "item_ids": wear_items[w.id],
                "outfit_id": w.outfit_id,
                "note": w.note,
            }
            for w in wears
        ],
        "calendar": [
            {
                "id": p.id,
                "date": p.plan_date.isoformat(),
                "occasion": p.occasion,
                "weather": p.weather,
                "weather_source": p.weather_source,
                "item_ids": list(p.item_ids or []),
                "note": p.note,
                "wear_id": p.wear_id,
            }
            for p in plans
        ],
        "trips": trips,
        "conversations": conversations,
    }


def write_user(
    s: Session,
    user_id: int,
    data: dict[str, Any],
    items: list[dict[str, Any]],
    vectors: np.ndarray,
    space: Space,
) -> dict[str, int]:
    """Store ``data`` (as :func:`read_user` shapes it; ``items`` validated, with their
    old ``id`` and text ``vectors``; ``data["embeddings"]`` validated: (old item id, space,
    vector)) for ``user_id``; returns counts of what was stored."""
    for _sha, content_type, content in data["photos"]:
        photos.put_photo(s, user_id, content, content_type)
    item_map: dict[int, int] = {}
    for n, fields in enumerate(items):
        row = WardrobeItem(
            user_id=user_id,
            category=fields["category"],
            pattern=fields.get("pattern"),
            description=fields.get("description", ""),
            attributes=fields.get("attributes", {}),
            image_sha256=fields.get("image_sha256"),
            source_photo_sha256=fields.get("source_photo_sha256"),
            bbox=fields.get("bbox"),
            source=fields.get("source") or "import",
            laundry=fields.get("laundry", "clean"),
            purchase_price=fields.get("purchase_price"),
            purchase_date=fields.get("purchase_date"),
        )
        row.color_rows = [ItemColor(color=c, position=p) for p, c in enumerate(fields["colors"])]
        s.add(row)
        s.flush()
        changes.upsert_embedding(s, space, row.id, user_id, vectors[n])
        item_map[fields["old_id"]] = row.id

    for old_id, other, vector in data.get("embeddings", []):
        if old_id in item_map:
            changes.upsert_embedding(s, other, item_map[old_id], user_id, vector)

    def mapped(ids: list[int]) -> list[int]:
        return [item_map[i] for i in ids if i in item_map]

    outfit_map: dict[int, int] = {}
    for o in data["outfits"]:
        ids = list(dict.fromkeys(mapped(o["item_ids"])))
        if not ids:
            continue
        row = Outfit(
            user_id=user_id,
            occasion=o.get("occasion"),
            season=o.get("season"),
            weather=o.get("weather"),
            score=o.get("score"),
            rating=o.get("rating"),
            times_worn=int(o.get("times_worn") or 0),
            favorite=bool(o.get("favorite")),
        )
        s.add(row)
        s.flush()
        s.add_all(
            OutfitItem(user_id=user_id, outfit_id=row.id, item_id=i, position=p)
            for p, i in enumerate(ids)
        )
        outfit_map[o["id"]] = row.id
    wear_map: dict[int, int] = {}
    for w in data["wears"]:
        ids = list(dict.fromkeys(mapped(w["item_ids"])))
        if not ids:
            continue
        row = Wear(
            user_id=user_id,
            worn_on=date.fromisoformat(w["date"]),
            outfit_id=outfit_map.get(w.get("outfit_id") or 0),
            note=w.get("note"),
        )
        s.add(row)
        s.flush()
        s.add_all(  # imported items are the importer's own
            WearItem(user_id=user_id, wear_id=row.id, item_id=i, item_user_id=user_id) for i in ids
        )
        wear_map[w["id"]] = row.id
    wear.refresh_stats(s, item_map.values())
    for p in data["calendar"]:
        s.add(
            CalendarPlan(
                user_id=user_id,
                plan_date=date.fromisoformat(p["date"]),
                occasion=p.get("occasion"),
                weather=p.get("weather"),
                weather_source=p.get("weather_source") or "none",
                item_ids=mapped(p.get("item_ids") or []),
                note=p.get("note"),
                wear_id=wear_map.get(p.get("wear_id") or 0),
            )
        )
    for t in data["trips"]:
        trip = Trip(
            user_id=user_id,
            destination=t["destination"],
            start_date=date.fromisoformat(t["start_date"]),
            end_date=date.fromisoformat(t["end_date"]),
            days=t["days"],
            plan=_remap_plan(t.get("plan") or {}, item_map),
        )
        s.add(trip)
        s.flush()
        seen: set[int] = set()
        for n, entry in enumerate(t.get("checklist") or []):
            new = item_map.get(entry["item_id"])
            if new is not None and new not in seen:
                seen.add(new)
                s.add(
                    TripItem(
                        user_id=user_id,
                        trip_id=trip.id,
                        item_id=new,
                        packed=bool(entry["packed"]),
                        position=n,
                    )
                )
    for c in data["conversations"]:
        conv = Conversation(user_id=user_id, title=c.get("title"))
        if c.get("created_at"):
            conv.created_at = _moment(c["created_at"])  # type: ignore[assignment]
        s.add(conv)
        s.flush()
        for m in c.get("messages") or []:
            msg = Message(
                user_id=user_id,
                conversation_id=conv.id,
                role=m["role"],
                content=m["content"],
                prompt_tokens=m.get("prompt_tokens"),
                completion_tokens=m.get("completion_tokens"),
                latency_ms=m.get("latency_ms"),
                meta=m.get("meta"),
            )
            if m.get("created_at"):
                msg.created_at = _moment(m["created_at"])  # type: ignore[assignment]
            s.add(msg)
    s.flush()
    return {
        "items": len(item_map),
        "embeddings": sum(1 for old_id, _, _ in data.get("embeddings", []) if old_id in item_map),
        "photos": len(data["photos"]),
        "outfits": len(outfit_map),
        "wears": len(wear_map),
        "calendar": len(data["calendar"]),
        "trips": len(data["trips"]),
        "conversations": len(data["conversations"]),
    }


def _remap_plan(plan: dict[str, Any], item_map: dict[int, int]) -> dict[str, Any]:
    """A trip's packing plan with its item ids mapped to the new ones."""

    def ids(values: list[int]) -> list[int]:
        return [item_map[i] for i in values if i in item_map]

    out = dict(plan)
    out["item_ids"] = ids(plan.get("item_ids") or [])
    out["wears"] = {
        str(item_map[int(k)]): v for k, v in (plan.get("wears") or {}).items() if int(k) in item_map
    }
    out["days"] = [
        {
            **d,
            "outfits": [
                {**o, "item_ids": ids(o.get("item_ids") or [])} for o in d.get("outfits") or []
            ],
        }
        for d in plan.get("days") or []
    ]
    return out
