"""Image and text features of database wardrobe items for the trained model, computed once
and kept.

The OutfitTransformer reads an image vector per item. A wardrobe item's picture is its
``image_sha256`` photo (in the database); an item with no photo, or one that does not
decode, is drawn as a swatch of its first colour on white, which is what the handcrafted
extractor measures anyway (colour). An item's text is its title (description, colours,
pattern, category). Vectors are cached per (item id, ``updated_at``), so an edited item is
recomputed and the cache never serves a stale picture or title.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageColor, ImageDraw

from aura.storage.schema import WardrobeItem as ItemRow
from aura.taxonomy import colour_hex

if TYPE_CHECKING:
    from aura.outfits.features import FeatureExtractor

MAX_CACHED = 50_000


def swatch(colour: str | None, size: int = 64) -> Image.Image:
    """A garment-shaped block of ``colour``: a #rrggbb, or a colour name by the palette's
    value (camel is camel, denim is blue), else by CSS; grey if unknown."""
    value = colour if colour and colour.startswith("#") else colour_hex(colour or "")
    try:
        rgb = ImageColor.getrgb(value or colour or "grey")
    except ValueError:
        rgb = ImageColor.getrgb("grey")
    img = Image.new("RGB", (size, size), "white")
    ImageDraw.Draw(img).rectangle((size // 8, size // 8, size - size // 8, size - size // 8), rgb)
    return img


class ItemImageFeatures:
    def __init__(self, extractor: FeatureExtractor) -> None:
        self.extractor = extractor
        self._cache: dict[tuple[int, str], Any] = {}
        self._text: dict[tuple[int, str], Any] = {}
        self._lock = threading.Lock()

    def text(self, rows: Sequence[ItemRow], texts: Sequence[str]) -> dict[int, Any]:
        """{item id: text vector} of ``texts`` (one per row), kept per item version."""
        keys = {r.id: (r.id, r.updated_at.isoformat()) for r in rows}
        with self._lock:
            out = {i: self._text[k] for i, k in keys.items() if k in self._text}
        todo = [(r, t) for r, t in zip(rows, texts, strict=True) if r.id not in out]
        if todo:
            vectors = self.extractor.text_features([t for _, t in todo])
            with self._lock:
                if len(self._text) > MAX_CACHED:
                    self._text.clear()
                for (row, _), vector in zip(todo, vectors, strict=True):
                    self._text[keys[row.id]] = vector
                    out[row.id] = vector
        return out

    def get(self, rows: Sequence[ItemRow], photo: Callable[[str], bytes | None]) -> dict[int, Any]:
        """{item id: image vector}; ``photo(sha)`` returns a photo's bytes (or None)."""
        keys = {r.id: (r.id, r.updated_at.isoformat()) for r in rows}
        with self._lock:
            out = {i: self._cache[k] for i, k in keys.items() if k in self._cache}
        todo = [r for r in rows if r.id not in out]
        if todo:
            images = [self._image(r, photo) for r in todo]
            vectors = self.extractor.image_features(images)
            with self._lock:
                if len(self._cache) > MAX_CACHED:
                    self._cache.clear()
                for row, vector in zip(todo, vectors, strict=True):
                    self._cache[keys[row.id]] = vector
                    out[row.id] = vector
        return out

    @staticmethod
    def _image(row: ItemRow, photo: Callable[[str], bytes | None]) -> Image.Image:
        data = photo(row.image_sha256) if row.image_sha256 else None
        if data:
            try:
                with Image.open(io.BytesIO(data)) as img:
                    return img.convert("RGB")
            except (OSError, ValueError, Image.DecompressionBombError):
                pass
        colors = row.colors
        return swatch(colors[0] if colors else None)
