"""Inference with a trained OutfitTransformer on plain items (the ``"outfit_transformer"`` scorer).

* :meth:`OutfitInference.compatibility` — one outfit of 2–8 items → probability;
* :meth:`OutfitInference.complete` — partial outfit + target category → the k nearest
  candidates in the model's retrieval space (the target-item embedding against item
  embeddings, kept in memory here; for database wardrobe items they are stored in the
  embedding table under :attr:`space` and searched through its vector index:
  :mod:`aura.outfits.vectors`);
* :meth:`OutfitInference.score` — the scorer interface: compatibility blended with the
  context fit (occasion × season and weather) from the rules, because the model itself was
  trained on outfits with no context.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from aura.errors import ModelMissing
from aura.outfits import rules
from aura.outfits.artifact import WEIGHTS, load_model_artifact
from aura.outfits.batching import MAX_ITEMS, pad_outfits
from aura.outfits.features import FeatureExtractor, ItemFeatures, get_extractor
from aura.outfits.model import OutfitTransformer
from aura.outfits.polyvore import Item
from aura.outfits.scorer import Context, OutfitScorer, ScoreResult, WardrobeItem
from aura.storage.changes import Space
from aura.taxonomy.slots import Slot, slot_of

NAME = "outfit_transformer"
MODEL_ID = "aura-outfit-transformer"  # the retrieval space's model id; revision = weights sha
CONTEXT_WEIGHT = 0.5  # share of the context fit (occasion × weather) in the score
# The model was trained on Polyvore's semantic categories: a slot is named to it by these.
POLYVORE_CATEGORY = {
    Slot.TOP: "tops",
    Slot.BOTTOM: "bottoms",
    Slot.ONE_PIECE: "all-body",
    Slot.OUTERWEAR: "outerwear",
    Slot.SHOES: "shoes",
    Slot.BAG: "bags",
    Slot.ACCESSORY: "accessories",
    Slot.OTHER: "accessories",
}


def polyvore_category(target: str) -> str:
    """The Polyvore category the model knows for a slot or any category word."""
    return POLYVORE_CATEGORY[slot_of(target)]


class OutfitInference:
    name = NAME

    def __init__(self, model: OutfitTransformer, config: dict[str, Any], model_id: str) -> None:
        self.model = model.eval()
        self.config = config
        self.model_id = model_id  # the weights' sha256: a new model is a new revision
        self._extractor: FeatureExtractor | None = None
        self._embeddings: dict[str, np.ndarray] = {}

    @classmethod
    def load(cls, directory: Path) -> OutfitInference:
        model, config, manifest = load_model_artifact(directory)
        return cls(model, config, manifest["files"][WEIGHTS]["sha256"])

    @property
    def space(self) -> Space:
        """The retrieval space: vectors of this model revision, comparable with each other."""
        return Space(MODEL_ID, self.model_id, self.model.config.embed_dim)

    @property
    def extractor(self) -> FeatureExtractor:
        if self._extractor is None:
            self._extractor = get_extractor(self.config["feature_extractor"])
        return self._extractor

    # ---- features ---------------------------------------------------------------------

    def _features(self, items: Sequence[WardrobeItem]) -> tuple[torch.Tensor, torch.Tensor]:
        missing = [i.item_id for i in items if i.image_features is None]
        if missing:
            raise ValueError(f"items without image features: {missing[:5]}")
        image = np.stack([np.asarray(i.image_features, np.float32) for i in items])
        need_text = [n for n, i in enumerate(items) if i.text_features is None]
        text_rows = [i.text_features for i in items]
        if need_text:
            computed = self.extractor.text_features(
                [items[n].title or items[n].category for n in need_text]
            )
            for n, row in zip(need_text, computed, strict=True):
                text_rows[n] = row
        text = np.stack([np.asarray(t, np.float32) for t in text_rows])
        return torch.from_numpy(image), torch.from_numpy(text)

    # ---- compatibility ----------------------------------------------------------------

    @torch.no_grad()
    def compatibility_many(self, outfits: Sequence[Sequence[WardrobeItem]]) -> np.ndarray:
        if not outfits:
            return np.zeros(0)
        unique: dict[str, WardrobeItem] = {i.item_id: i for o in outfits for i in o}
        order = list(unique)
        image, text = self._features([unique[i] for i in order])
        where = {item_id: n for n, item_id in enumerate(order)}
        rows = [[where[i.item_id] for i in o] for o in outfits]
        out = []
        for start in range(0, len(rows), 512):
            img, txt, pad = pad_outfits(image, text, rows[start : start + 512])
            out.append(torch.sigmoid(self.model.compatibility_logits(img, txt, pad)).numpy())
        return np.concatenate(out)

    def compatibility(self, items: Sequence[WardrobeItem]) -> float:
        if not 2 <= len(items) <= MAX_ITEMS:
            raise ValueError(f"an outfit has 2 to {MAX_ITEMS} items, not {len(items)}")
        return float(self.compatibility_many([items])[0])

    # ---- retrieval --------------------------------------------------------------------

    @torch.no_grad()
    def embed_items(self, items: Sequence[WardrobeItem]) -> np.ndarray:
        """Retrieval-space vectors [len(items), E], computed now (the caller keeps them)."""
        image, text = self._features(items)
        return self.model.item_embedding(image, text).numpy()

    def item_embeddings(self, items: Sequence[WardrobeItem]) -> np.ndarray:
        """Retrieval-space vectors, computed once per item for this model and kept in memory."""
        todo = [i for i in items if i.item_id not in self._embeddings]
        if todo:
            vectors = self.embed_items(todo)
            self._embeddings.update({i.item_id: v for i, v in zip(todo, vectors, strict=True)})
        return np.stack([self._embeddings[i.item_id] for i in items])

    @torch.no_grad()
    def target_embedding(self, partial: Sequence[WardrobeItem], target: str) -> np.ndarray:
        image, text = self._features(partial)
        img, txt, pad = pad_outfits(image, text, [list(range(len(partial)))])
        spec = self.extractor.text_features([polyvore_category(target)]).astype(np.float32)
        spec = torch.from_numpy(spec)
        return self.model.target_embedding(img, txt, pad, spec)[0].numpy()

    def complete(
        self,
        partial: Sequence[WardrobeItem],
        target_category: str,
        candidates: Sequence[WardrobeItem],
        k: int = 5,
    ) -> list[tuple[WardrobeItem, float]]:
        """The k candidates of ``target_category``'s slot nearest the target-item embedding
        (the slot is named to the model as the Polyvore category it was trained on)."""
        taken = {i.item_id for i in partial}
        slot = slot_of(target_category)
        pool = [c for c in candidates if c.slot is slot and c.item_id not in taken]
        if not pool or not partial:
            return []
        query = self.target_embedding(partial, target_category)
        dist = np.linalg.norm(self.item_embeddings(pool) - query, axis=1)
        best = np.argsort(dist, kind="stable")[:k]
        return [(pool[n], float(dist[n])) for n in best]

    # ---- the scorer interface ---------------------------------------------------------

    def score_many(
        self, outfits: Sequence[Sequence[WardrobeItem]], context: Context
    ) -> list[ScoreResult]:
        """Compatibility (the model) and context fit (the rules), blended.

        The model judges whether the items go together; it never saw a context. The context
        fit is the occasion fit times the weather fit (both must hold: a well-matched
        T-shirt and jeans is still wrong for a formal dinner, sandals still wrong in the
        rain), and weighs ``CONTEXT_WEIGHT`` of the score, so among outfits that suit the
        context the model decides, and one that does not suit it cannot win on looks."""
        probs = self.compatibility_many(outfits)
        results = []
        for outfit, p in zip(outfits, probs, strict=True):
            occasion = rules.occasion_fit(outfit, context) or (1.0, "no occasion given")
            w, w_note = rules.weather_fit(outfit, context)
            fit = occasion[0] * w
            total = (1 - CONTEXT_WEIGHT) * float(p) + CONTEXT_WEIGHT * fit
            results.append(
                ScoreResult(
                    round(total, 4),
                    NAME,
                    [
                        f"model compatibility {p:.2f}",
                        f"occasion: {occasion[1]} ({occasion[0]:.2f})",
                        f"weather: {w_note} ({w:.2f})",
                    ],
                    {"compatibility": round(float(p), 4), "context": round(fit, 4)},
                )
            )
        return results

    def score(self, items: Sequence[WardrobeItem], context: Context) -> ScoreResult:
        return self.score_many([items], context)[0]


def load_scorer(directory: Path | None) -> OutfitScorer:
    """The trained model if ``directory`` holds a complete one, else the rule scorer."""
    if directory is not None:
        try:
            return OutfitInference.load(directory)
        except ModelMissing:
            pass
    return rules.RulesScorer()


def wardrobe_items(features: ItemFeatures, items: dict[str, Item]) -> list[WardrobeItem]:
    """Polyvore items with their cached features as plain wardrobe items."""
    return [
        WardrobeItem(
            item_id=i,
            category=items[i].semantic_category,
            title=items[i].text,
            image_features=features.image[n],
            text_features=features.text[n],
        )
        for n, i in enumerate(features.ids)
    ]
