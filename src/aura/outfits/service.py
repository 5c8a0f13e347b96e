"""Outfit recommendation for one user's wardrobe in the database (no HTTP here).

Every method takes the acting user's id and reads only that user's items: an id that is
not theirs is answered exactly like a missing one (:class:`~aura.errors.NotFound`, naming
the ids), so nobody learns what another user owns. The scorer is whatever start-up loaded
(``"rules"`` until a trained model exists); every result names it. Recommendations take
the user's feedback on saved outfits into account (:mod:`aura.outfits.preferences`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aura.errors import InvalidInput, NotFound
from aura.outfits import adapter
from aura.outfits.preferences import FeedbackScorer, Preferences
from aura.outfits.recommend import recommend
from aura.outfits.scorer import Context, OutfitScorer, ScoreResult, WardrobeItem
from aura.storage import photos
from aura.storage.db import Database
from aura.storage.schema import WardrobeItem as ItemRow

if TYPE_CHECKING:
    from aura.outfits.vectors import OutfitVectors

LIST_FIX = "GET /api/v1/wardrobe/items lists your items."
# Ids are INTEGER columns: PostgreSQL refuses to even compare with a larger number, and
# such a row cannot exist, so larger ids are answered as missing without a query.
ROW_ID_MAX = 2**31 - 1


def result_dict(result: ScoreResult) -> dict[str, Any]:
    return {
        "score": result.score,
        "scorer": result.scorer,
        "explanation": result.explanation,
        "parts": result.parts,
    }


class OutfitService:
    def __init__(
        self, db: Database, scorer: OutfitScorer, vectors: OutfitVectors | None = None
    ) -> None:
        self.db, self.scorer, self.vectors = db, scorer, vectors
        self._features = None
        extractor = getattr(scorer, "extractor", None)  # a trained model reads image features
        if extractor is not None:
            from aura.outfits.item_features import ItemImageFeatures

            self._features = ItemImageFeatures(extractor)

    # ---- reading the wardrobe ----------------------------------------------------------

    def owned_rows(self, s: Session, user_id: int, ids: Sequence[int]) -> list[ItemRow]:
        """The user's items with these ids, in order; NotFound names any that are not."""
        if len(set(ids)) != len(ids):
            raise InvalidInput("An item id appears twice.", fix="List each item once.")
        found = {
            r.id: r
            for r in s.scalars(
                select(ItemRow).where(
                    ItemRow.user_id == user_id, ItemRow.id.in_([i for i in ids if i <= ROW_ID_MAX])
                )
            )
        }
        missing = [i for i in ids if i not in found]
        if missing:
            raise NotFound(f"No wardrobe item {', '.join(map(str, missing))}.", fix=LIST_FIX)
        return [found[i] for i in ids]

    def _all_rows(self, s: Session, user_id: int) -> list[ItemRow]:
        return self._available_rows(s, user_id)[0]

    def _available_rows(self, s: Session, user_id: int) -> tuple[list[ItemRow], dict[int, str]]:
        """issue 17 (wardrobe life): the user's rows without the items that are not clean
        or are resting after a recent wear, and why each of those was left out."""
        from aura.wardrobe.wear import available_rows

        rows = list(s.scalars(select(ItemRow).where(ItemRow.user_id == user_id)))
        return available_rows(s, user_id, rows)

    def _items(self, s: Session, user_id: int, rows: Sequence[ItemRow]) -> list[WardrobeItem]:
        if self._features is None:
            return [adapter.to_wardrobe_item(r) for r in rows]

        def photo(sha: str) -> bytes | None:
            found = photos.get_photo(s, user_id, sha)
            return found.content if found is not None else None

        images = self._features.get(rows, photo)
        items = [adapter.to_wardrobe_item(r, images[r.id]) for r in rows]
        # the text the model reads: as OutfitInference would compute it, but kept
        texts = self._features.text(rows, [i.title or i.category for i in items])
        return [replace(i, text_features=texts[r.id]) for r, i in zip(rows, items, strict=True)]

    def _load(self, user_id: int, ids: Sequence[int]) -> tuple[list[ItemRow], list[WardrobeItem]]:
        """The user's items with these ids that exist now (in order), as rows and items."""
        with self.db.session() as s:
            found = {
                r.id: r
                for r in s.scalars(
                    select(ItemRow).where(ItemRow.user_id == user_id, ItemRow.id.in_(ids))
                )
            }
            rows = [found[i] for i in ids if i in found]
            return rows, self._items(s, user_id, rows)

    # ---- the three computations ------------------------------------------------------

    def compatibility(self, user_id: int, ids: Sequence[int], context: Context) -> dict[str, Any]:
        with self.db.session() as s:
            rows = self.owned_rows(s, user_id, ids)
            items = self._items(s, user_id, rows)
        return {"item_ids": list(ids), **result_dict(self.scorer.score(items, context))}

    def recommend(
        self,
        user_id: int,
        context: Context,
        *,
        seed_ids: Sequence[int] = (),
        target_categories: Sequence[str] = (),
        k: int = 5,
    ) -> dict[str, Any]:
        with self.db.session() as s:
            seeds = self.owned_rows(s, user_id, seed_ids)
            kept, left_out = self._available_rows(s, user_id)  # issue 17: was _all_rows
            rows = {r.id: r for r in [*kept, *seeds]}  # a seed the user chose stays
            wardrobe = self._items(s, user_id, list(rows.values()))
            preferences = Preferences.load(s, user_id)
        by_id = {adapter.db_id(i): i for i in wardrobe}
        seed_items = [by_id[r.id] for r in seeds]
        extra = [adapter.semantic_category(c) for c in target_categories]
        scorer = FeedbackScorer(self.scorer, preferences) if preferences else self.scorer
        found = recommend(scorer, wardrobe, context, k, seeds=seed_items, target_categories=extra)
        return {
            "scorer": self.scorer.name,
            "outfits": [
                {
                    "item_ids": [adapter.db_id(i) for i in rec.items],
                    "items": [adapter.summary(rows[adapter.db_id(i)]) for i in rec.items],
                    **result_dict(rec.result),
                }
                for rec in found
            ],
            # issue 17 (wardrobe life): the items _all_rows left out, and why
            "left_out": [{"item_id": i, "reason": why} for i, why in sorted(left_out.items())],
        }

    def complete(
        self, user_id: int, ids: Sequence[int], target: str, k: int, context: Context
    ) -> dict[str, Any]:
        """The best ``k`` of the user's items of ``target`` for the partial outfit ``ids``.

        ``target`` is a wardrobe category ("sneakers": only those) or a semantic one
        ("shoes": every kind of shoe). With a trained model, the candidates' vectors are
        kept in the model's retrieval space (computed here if missing or stale) and the
        target-item embedding's nearest ``3k`` of them, searched through the space's index
        among the user's items of that category, are re-scored by compatibility."""
        target = target.strip().lower()
        semantic = adapter.semantic_category(target)
        with self.db.session() as s:
            partial_rows = self.owned_rows(s, user_id, ids)
            partial = self._items(s, user_id, partial_rows)
            # ids and versions only: a large wardrobe's rows are loaded for the shortlist
            taken = set(ids)
            versions = {
                item_id: updated_at
                for item_id, category, updated_at in s.execute(
                    select(ItemRow.id, ItemRow.category, ItemRow.updated_at).where(
                        ItemRow.user_id == user_id
                    )
                )
                if item_id not in taken
                and (category == target or adapter.semantic_category(category) == target)
            }
        retrieval: dict[str, Any] | None = None
        shortlist = max(k, 1) * 3
        if self.vectors is not None and versions:  # the model's retrieval space, indexed
            computed = self.vectors.ensure(versions, lambda todo: self._load(user_id, todo))
            query = self.scorer.target_embedding(partial, semantic)  # type: ignore[attr-defined]
            hits = self.vectors.nearest(query, list(versions), shortlist)
            rows, pool = self._load(user_id, [i for i, _ in hits])  # rows that exist now
            retrieval = {
                "space": self.vectors.space.key,
                "vectors_computed": computed,
                "candidates": len(pool),
            }
        else:
            rows, pool = self._load(user_id, list(versions))
            complete = getattr(self.scorer, "complete", None)
            if complete is not None and pool:  # in memory, when no index was given
                same = [_as(c, semantic) for c in pool]
                pool = [c for c, _ in complete(partial, semantic, same, shortlist)]
        by_id = {r.id: r for r in rows}
        # the category filter above chose them all: one category for the scorer
        pool = [_as(c, semantic) for c in pool]
        results = self.scorer.score_many([[*partial, c] for c in pool], context)
        ranked = sorted(
            zip(pool, results, strict=True), key=lambda p: (-p[1].score, adapter.db_id(p[0]))
        )
        out = {
            "scorer": self.scorer.name,
            "target_category": target,
            "results": [
                {"item": adapter.summary(by_id[adapter.db_id(c)]), **result_dict(r)}
                for c, r in ranked[:k]
            ],
        }
        if retrieval is not None:
            out["retrieval"] = retrieval
        return out


def _as(item: WardrobeItem, category: str) -> WardrobeItem:
    return item if item.category == category else replace(item, category=category)
