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
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aura.errors import InvalidInput, NotFound
from aura.outfits import adapter
from aura.outfits.gaps import ARCHETYPES, Archetype, context_dict
from aura.outfits.gaps import gaps as gap_search
from aura.outfits.preferences import FeedbackScorer, Preferences
from aura.outfits.recommend import recommend
from aura.outfits.scorer import Context, OutfitScorer, ScoreResult, WardrobeItem
from aura.storage import photos
from aura.storage.db import Database
from aura.storage.schema import ItemColor
from aura.storage.schema import WardrobeItem as ItemRow
from aura.taxonomy.resolver import Taxonomy
from aura.taxonomy.slots import Slot

if TYPE_CHECKING:
    from aura.outfits.vectors import OutfitVectors

LIST_FIX = "GET /api/v1/wardrobe/items lists your items."
# Ids are INTEGER columns: PostgreSQL refuses to even compare with a larger number, and
# such a row cannot exist, so larger ids are answered as missing without a query.
ROW_ID_MAX = 2**31 - 1
# what gaps are asked for when no context is given: everyday, work, and cold rain
DEFAULT_GAP_CONTEXTS = (
    Context(occasion="casual"),
    Context(occasion="work"),
    Context(season="autumn", temperature_c=8, raining=True),
)
ARCHETYPE_TIME = datetime(2000, 1, 1, tzinfo=UTC)


def result_dict(result: ScoreResult) -> dict[str, Any]:
    return {
        "score": result.score,
        "scorer": result.scorer,
        "explanation": result.explanation,
        "parts": result.parts,
    }


class OutfitService:
    def __init__(
        self,
        db: Database,
        scorer: OutfitScorer,
        vectors: OutfitVectors | None = None,
        taxonomy: Taxonomy | None = None,
    ) -> None:
        self.db, self.scorer, self.vectors = db, scorer, vectors
        self.taxonomy = taxonomy if taxonomy is not None else Taxonomy()  # words only
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

    def _owned_rows(self, s: Session, user_id: int) -> list[ItemRow]:
        """Every item the user owns, wherever it is (the wardrobe gaps count them all)."""
        return list(s.scalars(select(ItemRow).where(ItemRow.user_id == user_id)))

    def _all_rows(self, s: Session, user_id: int) -> list[ItemRow]:
        return self._available_rows(s, user_id)[0]

    def _available_rows(self, s: Session, user_id: int) -> tuple[list[ItemRow], dict[int, str]]:
        """The rows an outfit may use today: without the items that are not clean or are
        resting after a recent wear, and why each of those was left out."""
        from aura.wardrobe.wear import available_rows

        return available_rows(s, user_id, self._owned_rows(s, user_id))

    def _items(self, s: Session, user_id: int, rows: Sequence[ItemRow]) -> list[WardrobeItem]:
        if self._features is None:
            return [adapter.to_wardrobe_item(r, taxonomy=self.taxonomy) for r in rows]

        def photo(sha: str) -> bytes | None:
            found = photos.get_photo(s, user_id, sha)
            return found.content if found is not None else None

        images = self._features.get(rows, photo)
        items = [adapter.to_wardrobe_item(r, images[r.id], taxonomy=self.taxonomy) for r in rows]
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
        """Up to ``k`` distinct outfits (:mod:`aura.outfits.recommend`), what is missing
        (slots) and a message saying so; no outfit at all only when no core exists."""
        with self.db.session() as s:
            seeds = self.owned_rows(s, user_id, seed_ids)
            kept, left_out = self._available_rows(s, user_id)
            rows = {r.id: r for r in [*kept, *seeds]}  # a seed the user chose stays
            wardrobe = self._items(s, user_id, list(rows.values()))
            preferences = Preferences.load(s, user_id)
        by_id = {adapter.db_id(i): i for i in wardrobe}
        seed_items = [by_id[r.id] for r in seeds]
        targets = [self.taxonomy.slot(c) for c in target_categories]
        unknown = [c for c, t in zip(target_categories, targets, strict=True) if t is Slot.OTHER]
        if unknown:
            raise InvalidInput(
                f"target_categories: {', '.join(map(repr, unknown))} is no kind of garment the "
                "taxonomy knows.",
                fix="Use a garment word (top, t-shirt, shoes, coat...): "
                "GET /api/v1/wardrobe/taxonomy lists them.",
            )
        scorer = FeedbackScorer(self.scorer, preferences) if preferences else self.scorer
        found = recommend(scorer, wardrobe, context, k, seeds=seed_items, target_slots=targets)
        slots = {adapter.db_id(i): i.slot for i in wardrobe}
        return {
            "scorer": self.scorer.name,
            "outfits": [
                {
                    "item_ids": [adapter.db_id(i) for i in rec.items],
                    "items": [self._summary(rows[adapter.db_id(i)], slots) for i in rec.items],
                    **result_dict(rec.result),
                    "notes": rec.notes,
                }
                for rec in found.outfits
            ],
            "missing": [str(m) for m in found.missing],
            "message": found.message,
            # the items left out (in the wash, lent out, resting after a wear), and why
            "left_out": [{"item_id": i, "reason": why} for i, why in sorted(left_out.items())],
        }

    def gaps(self, user_id: int, contexts: Sequence[Context], k: int = 5) -> dict[str, Any]:
        """Which one new item would unlock most new good outfits over ``contexts``
        (:mod:`aura.outfits.gaps`); no context given: :data:`DEFAULT_GAP_CONTEXTS`."""
        contexts = list(contexts) or list(DEFAULT_GAP_CONTEXTS)
        with self.db.session() as s:
            wardrobe = self._items(s, user_id, self._owned_rows(s, user_id))
            candidates = self._archetype_items(s, user_id)
        found = gap_search(self.scorer, wardrobe, contexts, k, candidates=candidates)
        return {
            "scorer": self.scorer.name,
            "gaps": found,
            "contexts": [context_dict(c) for c in contexts],
        }

    def _archetype_items(self, s: Session, user_id: int) -> list[tuple[Archetype, WardrobeItem]]:
        """The archetypes as items the scorer can read (a model needs their features):
        unsaved rows with negative ids, never written."""
        if self._features is None:
            return [(a, a.item()) for a in ARCHETYPES]
        rows = []
        for n, a in enumerate(ARCHETYPES, start=1):
            row = ItemRow(
                id=-n,
                user_id=user_id,
                category=a.category,
                description="",
                attributes={
                    "formality": a.formality,
                    "warmth": a.warmth,
                    "waterproof": a.waterproof,
                },
                updated_at=ARCHETYPE_TIME,
            )
            row.color_rows = [ItemColor(color=a.colour, position=0)]
            rows.append(row)
        items = self._items(s, user_id, rows)
        return list(zip(ARCHETYPES, items, strict=True))

    def _summary(self, row: ItemRow, slots: dict[int, Any]) -> dict[str, Any]:
        out = adapter.summary(row)
        out["slot"] = str(slots.get(row.id, out["slot"]))
        return out

    def complete(
        self, user_id: int, ids: Sequence[int], target: str, k: int, context: Context
    ) -> dict[str, Any]:
        """The best ``k`` of the user's items of ``target``'s slot for the partial outfit
        ``ids``. ``target`` is any word ("shoes", "sneakers", "t-shirt", "top"): it resolves
        to a slot (the taxonomy, with the text embedding where one is at hand), and every
        item of that slot is a candidate. With a trained model, the candidates' vectors are
        kept in the model's retrieval space (computed here if missing or stale) and the
        target-item embedding's nearest ``3k`` of them, searched through the space's index
        among the user's items of that slot, are re-scored by compatibility."""
        target = target.strip().lower()
        slot = self.taxonomy.slot(target)
        with self.db.session() as s:
            partial_rows = self.owned_rows(s, user_id, ids)
            partial = self._items(s, user_id, partial_rows)
            # ids and versions only: a large wardrobe's rows are loaded for the shortlist
            taken = set(ids)
            listed = [
                (item_id, category, updated_at)
                for item_id, category, updated_at in s.execute(
                    select(ItemRow.id, ItemRow.category, ItemRow.updated_at).where(
                        ItemRow.user_id == user_id
                    )
                )
                if item_id not in taken
            ]
        versions = {i: at for i, category, at in listed if self.taxonomy.slot(category) is slot}
        retrieval: dict[str, Any] | None = None
        shortlist = max(k, 1) * 3
        if self.vectors is not None and versions:  # the model's retrieval space, indexed
            computed = self.vectors.ensure(versions, lambda todo: self._load(user_id, todo))
            query = self.scorer.target_embedding(partial, str(slot))  # type: ignore[attr-defined]
            hits = self.vectors.nearest(query, list(versions), shortlist, user_id=user_id)
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
                pool = [c for c, _ in complete(partial, str(slot), pool, shortlist)]
        by_id = {r.id: r for r in rows}
        slots = {adapter.db_id(c): c.slot for c in pool}
        results = self.scorer.score_many([[*partial, c] for c in pool], context)
        ranked = sorted(
            zip(pool, results, strict=True), key=lambda p: (-p[1].score, adapter.db_id(p[0]))
        )
        out = {
            "scorer": self.scorer.name,
            "target_category": target,
            "target_slot": str(slot),
            "results": [
                {"item": self._summary(by_id[adapter.db_id(c)], slots), **result_dict(r)}
                for c, r in ranked[:k]
            ],
        }
        if retrieval is not None:
            out["retrieval"] = retrieval
        return out
