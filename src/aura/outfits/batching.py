"""Padding variable-size outfits into one batch, and the feature tables training reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from aura.outfits.features import FeatureExtractor, ItemFeatures
from aura.outfits.padding import MAX_ITEMS, pad_index
from aura.outfits.polyvore import Item


def pad_outfits(
    image: Tensor, text: Tensor, outfits: Sequence[Sequence[int]], max_items: int = MAX_ITEMS
) -> tuple[Tensor, Tensor, Tensor]:
    """Rows of ``image``/``text`` per outfit → [B, N, *] tensors and a padding mask [B, N].

    N is the longest outfit in the batch (at most ``max_items``); True in the mask marks a
    padding slot, which the encoder never attends to.
    """
    index, padding = pad_index(outfits, max_items)
    rows = torch.from_numpy(index)
    return image[rows], text[rows], torch.from_numpy(padding)


@dataclass
class FeatureTable:
    """Items of one split as tensors, plus category names and their text features."""

    features: ItemFeatures
    image: Tensor
    text: Tensor
    categories: list[str]  # per row
    category_names: list[str]
    category_text: Tensor  # [C, text_dim], one row per category name
    by_category: dict[str, np.ndarray]

    @classmethod
    def build(
        cls,
        features: ItemFeatures,
        items: dict[str, Item],
        extractor: FeatureExtractor,
        category_names: list[str] | None = None,
    ) -> FeatureTable:
        categories = [items[i].semantic_category for i in features.ids]
        names = category_names or sorted(set(categories))
        by_category: dict[str, list[int]] = {}
        for row, cat in enumerate(categories):
            by_category.setdefault(cat, []).append(row)
        return cls(
            features=features,
            image=torch.as_tensor(features.image, dtype=torch.float32),
            text=torch.as_tensor(features.text, dtype=torch.float32),
            categories=categories,
            category_names=names,
            category_text=torch.as_tensor(extractor.text_features(names), dtype=torch.float32),
            by_category={k: np.asarray(v) for k, v in by_category.items()},
        )

    def category_rows(self, cats: Sequence[str]) -> Tensor:
        """Text features of category names, [len(cats), text_dim]."""
        return self.category_text[[self.category_names.index(c) for c in cats]]
