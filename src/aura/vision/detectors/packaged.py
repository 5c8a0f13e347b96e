"""The offline default back-end: garment regions without a downloaded detector.

* A person in the photo (MediaPipe pose, whose models ship inside the ``mediapipe==0.10.14``
  wheel): the upper-body region (shoulders to hips) is a ``top``, the lower body (hips to
  ankles or knees) a ``bottom``. Each region's pixels are the person segmentation within the
  body part's band (its rows, and columns the width of the body plus arms): the box is
  those pixels' box, the mask those pixels, so nothing of the landscape (or a helmet held
  beside the body) is part of the garment. Confidence is calibrated: the landmarks' mean
  visibility times how much of the box the person fills (a box that is mostly
  background is not sure).
* Otherwise a product or flat-lay photo: each separate piece of foreground on the backdrop
  (see :mod:`aura.vision.background`) is one ``garment``, left to right (a flat-lay of a
  shirt beside trousers gives two); confidence is the share of the border that matches the
  backdrop (how clearly this is such a photo). With no backdrop at all the
  whole photo is the region, with a prior of 0.5: a close-up is most likely the garment.

MediaPipe is optional: without it (``person_detection: false`` in the info) photos of people
are treated as whole photos.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.metadata
import importlib.util
import sys
import threading
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

# scipy (about 33 MiB resident) is imported where it is used: by the first photo, not on load
import numpy as np
from PIL import Image

from aura.vision.background import estimate_foreground
from aura.vision.colors import working_array
from aura.vision.detectors.base import Detection, clip_box

WORK_SIDE = 256
NO_BACKDROP_PRIOR = 0.5
MIN_VISIBILITY = 0.5
MIN_PIECE_SHARE = 0.01  # foreground pieces smaller than this share of the photo are specks
MIN_PIECE_OF_LARGEST = 0.08  # ... or than this share of the largest piece (a loose thread)
SIDE_REACH = 0.35  # columns beside the body part's landmarks, as a share of its width (arms)
FULL_FILL = 0.6  # a box the person fills this much is fully sure
# MediaPipe pose landmark indices
NOSE, SHOULDERS, ELBOWS, HIPS, KNEES, ANKLES = 0, (11, 12), (13, 14), (23, 24), (25, 26), (27, 28)


class PersonRegions:
    """MediaPipe pose with segmentation; one graph, so calls are serialised.

    The solution is imported and its graph built by the first photo (about 50 ms): the
    running graph holds about 80 MiB (its TFLite models and their buffers) and the
    bindings another 12 MiB that a server which has not analysed a photo does not need.
    """

    def __init__(self) -> None:
        self._pose: Any = None
        self._lock = threading.Lock()
        self.version = importlib.metadata.version("mediapipe")

    @property
    def started(self) -> bool:
        """Whether the graph has been built (by a first photo)."""
        return self._pose is not None

    def find(self, image: Image.Image) -> list[Detection]:
        rgb = np.ascontiguousarray(np.asarray(image.convert("RGB")))
        with self._lock:
            if self._pose is None:
                self._pose = pose_solution()(
                    static_image_mode=True, model_complexity=1, enable_segmentation=True
                )
            result = self._pose.process(rgb)
        if result.pose_landmarks is None:
            return []
        h, w = rgb.shape[:2]
        lm = result.pose_landmarks.landmark
        pts = {i: (lm[i].x * w, lm[i].y * h, lm[i].visibility) for i in range(33)}
        if pts[NOSE][2] < MIN_VISIBILITY:  # no face: pose "finds" people in garment photos
            return []
        seg = result.segmentation_mask
        person = seg > 0.5 if seg is not None else None
        out = []
        shoulders, hips = [pts[i] for i in SHOULDERS], [pts[i] for i in HIPS]
        ends = [pts[i] for i in ANKLES]
        if not all(p[2] >= MIN_VISIBILITY for p in ends):
            ends = [pts[i] for i in KNEES]
        legs_seen = all(p[2] >= MIN_VISIBILITY for p in hips + ends)
        if all(p[2] >= MIN_VISIBILITY for p in shoulders):
            # without legs in view the upper garment may go on below the hips (a long
            # coat): it ends where the person's pixels end
            torso = _region(
                shoulders + [pts[i] for i in ELBOWS], hips, w, h, person, down=not legs_seen
            )
            if torso is not None:
                out.append(_detection("top", torso, shoulders + hips, person, "pose:upper-body"))
        if legs_seen:
            legs = _region(hips, ends, w, h, person)
            if legs is not None:
                out.append(_detection("bottom", legs, hips + ends, person, "pose:lower-body"))
        return out


def _region(
    top_pts, bottom_pts, w, h, person, down: bool = False
) -> tuple[float, float, float, float] | None:
    xs = [p[0] for p in top_pts + bottom_pts]
    y1 = min(p[1] for p in top_pts)
    y2 = max(p[1] for p in bottom_pts)
    if y2 - y1 < 8:
        return None
    if down:
        y2 = float(h)
    reach = SIDE_REACH * (max(xs) - min(xs))
    box = (min(xs) - reach, y1 - 0.05 * (y2 - y1), max(xs) + reach, y2)
    box = clip_box(box, w, h)
    if person is not None:  # the person's pixels in this band: the garment's extent
        x1, yy1, x2, yy2 = (round(v) for v in box)
        band = person[yy1:yy2, x1:x2]
        rows, cols = np.nonzero(band.any(axis=1))[0], np.nonzero(band.any(axis=0))[0]
        if band.sum() >= 64 and len(rows) and len(cols):
            box = (x1 + cols.min(), yy1 + rows.min(), x1 + cols.max() + 1, yy1 + rows.max() + 1)
    return clip_box(tuple(float(v) for v in box), w, h)  # type: ignore[arg-type]


def _detection(label, box, used, person, source) -> Detection:
    x1, y1, x2, y2 = (round(v) for v in box)
    mask = person[y1:y2, x1:x2] if person is not None else None
    visibility = float(np.mean([p[2] for p in used]))
    fill = float(mask.mean()) if mask is not None and mask.size else FULL_FILL
    confidence = visibility * min(1.0, fill / FULL_FILL)
    return Detection(label, confidence, tuple(float(v) for v in box), mask, source)


def pose_solution() -> Any:
    """MediaPipe's ``Pose`` class, without what ``import mediapipe`` brings along.

    The package's ``__init__`` imports every solution and task, and with them matplotlib
    and OpenCV (about 50 MiB of RSS and half a second that pose does not use). Unless
    mediapipe is already imported, the package and its ``solutions`` folder are put in
    ``sys.modules`` as plain packages whose attributes import on first access (what the
    package's own ``__init__`` would have bound: ``mp.solutions.drawing_utils``,
    ``mp.tasks``, ``mp.Image``), and only the pose solution is imported.
    """
    if "mediapipe" not in sys.modules:
        spec = importlib.util.find_spec("mediapipe")
        assert spec is not None and spec.submodule_search_locations
        root = Path(next(iter(spec.submodule_search_locations)))
        _lazy_package("mediapipe", root, _mediapipe_attribute)
        _lazy_package("mediapipe.python.solutions", root / "python" / "solutions", None)
        sys.modules["mediapipe"].__version__ = importlib.metadata.version("mediapipe")
    return importlib.import_module("mediapipe.python.solutions.pose").Pose


def _mediapipe_attribute(name: str) -> Any:
    if name == "solutions":
        return importlib.import_module("mediapipe.python.solutions")
    if name == "tasks":
        return importlib.import_module("mediapipe.tasks.python")
    try:
        return importlib.import_module(f"mediapipe.{name}")
    except ModuleNotFoundError:
        return getattr(importlib.import_module("mediapipe.python"), name)


def _lazy_package(name: str, folder: Path, attribute: Callable[[str], Any] | None) -> None:
    module = types.ModuleType(name)
    module.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=True)
    module.__spec__.submodule_search_locations = [str(folder)]
    module.__path__ = [str(folder)]

    def __getattr__(attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        value = attribute(attr) if attribute else importlib.import_module(f"{name}.{attr}")
        setattr(module, attr, value)
        return value

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules[name] = module


def mediapipe_available() -> bool:
    return importlib.util.find_spec("mediapipe") is not None


class PackagedDetector:
    name = "packaged"

    def __init__(self, use_person: bool | None = None) -> None:
        began = time.perf_counter()
        self.person: PersonRegions | None = None
        if use_person is None:
            use_person = mediapipe_available()
        if use_person:
            self.person = PersonRegions()
        self.load_seconds = time.perf_counter() - began

    def info(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "model": "whole-photo foreground"
            + (" + mediapipe pose/segmentation" if self.person else ""),
            "revision": f"mediapipe=={self.person.version}" if self.person else "builtin",
            "person_detection": self.person is not None,
            "labels": ["garment", "top", "bottom"],
            "load_seconds": round(self.load_seconds, 4),
        }

    def detect(self, image: Image.Image, threshold: float, max_detections: int) -> list[Detection]:
        found = self.person.find(image) if self.person is not None else []
        if not found:
            found = self._flat_lay(image)
        found = [d for d in found if d.confidence >= threshold and d.area > 0]
        found.sort(key=lambda d: -d.confidence)
        return found[:max_detections]

    @staticmethod
    def _flat_lay(image: Image.Image) -> list[Detection]:
        from scipy import ndimage

        rgb = working_array(image, WORK_SIDE)
        fg = estimate_foreground(rgb)
        width, height = image.size
        if not fg.background_found or fg.bbox() is None:
            full = (0.0, 0.0, float(width), float(height))
            return [Detection("garment", NO_BACKDROP_PRIOR, full, None, "whole-photo")]
        labels, count = ndimage.label(fg.mask)
        sizes = np.bincount(labels.ravel(), minlength=count + 1)[1:]
        floor = max(MIN_PIECE_SHARE * fg.mask.size, MIN_PIECE_OF_LARGEST * sizes.max())
        pieces = [i + 1 for i in range(count) if sizes[i] >= floor]
        sx, sy = width / rgb.shape[1], height / rgb.shape[0]
        slices = ndimage.find_objects(labels)
        regions = [(slices[p - 1], labels == p) for p in pieces]
        if not regions:  # only specks: the foreground as a whole
            x1, y1, x2, y2 = fg.bbox()  # type: ignore[misc]
            regions = [((slice(y1, y2), slice(x1, x2)), fg.mask)]
        out = []
        for (rows, cols), piece_mask in regions:
            x1, y1, x2, y2 = cols.start, rows.start, cols.stop, rows.stop
            box = clip_box((x1 * sx, y1 * sy, x2 * sx, y2 * sy), width, height)
            mask = piece_mask[y1:y2, x1:x2]
            out.append(
                Detection("garment", fg.border_uniformity, box, mask, "whole-photo:foreground")
            )
        out.sort(key=lambda d: (d.box[0], d.box[1]))
        return out
