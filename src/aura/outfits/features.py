"""Item features the OutfitTransformer reads: one image vector and one text vector per item.

Two extractors, chosen by name (the name is stored in the model's config, so a model is
always fed what it was trained on):

* ``handcrafted`` (default): colour histogram in HSV over the garment's pixels (the white
  background of product photos left out), mean colour, a coarse silhouette, a stripe
  (texture) measure; and text as signed feature-hashed unigrams and bigrams. Why the
  default: it runs offline with no weights, costs ~1 ms an item on one CPU core, and it is
  exact about colour, which is what outfit compatibility hinges on most. Tests and CPU
  training use it.
* ``effnet-lite0``: the 1280-d pooled EfficientNet-Lite0 ImageNet embedding
  (:mod:`aura.outfits.effnet`, the visual analysis backbone) plus the same hashed text.
  For real Polyvore photos, where shapes and materials matter.

Features are computed once per item and cached (``FeatureCache``), keyed by extractor name.
"""

from __future__ import annotations

import io
import itertools
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image

from aura.errors import ConfigError
from aura.storage import atomic

TEXT_DIM = 128


class FeatureExtractor(Protocol):
    name: str
    image_dim: int
    text_dim: int

    def image_features(self, images: Sequence[Image.Image]) -> np.ndarray: ...

    def text_features(self, texts: Sequence[str]) -> np.ndarray: ...


def hashed_text(texts: Sequence[str], dim: int = TEXT_DIM) -> np.ndarray:
    """Signed feature hashing of lower-cased unigrams and bigrams, L2-normalised.

    crc32 keeps the hash stable across processes (Python's ``hash`` is salted).
    """
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for row, text in enumerate(texts):
        words = "".join(c if c.isalnum() else " " for c in text.lower()).split()
        grams = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
        for gram in grams:
            h = zlib.crc32(gram.encode())
            out[row, h % dim] += 1.0 if (h >> 31) & 1 else -1.0
        norm = np.linalg.norm(out[row])
        if norm > 0:
            out[row] /= norm
    return out


class HandcraftedExtractor:
    name = "handcrafted"
    _hue_bins, _sat_bins, _val_bins, _grid = 12, 2, 3, 8
    image_dim = 12 * 2 * 3 + 3 + 1 + 8 * 8 + 1
    text_dim = TEXT_DIM

    def image_features(self, images: Sequence[Image.Image]) -> np.ndarray:
        return np.stack([self._one(img) for img in images]).astype(np.float32)

    def _one(self, img: Image.Image) -> np.ndarray:
        rgb = np.asarray(img.convert("RGB").resize((32, 32), Image.Resampling.BILINEAR), np.float32)
        hsv = (
            np.asarray(
                img.convert("RGB").resize((32, 32), Image.Resampling.BILINEAR).convert("HSV"),
                np.float32,
            )
            / 255.0
        )
        fg = rgb.min(axis=-1) < 240  # product photos: the background is white
        count = max(int(fg.sum()), 1)
        h = np.minimum((hsv[..., 0] * self._hue_bins).astype(int), self._hue_bins - 1)
        s = np.minimum((hsv[..., 1] * self._sat_bins).astype(int), self._sat_bins - 1)
        v = np.minimum((hsv[..., 2] * self._val_bins).astype(int), self._val_bins - 1)
        bins = (h * self._sat_bins + s) * self._val_bins + v
        hist = np.bincount(bins[fg], minlength=self._hue_bins * self._sat_bins * self._val_bins)
        mean_rgb = rgb[fg].mean(axis=0) / 255.0 if fg.any() else np.ones(3)
        grid = fg.reshape(self._grid, 4, self._grid, 4).mean(axis=(1, 3)).ravel()
        grey = rgb.mean(axis=-1)
        stripes = np.abs(np.diff(grey, axis=0))[fg[1:] & fg[:-1]]
        texture = stripes.mean() / 64.0 if stripes.size else 0.0
        return np.concatenate([hist / count, mean_rgb, [fg.mean()], grid, [texture]])

    def text_features(self, texts: Sequence[str]) -> np.ndarray:
        return hashed_text(texts, self.text_dim)


def get_extractor(name: str) -> FeatureExtractor:
    if name == HandcraftedExtractor.name:
        return HandcraftedExtractor()
    if name == "effnet-lite0":
        from aura.outfits.effnet import EffNetExtractor

        return EffNetExtractor()
    raise ConfigError(
        f"Unknown feature extractor {name!r}.", fix="Use --features handcrafted or effnet-lite0."
    )


@dataclass
class ItemFeatures:
    """Feature rows for a set of items, addressable by item id."""

    ids: list[str]
    image: np.ndarray  # [N, image_dim]
    text: np.ndarray  # [N, text_dim]

    def __post_init__(self) -> None:
        self.index = {item_id: n for n, item_id in enumerate(self.ids)}

    def rows(self, item_ids: Sequence[str]) -> list[int]:
        return [self.index[i] for i in item_ids]


class FeatureCache:
    """``DIR/{extractor}[-{key}].npz``: features computed once per item, extended when items
    appear. ``key`` names the data set (item ids are only unique within one)."""

    def __init__(self, directory: Path, extractor: FeatureExtractor, key: str = "") -> None:
        self.path = Path(directory) / f"{extractor.name}{'-' + key if key else ''}.npz"
        self.extractor = extractor

    def _load(self) -> ItemFeatures | None:
        try:
            with np.load(self.path, allow_pickle=False) as data:
                return ItemFeatures(list(data["ids"]), data["image"], data["text"])
        except (FileNotFoundError, ValueError, KeyError, OSError):
            return None  # missing or corrupt: a cache, so recompute

    def get(self, items: dict[str, tuple[Path, str]], batch: int = 64) -> ItemFeatures:
        """Features for ``items`` ({id: (image path, text)}), computing only the missing."""
        cached = self._load()
        known = cached.index if cached else {}
        todo = [i for i in items if i not in known]
        image_rows, text_rows = [], []
        for start in range(0, len(todo), batch):
            chunk = todo[start : start + batch]
            images = []
            for item_id in chunk:
                with Image.open(items[item_id][0]) as img:
                    images.append(img.convert("RGB"))
            image_rows.append(self.extractor.image_features(images))
            text_rows.append(self.extractor.text_features([items[i][1] for i in chunk]))
        if todo:
            ids = (cached.ids if cached else []) + todo
            image = np.concatenate(([cached.image] if cached else []) + image_rows)
            text = np.concatenate(([cached.text] if cached else []) + text_rows)
            buffer = io.BytesIO()
            np.savez(buffer, ids=np.array(ids), image=image, text=text)
            atomic.write_bytes(self.path, buffer.getvalue())
            cached = ItemFeatures(ids, image, text)
        assert cached is not None or not items
        if cached is None:
            return ItemFeatures(
                [],
                np.zeros((0, self.extractor.image_dim), np.float32),
                np.zeros((0, self.extractor.text_dim), np.float32),
            )
        rows = cached.rows(list(items))
        return ItemFeatures(list(items), cached.image[rows], cached.text[rows])
