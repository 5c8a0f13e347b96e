"""A photo into the wardrobe: analyse it, and keep each chosen garment as an item.

Per garment the item gets a crop of the photo (stored as a photo of its own: its sha256 is
the item's ``image_sha256``; the original is ``source_photo_sha256``), the pixel ``bbox``,
category, colour names, pattern, the analysis' attributes with their confidences, a short
description generated from those attributes ("navy striped shirt"), the text embedding
(the wardrobe's index) and the image embedding (EfficientNet-Lite0 pooled features, a
second space in ``item_embeddings``). Everything is written in one transaction, with the
analysis itself: on any error nothing is stored. Synchronous: run it in a worker thread.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from aura.errors import ImageRejected, InvalidInput
from aura.storage.analyses import find_analysis, record_analysis
from aura.storage.changes import Space
from aura.taxonomy import slot_of
from aura.wardrobe.service import WardrobeService

if TYPE_CHECKING:  # the vision pipeline (scipy, scikit-image) loads with the vision models
    from PIL import Image

    from aura.vision.cached import Analysis, StoredLookup

CROP_QUALITY = 92
GENERIC_LABEL = "garment"  # the packaged detector's label: it finds garments, not kinds
IMAGENET_MIN_PROBABILITY = 0.3  # of the top ImageNet garment class, to name the kind
MIN_COLOUR_SHARE = 0.2  # colours named in the description; the item lists every colour


def describe(category: str, colours: Sequence[dict[str, Any]], pattern: str | None) -> str:
    """E.g. "navy striped shirt" or "red and white t-shirt/top" (solid is not said)."""
    names = list(dict.fromkeys(str(c["name"]) for c in colours if c["share"] >= MIN_COLOUR_SHARE))
    words = [" and ".join(names[:2]), "" if pattern in (None, "solid") else str(pattern)]
    return " ".join(w for w in [*words, category] if w)


def choose_category(detection: dict[str, Any]) -> tuple[str, str]:
    """(category, where it came from): the analysis' category (Aura's classifier, or the
    ImageNet tag it deferred to: a fine garment word such as "t-shirt" whose slot the
    taxonomy knows); else a specific detector label (DETR's "top", "shoes", ...); else, for
    the packaged detector's generic "garment", the ImageNet garment group when the backbone
    is fairly sure."""
    attrs = detection.get("attributes") or {}
    category = attrs.get("category") or {}
    label = (category.get("label") or "").strip()
    if label:
        source = "imagenet" if category.get("source") == "imagenet" else "classifier"
        return label.lower()[:50], source
    if detection["label"] != GENERIC_LABEL:
        return str(detection["label"]).strip().lower()[:50], "detector"
    tags = (attrs.get("imagenet") or {}).get("tags") or []
    if tags and float(tags[0]["probability"]) >= IMAGENET_MIN_PROBABILITY:
        return str(tags[0]["group"]), "imagenet"
    return GENERIC_LABEL, "detector"


def garment_fields(detection: dict[str, Any], index: int, fingerprint: str) -> dict[str, Any]:
    """The item an analysed detection becomes (without its photos)."""
    attrs = detection.get("attributes") or {}
    category_attr = attrs.get("category")
    category, category_source = choose_category(detection)
    colours = attrs.get("colors") or []
    pattern = (attrs.get("pattern") or {}).get("label")
    embedding = attrs.get("embedding") or {}
    names = list(dict.fromkeys(str(c["name"]) for c in colours))[:10]  # one entry per name
    hexes = [next(str(c.get("hex", "")) for c in colours if str(c["name"]) == n) for n in names]
    return {
        "category": category,
        "colors": names,
        "pattern": pattern,
        "description": describe(category, colours, pattern),
        "bbox": detection["bbox"],
        "source": "photo",
        "attributes": {
            "detection": {
                "index": index,
                "label": detection["label"],
                "confidence": detection["confidence"],
                "source": detection.get("source"),
            },
            "category": category_attr,
            "category_source": category_source,
            "slot": slot_of(category).value,
            "category_unsure": bool((category_attr or {}).get("unsure", False)),
            "colors": colours,
            "color_hex": hexes,  # the photo's own value of each colour, for swatches
            "pattern": attrs.get("pattern"),
            "imagenet": attrs.get("imagenet"),
            "embedding": {k: v for k, v in embedding.items() if k != "vector"},
            "analysis": fingerprint,
        },
    }


def selection(select: Sequence[int] | None, found: int) -> list[int]:
    """The detections to keep, in the caller's order (duplicates once); all by default."""
    if select is None:
        return list(range(found))
    wrong = [i for i in select if not 0 <= i < found]
    if wrong or not select:
        raise InvalidInput(
            f"select {','.join(map(str, wrong or select))} is not a detection index: the "
            f"analysis found {found} garment(s), indexes 0 to {found - 1}.",
            fix="Pass indexes of analysis.detections (e.g. select=0,2), or leave select out "
            "to keep every garment.",
        )
    return list(dict.fromkeys(select))


def crop_jpeg(image: Image.Image, bbox: Sequence[float]) -> bytes:
    x1, y1, x2, y2 = (float(v) for v in bbox)
    left, top = max(0, int(x1)), max(0, int(y1))
    right = min(image.width, max(left + 1, round(x2)))
    bottom = min(image.height, max(top + 1, round(y2)))
    buf = io.BytesIO()
    image.crop((left, top, right, bottom)).save(buf, "JPEG", quality=CROP_QUALITY)
    return buf.getvalue()


class PhotoAnalyzer(Protocol):
    """What the import needs: :class:`~aura.vision.cached.CachedAnalyzer` in-process, or
    :class:`~aura.vision.remote.RemoteAnalyzer` (the visual_analysis service over HTTP)."""

    @property
    def image_space(self) -> Space: ...

    @property
    def decode_limits(self) -> tuple[int, int]: ...

    def analyze(
        self,
        data: bytes,
        confidence_threshold: float = 0.5,
        max_detections: int = 10,
        include_attributes: bool = True,
        stored: StoredLookup | None = None,
    ) -> Analysis: ...


def import_photo(
    analyzer: PhotoAnalyzer,
    wardrobe: WardrobeService,
    user_id: int,
    data: bytes,
    *,
    confidence_threshold: float = 0.5,
    max_detections: int = 10,
    select: Sequence[int] | None = None,
    max_photo_bytes: int | None = None,
) -> dict[str, Any]:
    if max_photo_bytes is not None and len(data) > max_photo_bytes:
        raise ImageRejected(
            f"The photo is {len(data)} bytes; the photo store keeps at most {max_photo_bytes}.",
            reason="too_large",
            http_status=413,
            fix="Send a smaller photo (or raise AURA_MAX_PHOTO_BYTES).",
        )

    def stored(sha: str, fingerprint: str) -> dict[str, Any] | None:
        with wardrobe.db.session() as s:
            return find_analysis(s, user_id, sha, fingerprint)

    analysis = analyzer.analyze(data, confidence_threshold, max_detections, True, stored)
    detections = analysis.result["detections"]
    if not detections:
        raise ImageRejected(
            "No garment was found in the photo.",
            reason="no_garments",
            http_status=422,
            fix="Lower confidence_threshold, or photograph the garment flat on a plain "
            "backdrop or worn by a person in full view.",
        )
    chosen = selection(select, len(detections))
    max_bytes, max_pixels = analyzer.decode_limits
    from PIL import Image  # Pillow loads with the first photo, not on the way to ready

    from aura.vision.decode import decode_image

    decoded = decode_image(data, max_bytes=max_bytes, max_pixels=max_pixels)
    space = analyzer.image_space
    items, vectors, crops = [], [], []
    for index in chosen:
        detection = detections[index]
        crop = crop_jpeg(decoded.image, detection["bbox"])
        fields = garment_fields(detection, index, analysis.fingerprint)
        fields["image_sha256"] = hashlib.sha256(crop).hexdigest()
        fields["source_photo_sha256"] = analysis.photo_sha256
        vector = np.asarray(detection["attributes"]["embedding"]["vector"], np.float32)
        items.append(fields)
        vectors.append({space: vector / max(float(np.linalg.norm(vector)), 1e-12)})
        crops.append((crop, "image/jpeg"))
    content_type = Image.MIME.get(decoded.format, "application/octet-stream")
    created = wardrobe.create_many(
        user_id,
        items,
        new_photos=[(data, content_type), *crops],
        vectors=vectors,
        also=lambda s: record_analysis(
            s, user_id, analysis.photo_sha256, analysis.fingerprint, analysis.result
        ),
    )
    return {
        "photo_sha256": analysis.photo_sha256,
        "cached": analysis.cached,
        "backend": analysis.result["backend"],
        "analysis": analysis.response(),
        "items": created,
    }
