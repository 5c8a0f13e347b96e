"""The packaged back-end imports MediaPipe's pose solution alone (not matplotlib, OpenCV or
the tasks) and only on the first photo, which also builds its graph; scipy and scikit-image
wait for the photo too. It finds exactly what it finds after an ordinary ``import
mediapipe``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("mediapipe", reason="mediapipe==0.10.14 (make install) is not installed")

DETECT = """
import json, sys
if sys.argv[1] == "whole":
    import mediapipe
from aura.vision.detectors.packaged import PackagedDetector
detector = PackagedDetector()
built_on_load = detector.person.started  # the graph waits for the first photo
# scipy and scikit-image: imported where a photo needs them
LATER = ("scipy.ndimage", "scipy.linalg", "skimage.color.colorconv")
scipy_on_load = any(m in sys.modules for m in LATER)
bindings_on_load = "mediapipe.python._framework_bindings" in sys.modules
import skimage.data
from PIL import Image
found = detector.detect(Image.fromarray(skimage.data.astronaut()), threshold=0.3, max_detections=10)
out = {
    "detections": [[d.label, d.source, round(d.confidence, 6), [round(v, 3) for v in d.box],
                    float(d.mask.mean()) if d.mask is not None else None] for d in found],
    "imported": sorted(m for m in ("matplotlib", "cv2", "mediapipe.tasks") if m in sys.modules),
    "revision": detector.info()["revision"],
    "graph": [built_on_load, detector.person.started],
    "scipy_on_load": scipy_on_load,
    "bindings_on_load": bindings_on_load,
}
import mediapipe as mp  # afterwards, the package still reads as usual
out["later"] = [mp.__version__, mp.solutions.pose.Pose.__name__, mp.Image.__name__]
print(json.dumps(out))
"""


def _run(mode: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", DETECT, mode], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_pose_alone_finds_what_the_whole_package_finds() -> None:
    lean, whole = _run("lean"), _run("whole")
    assert lean["imported"] == [] and whole["imported"] == ["cv2", "matplotlib", "mediapipe.tasks"]
    assert lean["detections"] == whole["detections"]
    assert [d[:2] for d in lean["detections"]] == [["top", "pose:upper-body"]]
    assert lean["revision"] == whole["revision"] == "mediapipe==0.10.14"
    assert lean["graph"] == whole["graph"] == [False, True]
    assert lean["scipy_on_load"] is False and lean["bindings_on_load"] is False
    assert lean["later"] == whole["later"] == ["0.10.14", "Pose", "Image"]
