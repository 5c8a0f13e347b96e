"""One photo in, garments out: decode, detect, then attributes for every region.

Attributes per garment, all from the garment's own pixels (its mask: the person segmentation
within the body part's region on a photo of a person, the foreground piece on a flat-lay):
category (Aura's silhouette classifier, :mod:`.classifier`, combined with EfficientNet-Lite0's
ImageNet garment tags where those are confident; a fine garment word with its taxonomy slot
and how sure each is), the 1-3 main colours with families, pattern and a 1280-d embedding.
The two shoes of a pair on a flat-lay are one garment. Everything heavy is loaded once by
:meth:`VisionPipeline.load` (the "model load" start-up phase); :meth:`VisionPipeline.analyze`
is synchronous and thread-safe, for a worker thread. ``summary.timings_ms`` has the time of
each stage: decode, detect, segment, classify, colours, pattern, embed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from aura import __version__
from aura.config import Settings
from aura.errors import AuraError, ConfigError
from aura.layout import DataTree
from aura.storage.changes import Space
from aura.vision import effnet
from aura.vision.background import estimate_foreground
from aura.vision.classifier import (
    CLASSES,
    CategoryPrediction,
    GarmentClassifier,
    load_garment_classifier,
    locate_classifier,
)
from aura.vision.colors import dominant_colours, main_colours, working_array
from aura.vision.decode import decode_image
from aura.vision.detectors.base import Detection, Detector
from aura.vision.garments import combine_category, merge_shoe_pairs
from aura.vision.imagenet_garments import GARMENT_CLASSES, garment_tags
from aura.vision.pattern import PATTERNS, classify_pattern
from aura.vision.weights import IMAGE_SPACE_MODEL

log = logging.getLogger("aura.vision")
WORK_MAX_SIDE = 1024  # detection and attributes run on at most this; boxes map back
ANALYSIS_VERSION = 2  # bump when the same bytes and models would be analysed differently


@dataclass(frozen=True)
class Region:
    detection: Detection
    crop: Image.Image
    mask: np.ndarray  # bool, crop-sized after resizing


def analysis_fingerprint(
    basis: dict[str, Any],
    confidence_threshold: float,
    max_detections: int,
    include_attributes: bool,
) -> str:
    """The fingerprint of an analysis from its basis (:meth:`VisionPipeline.
    fingerprint_basis`, local or from a remote ``model/info``) and the request parameters."""
    ingredients = {
        **basis,
        "parameters": [float(confidence_threshold), int(max_detections), include_attributes],
    }
    digest = hashlib.sha256(json.dumps(ingredients, sort_keys=True).encode()).hexdigest()
    return f"aura-vision-{ANALYSIS_VERSION}:{digest[:40]}"


def choose_detector(settings: Settings) -> Detector:
    """The back-end the configuration asks for (auto: DETR when its folder exists)."""
    from aura.vision.detectors.packaged import PackagedDetector

    detr_dir = settings.vision_detr_model_dir
    backend = settings.vision_backend
    if backend == "auto":
        backend = (
            "detr" if detr_dir is not None and (detr_dir / "config.json").is_file() else "packaged"
        )
    if backend == "detr":
        if detr_dir is None:
            raise ConfigError(
                "AURA_VISION_BACKEND=detr needs AURA_VISION_DETR_MODEL_DIR.",
                fix="Set AURA_VISION_DETR_MODEL_DIR to a saved detector folder, or use "
                "AURA_VISION_BACKEND=packaged.",
            )
        import torch  # the DETR back-end is torch's (the packaged one is not)

        from aura.vision.detectors.detr import DetrDetector

        torch.set_num_threads(settings.vision_torch_threads)
        return DetrDetector(detr_dir)
    return PackagedDetector(use_person=None if settings.vision_person_detection else False)


class VisionPipeline:
    def __init__(
        self,
        settings: Settings,
        detector: Detector,
        backbone: effnet.Backbone,
        classifier: GarmentClassifier | None,
        classifier_problem: AuraError | None = None,
    ) -> None:
        self.settings = settings
        self.detector = detector
        self.backbone = backbone
        self.classifier = classifier
        self.classifier_problem = classifier_problem
        self.loaded_at = time.time()
        self.load_seconds: dict[str, float] = {}
        self.image_space = Space(
            IMAGE_SPACE_MODEL, f"file:{backbone.weights.name}", effnet.EMBEDDING_DIM
        )

    @classmethod
    def load(
        cls,
        settings: Settings,
        tree: DataTree,
        weights: Path | None = None,
        weights_revision: str | None = None,
        classifier_dir: Path | None = None,
        *,
        backbone_onnx: Path | None = None,
    ) -> VisionPipeline:
        """Load every model. ``weights``: the EfficientNet-Lite0 file resolved by the model
        store (the platform passes it; without it the installed package's copy is used);
        ``backbone_onnx``: its ONNX export in the store (without it, the shared cache's).
        ``classifier_dir``: the packaged garment classifier in the model store (without it the
        wheel's copy); a classifier trained on this installation wins over either."""

        seconds: dict[str, float] = {}
        began = time.perf_counter()
        backbone = effnet.Backbone(
            weights, onnx_dir=backbone_onnx, threads=settings.vision_torch_threads
        )
        seconds["backbone"] = time.perf_counter() - began
        began = time.perf_counter()
        classifier, problem = None, None
        try:
            folder, origin = locate_classifier(tree.garment_classifier_dir(), classifier_dir)
            classifier = load_garment_classifier(folder, origin)
        except AuraError as exc:  # serve without categories rather than not at all
            problem = exc
            log.warning("garment classifier unavailable", extra={"reason": str(exc)})
        seconds["classifier"] = time.perf_counter() - began
        began = time.perf_counter()
        detector = choose_detector(settings)
        seconds["detector"] = time.perf_counter() - began
        pipeline = cls(settings, detector, backbone, classifier, problem)
        revision = weights_revision or f"file:{backbone.weights.name}"
        pipeline.image_space = Space(IMAGE_SPACE_MODEL, revision, effnet.EMBEDDING_DIM)
        pipeline.load_seconds = {k: round(v, 4) for k, v in seconds.items()}
        return pipeline

    # ---- what is loaded -------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        classifier: dict[str, Any]
        if self.classifier is not None:
            manifest = self.classifier.manifest
            classifier = {
                "available": True,
                "origin": self.classifier.origin,
                "path": str(self.classifier.path),
                "classes": list(self.classifier.classes),
                "test_accuracy": manifest.get("test_accuracy"),
                "created_at": manifest.get("created_at"),
                "data": manifest.get("data"),
            }
        else:
            problem = self.classifier_problem
            classifier = {
                "available": False,
                "reason": problem.message if problem else None,
                "fix": problem.fix if problem else None,
            }
        return {
            **self.detector.info(),
            "embedding": {
                "model": effnet.MODEL_ID,
                "dim": effnet.EMBEDDING_DIM,
                "space": self.image_space.key,
                "weights": str(self.backbone.weights),
            },
            "garment_classifier": classifier,
            "load_seconds": self.load_seconds,
            "fingerprint_basis": self.fingerprint_basis(),
            "loaded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.loaded_at)),
        }

    def fingerprint_basis(self) -> dict[str, Any]:
        """What every analysis depends on besides the image and the request parameters
        (published by ``GET /model/info``, so a remote caller computes equal fingerprints)."""
        classifier = self.classifier.manifest if self.classifier is not None else {}
        return {
            "version": ANALYSIS_VERSION,
            "aura": __version__,
            "detector": {k: self.detector.info().get(k) for k in ("backend", "model", "revision")},
            "backbone": [effnet.MODEL_ID, self.image_space.revision],  # not its path
            "classifier": [classifier.get("created_at"), classifier.get("test_accuracy")],
            "limits": [self.settings.vision_max_image_bytes, self.settings.vision_max_image_pixels],
        }

    def fingerprint(
        self, confidence_threshold: float, max_detections: int, include_attributes: bool
    ) -> str:
        """What an analysis depends on besides the image bytes: equal fingerprints and equal
        bytes give equal results, so a repeated photo can be answered from the cache."""
        return analysis_fingerprint(
            self.fingerprint_basis(), confidence_threshold, max_detections, include_attributes
        )

    def categories(self) -> dict[str, Any]:

        detector_labels = self.detector.info().get("labels", [])
        return {
            "detector_labels": detector_labels,
            "garment_classes": list(CLASSES),
            "imagenet_garment_classes": sorted({name for name, _ in GARMENT_CLASSES.values()}),
            "patterns": list(PATTERNS),
        }

    # ---- analysis -------------------------------------------------------------------

    def analyze(
        self,
        data: bytes,
        confidence_threshold: float = 0.5,
        max_detections: int = 10,
        include_attributes: bool = True,
    ) -> dict[str, Any]:
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        decoded = decode_image(
            data,
            max_bytes=self.settings.vision_max_image_bytes,
            max_pixels=self.settings.vision_max_image_pixels,
        )
        image = decoded.image
        scale = min(1.0, WORK_MAX_SIDE / max(image.size))
        work = image
        if scale < 1.0:
            work = image.resize(
                (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                Image.BILINEAR,
            )
        t1 = time.perf_counter()
        timings["decode_ms"] = (t1 - t0) * 1000
        found = self.detector.detect(work, confidence_threshold, max_detections)
        t2 = time.perf_counter()
        timings["detect_ms"] = (t2 - t1) * 1000
        regions = [self._region(work, det) for det in found]
        timings["segment_ms"] = (time.perf_counter() - t2) * 1000
        attributes = None
        if include_attributes and regions:
            regions, attributes = self._attributes(work, regions, timings)
        timings["attributes_ms"] = (time.perf_counter() - t2) * 1000
        detections = []
        for i, region in enumerate(regions):
            det = region.detection
            box = [round(v / scale, 2) for v in det.box]
            item: dict[str, Any] = {
                "label": det.label,
                "confidence": round(det.confidence, 4),
                "bbox": box,
                "area": round((box[2] - box[0]) * (box[3] - box[1]), 2),
                "source": det.source,
            }
            if attributes is not None:
                item["attributes"] = attributes[i]
            detections.append(item)
        labels: dict[str, int] = {}
        for item in detections:
            labels[item["label"]] = labels.get(item["label"], 0) + 1
        return {
            "detections": detections,
            "summary": {
                "count": len(detections),
                "labels": labels,
                "image": {
                    "width": image.width,
                    "height": image.height,
                    "format": decoded.format,
                    "source_mode": decoded.source_mode,
                    "frames": decoded.frames,
                    "orientation_applied": decoded.orientation_applied,
                },
                "timings_ms": {k: round(v, 2) for k, v in timings.items()},
            },
            "backend": {
                "name": self.detector.name,
                "model": self.detector.info().get("model"),
                "revision": self.detector.info().get("revision"),
            },
            "parameters": {
                "confidence_threshold": confidence_threshold,
                "max_detections": max_detections,
                "include_attributes": include_attributes,
            },
        }

    @staticmethod
    def _region(work: Image.Image, det: Detection) -> Region:
        x1, y1, x2, y2 = det.box
        box = (int(x1), int(y1), max(int(x1) + 1, round(x2)), max(int(y1) + 1, round(y2)))
        crop = work.crop(box)
        if det.mask is not None and det.mask.size:
            resized = Image.fromarray(det.mask.astype(np.uint8) * 255).resize(crop.size)
            mask = np.asarray(resized) > 127
        else:
            small = working_array(crop, 256)
            fg = estimate_foreground(small).mask
            mask = np.asarray(Image.fromarray(fg.astype(np.uint8) * 255).resize(crop.size)) > 127
        if mask.sum() < 16:
            mask = np.ones(mask.shape, bool)
        return Region(det, crop, mask)

    def _attributes(
        self, work: Image.Image, regions: list[Region], timings: dict[str, float]
    ) -> tuple[list[Region], list[dict[str, Any]]]:
        began = time.perf_counter()
        crops, masks = [r.crop for r in regions], [r.mask for r in regions]
        predictions: list[CategoryPrediction | None] = (
            list(self.classifier.predict(crops, masks))
            if self.classifier is not None
            else [None] * len(regions)
        )
        groups = merge_shoe_pairs(work, [r.detection for r in regions], crops, masks, predictions)
        if any(len(members) > 1 for _, members in groups):
            regions = [
                regions[members[0]] if len(members) == 1 else self._region(work, det)
                for det, members in groups
            ]
            predictions = [
                max(
                    (predictions[m] for m in members),
                    key=lambda p: p.confidence if p is not None else -1.0,
                )
                for _, members in groups
            ]
        classify_ms = (time.perf_counter() - began) * 1000
        began = time.perf_counter()
        backbone = self.backbone.run([_cutout(r) for r in regions])
        timings["embed_ms"] = (time.perf_counter() - began) * 1000
        began = time.perf_counter()
        tags = [garment_tags(p) for p in backbone.probabilities]
        categories = [
            combine_category(pred, tag, region.detection.label)
            for pred, tag, region in zip(predictions, tags, regions, strict=True)
        ]
        timings["classify_ms"] = classify_ms + (time.perf_counter() - began) * 1000
        began = time.perf_counter()
        colours = [main_colours(dominant_colours(r.crop, r.mask)) for r in regions]
        timings["colours_ms"] = (time.perf_counter() - began) * 1000
        began = time.perf_counter()
        patterns = [classify_pattern(r.crop, r.mask) for r in regions]
        timings["pattern_ms"] = (time.perf_counter() - began) * 1000
        out = []
        for i in range(len(regions)):
            out.append(
                {
                    "category": categories[i],
                    "imagenet": tags[i],
                    "colors": [c.to_dict() for c in colours[i]],
                    "pattern": patterns[i].to_dict(),
                    "embedding": {
                        "model": effnet.MODEL_ID,
                        "dim": effnet.EMBEDDING_DIM,
                        "vector": [round(float(v), 6) for v in backbone.embeddings[i]],
                    },
                }
            )
        return regions, out


def _cutout(region: Region) -> Image.Image:
    """The crop with everything outside the garment's mask painted neutral grey: a person's
    garment is embedded without the landscape behind it (a flat-lay's crop as it is)."""
    if not region.detection.source.startswith("pose:") or region.mask.all():
        return region.crop
    rgb = np.asarray(region.crop.convert("RGB")).copy()
    rgb[~region.mask] = 128
    return Image.fromarray(rgb)
