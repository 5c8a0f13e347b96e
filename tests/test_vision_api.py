"""/api/v1/visual-analysis over real HTTP against `aura serve --service visual_analysis`."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import skimage.data
from PIL import Image
from skimage.color import deltaE_ciede2000, rgb2lab

from aura.vision.classifier import CLASSES
from tests.server import AuraServer, api_key_headers, run_aura
from tests.synthetic import encode, garment_on_backdrop

DATA = Path("/usr/share/datasets/fashion-mnist")
NAVY = (20, 40, 120)
AUTH: dict[str, str] = {}  # the bearer header of the module's user, set by the fixture


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("vision-api") / "data"
    assert run_aura("setup", env={"AURA_DATA_DIR": str(data_dir)}).returncode == 0
    if (DATA / "train-images-idx3-ubyte.gz").is_file():  # a real (tiny) trained artifact
        from aura.vision.training import TrainConfig, train_garment_classifier

        models = data_dir / "visual_analysis" / "models"
        train_garment_classifier(
            DATA,
            models / "aura_garment_classifier",
            models / ".training" / "garment_classifier",
            TrainConfig(
                epochs=2, batch_size=64, width=16, limit_train=640, limit_test=200, members=1
            ),
        )
    AUTH.update(api_key_headers(data_dir))
    with AuraServer(data_dir, env={"AURA_SERVICE": "visual_analysis"}) as server:
        server.wait_ready(timeout=240)
        without_key = httpx.post(server.url + "/api/v1/visual-analysis/analyze", timeout=30)
        assert without_key.status_code == 401, without_key.text
        yield server.url + "/api/v1/visual-analysis"
        assert httpx.get(server.url + "/health/live", timeout=10).status_code == 200


def _post(api: str, data: bytes, name: str = "photo", **form: str) -> httpx.Response:
    return httpx.post(
        api + "/analyze",
        headers=AUTH,
        files={"image": (name, data, "application/octet-stream")},
        data=form,
        timeout=120,
    )


def test_flat_lay_photo_gives_a_described_garment(api: str) -> None:
    response = _post(api, encode(garment_on_backdrop(NAVY, seed=5), "PNG"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["backend"]["name"] == "packaged" and body["summary"]["count"] == 1
    det = body["detections"][0]
    x1, y1, x2, y2 = det["bbox"]
    assert 0 <= x1 < x2 <= 480 and 0 <= y1 < y2 <= 640
    assert det["area"] == pytest.approx((x2 - x1) * (y2 - y1), rel=1e-3)
    # the shirt spans x 0.08-0.92 and y 0.12-0.88 of the picture
    assert abs(x1 - 38) < 12 and abs(x2 - 442) < 12 and abs(y1 - 77) < 12 and abs(y2 - 563) < 12
    attrs = det["attributes"]
    colour = attrs["colors"][0]
    truth = rgb2lab(np.array([[NAVY]], float) / 255)[0, 0]
    assert deltaE_ciede2000(np.array(colour["lab"]), truth) < 3 and colour["name"] == "navy"
    assert attrs["pattern"]["label"] == "solid"
    vector = np.array(attrs["embedding"]["vector"])
    assert vector.shape == (1280,) and abs(np.linalg.norm(vector) - 1) < 1e-3
    if attrs["category"] is not None:
        assert attrs["category"]["label"] in CLASSES
        assert 0 < attrs["category"]["confidence"] <= 1
    assert "tags" in attrs["imagenet"]


def test_parameters_are_honoured(api: str) -> None:
    coffee = encode(Image.fromarray(skimage.data.coffee()), "JPEG")  # no backdrop, no person
    whole = _post(api, coffee, include_attributes="false").json()
    assert [d["bbox"] for d in whole["detections"]] == [[0.0, 0.0, 600.0, 400.0]]
    assert whole["detections"][0]["confidence"] == 0.5  # the documented prior
    assert "attributes" not in whole["detections"][0]
    assert _post(api, coffee, confidence_threshold="0.9").json()["detections"] == []
    assert _post(api, coffee, max_detections="0").status_code == 422
    assert _post(api, coffee, confidence_threshold="1.5").status_code == 422
    assert (
        httpx.post(api + "/analyze", data={"x": "1"}, headers=AUTH, timeout=30).status_code == 422
    )


def test_photo_of_a_person_gives_body_regions(api: str) -> None:
    pytest.importorskip("mediapipe", reason="mediapipe==0.10.14 (make install) is not installed")
    astronaut = encode(Image.fromarray(skimage.data.astronaut()), "JPEG")
    body = _post(api, astronaut, confidence_threshold="0.3").json()
    assert [(d["label"], d["source"]) for d in body["detections"]] == [("top", "pose:upper-body")]
    assert body["detections"][0]["attributes"]["colors"]


def _gif() -> bytes:
    frames = [Image.new("RGB", (64, 64), c) for c in [(200, 0, 0), (0, 200, 0)]]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    return buf.getvalue()


def test_every_bad_upload_is_a_clear_4xx(api: str) -> None:
    jpeg = encode(garment_on_backdrop(NAVY), "JPEG", quality=90)
    cases = {
        "empty": (b"", 400),
        "not_an_image": (b"<html>definitely not a photo</html>", 415),
        "truncated": (jpeg[: len(jpeg) // 2], 422),
        "too_large": (b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024 + 10), 413),
        "too_many_pixels": (encode(Image.new("1", (20000, 20000))), 413),
    }
    for reason, (data, status) in cases.items():
        response = _post(api, data)
        assert response.status_code == status, (reason, response.text)
        body = response.json()
        assert body["reason"] == reason and body["fix"], body


def test_unusual_modes_are_analysed(api: str) -> None:
    rgba = Image.new("RGBA", (120, 160), (0, 0, 0, 0))
    rgba.paste((30, 130, 40, 255), (20, 20, 100, 140))
    grey16 = Image.fromarray((np.linspace(0, 65535, 120 * 160).reshape(160, 120)).astype(np.uint16))
    exif_img = garment_on_backdrop(NAVY, size=(200, 120))
    exif = exif_img.getexif()
    exif[0x0112] = 6
    cases = {
        "CMYK": encode(garment_on_backdrop(NAVY).convert("CMYK"), "JPEG"),
        "I;16": encode(grey16),
        "P": encode(rgba.quantize()),
        "LA": encode(Image.new("LA", (50, 50), (90, 255))),
        "GIF": _gif(),
        "EXIF": encode(exif_img, "JPEG", exif=exif.tobytes()),
    }
    for what, data in cases.items():
        response = _post(api, data)
        assert response.status_code == 200, (what, response.text)
        image = response.json()["summary"]["image"]
        if what == "GIF":
            assert image["frames"] == 2
        elif what == "EXIF":
            assert image["orientation_applied"] and (image["width"], image["height"]) == (120, 200)
        else:
            assert image["source_mode"].startswith(what), image
    palette = _post(api, cases["P"]).json()["detections"][0]["attributes"]["colors"][0]
    assert palette["name"] == "green"  # the transparent backdrop is not a colour


def test_batch(api: str) -> None:
    good = encode(garment_on_backdrop((200, 30, 35)), "PNG")
    files = [
        ("images", ("a.png", good)),
        ("images", ("b.txt", b"nope")),
        ("images", ("c.png", good)),
    ]
    response = httpx.post(api + "/analyze/batch", files=files, headers=AUTH, timeout=120)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(r["filename"], r["status"]) for r in body["results"]] == [
        ("a.png", 200),
        ("b.txt", 415),
        ("c.png", 200),
    ]
    assert body["succeeded"] == 2
    assert body["results"][0]["detections"][0]["attributes"]["colors"][0]["name"] == "red"
    many = [("images", (f"{i}.png", b"x")) for i in range(21)]
    too_many = httpx.post(api + "/analyze/batch", files=many, headers=AUTH, timeout=60)
    assert too_many.status_code == 413 and too_many.json()["reason"] == "too_many_images"


def test_categories_and_model_info(api: str) -> None:
    categories = httpx.get(api + "/categories", headers=AUTH, timeout=10).json()
    assert categories["garment_classes"] == list(CLASSES)
    assert categories["patterns"] == ["solid", "striped", "checked", "dotted", "printed"]
    assert "jersey, T-shirt" in categories["imagenet_garment_classes"]
    info = httpx.get(api + "/model/info", headers=AUTH, timeout=10).json()
    assert info["backend"] == "packaged" and info["revision"]
    assert info["embedding"]["dim"] == 1280
    weights = info["embedding"]["weights"]  # the model store's copy, not the package's
    assert "/visual_analysis/models/" in weights and "/snapshots/" in weights, weights
    assert set(info["load_seconds"]) == {"backbone", "classifier", "detector"}
    if (DATA / "train-images-idx3-ubyte.gz").is_file():
        assert info["garment_classifier"]["available"] is True
        assert 0 < info["garment_classifier"]["test_accuracy"] <= 1


def test_fuzzed_uploads_never_cause_a_5xx(api: str) -> None:
    rng = np.random.default_rng(1234)
    small = garment_on_backdrop((150, 60, 160), size=(48, 64))
    seeds = [encode(small, "PNG"), encode(small, "JPEG"), encode(small, "GIF"), _gif()]
    seeds.append(encode(small, "WEBP"))
    seeds.append(encode(small, "BMP"))
    statuses: dict[int, int] = {}
    for i in range(72):
        if i % 3 == 0:  # random bytes, sometimes behind a real magic number
            data = rng.integers(0, 256, int(rng.integers(0, 2048)), dtype=np.uint8).tobytes()
            if i % 2:
                data = seeds[i % len(seeds)][:8] + data
        else:  # a real file with flipped bytes, cut short, or a spliced chunk
            data = bytearray(seeds[i % len(seeds)])
            for _ in range(int(rng.integers(1, 12))):
                data[int(rng.integers(0, len(data)))] = int(rng.integers(0, 256))
            if i % 3 == 2:
                data = data[: int(rng.integers(1, len(data)))]
            data = bytes(data)
        response = _post(api, data, include_attributes="true" if i % 4 == 0 else "false")
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, (i, response.status_code, response.text[:300])
    assert set(statuses) <= {200, 400, 413, 415, 422}, statuses
    assert _post(api, seeds[0]).status_code == 200  # still serving
