"""The DETR back-end with a tiny random DETR the test builds and saves (no hub needed).

The classification head and box head are set by hand, so the right answer is known:
pixel boxes from normalised (cx, cy, w, h), labels from id2label, the "no object" class
never reported, threshold and max-detections honoured.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.server import AuraServer, api_key_headers, run_aura
from tests.synthetic import encode, garment_on_backdrop
from tests.tiny_detr import SCORE, build_tiny_detr


@pytest.fixture(scope="module")
def shoes_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_detr(tmp_path_factory.mktemp("detr-shoes"), winner=2)


def test_pixel_boxes_labels_threshold_and_max_detections(shoes_model: Path) -> None:
    from aura.vision.detectors.detr import DetrDetector

    detector = DetrDetector(shoes_model)
    image = Image.new("RGB", (400, 300), (200, 200, 200))
    found = detector.detect(image, threshold=0.5, max_detections=100)
    assert len(found) == 8  # every query
    for det in found:
        assert det.label == "shoes" and abs(det.confidence - SCORE) < 1e-3
        assert np.allclose(det.box, (100.0, 45.0, 300.0, 105.0), atol=0.5)  # x1 y1 x2 y2
    assert len(detector.detect(image, threshold=0.5, max_detections=3)) == 3
    assert detector.detect(image, threshold=0.9, max_detections=10) == []
    info = detector.info()
    assert info["backend"] == "detr" and info["labels"] == ["bottom", "shoes", "top"]
    assert info["architecture"] == "DetrForObjectDetection" and info["load_seconds"] >= 0


def test_no_object_class_is_never_a_detection(tmp_path: Path) -> None:
    from aura.vision.detectors.detr import DetrDetector

    detector = DetrDetector(build_tiny_detr(tmp_path / "empty", winner=None))
    image = Image.new("RGB", (200, 200), (90, 90, 90))
    assert detector.detect(image, threshold=0.01, max_detections=100) == []


def test_missing_model_folder_is_a_clear_error(tmp_path: Path) -> None:
    from aura.errors import ModelMissing
    from aura.vision.detectors.detr import DetrDetector

    with pytest.raises(ModelMissing) as info:
        DetrDetector(tmp_path / "nothing-here")
    assert "AURA_VISION_DETR_MODEL_DIR" in (info.value.fix or "")


def test_server_uses_the_detr_backend_when_configured(shoes_model: Path, tmp_path: Path) -> None:
    env = {
        "AURA_SERVICE": "visual_analysis",
        "AURA_VISION_BACKEND": "auto",
        "AURA_VISION_DETR_MODEL_DIR": str(shoes_model),
    }
    assert run_aura("setup", env={"AURA_DATA_DIR": str(tmp_path / "data")}).returncode == 0
    auth = api_key_headers(tmp_path / "data")
    with AuraServer(tmp_path / "data", env=env) as server:
        server.wait_ready(timeout=240)
        base = server.url + "/api/v1/visual-analysis"
        info = httpx.get(base + "/model/info", headers=auth, timeout=10).json()
        assert info["backend"] == "detr" and info["revision"] == "local"
        photo = encode(garment_on_backdrop((20, 40, 120)), "JPEG")
        body = httpx.post(
            base + "/analyze",
            headers=auth,
            files={"image": ("p.jpg", photo, "image/jpeg")},
            data={"max_detections": "2", "include_attributes": "false"},
            timeout=120,
        ).json()
        assert body["backend"]["name"] == "detr"
        assert [d["label"] for d in body["detections"]] == ["shoes", "shoes"]
        assert np.allclose(body["detections"][0]["bbox"], (120.0, 96.0, 360.0, 224.0), atol=1)
        assert "attributes" not in body["detections"][0]
