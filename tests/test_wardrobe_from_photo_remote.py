"""from-photo across services, as in compose: two real servers on one (SQLite) database.

One serves ``visual_analysis``, the other ``conversational_ai`` with ``AURA_VISION_URL``
pointing at the first. The assistant's server does not load the vision models: from-photo
there sends the photo to the vision server (the caller's key forwarded), cuts the crops
itself and stores items with crops, colours and both embeddings. The vision server's 4xx
comes back as is; a stopped vision server is a 502; neither stores anything.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import numpy as np
import pytest
from PIL import Image

from aura.vision.pipeline import analysis_fingerprint
from tests.server import AuraServer
from tests.test_wardrobe_from_photo import (
    GREEN,
    NAVY,
    RED,
    cache_outcomes,
    embedding_rows,
    flat_lay,
    table_counts,
    unique,
)
from tests.wardrobe_client import Client, create_user


@dataclass
class Pair:
    vision: AuraServer
    assistant: AuraServer
    db_url: str
    alice: Client  # against the assistant's server

    def post(self, data: bytes, **form: str) -> httpx.Response:
        files = {"file": ("photo", data, "application/octet-stream")}
        return self.alice.http.post("/items/from-photo", files=files, data=form, timeout=120)

    def counts(self) -> dict[str, int]:
        return table_counts(self.db_url)

    def embeddings(self, item_id: int) -> list[tuple[int, bool]]:
        return embedding_rows(self.db_url, item_id)

    def vision_misses(self) -> float:
        return cache_outcomes(self.vision.url).get("miss", 0.0)


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> Iterator[Pair]:
    from aura.config import load_settings
    from aura.layout import DataTree

    data_dir = tmp_path_factory.mktemp("from-photo-remote") / "data"
    key = create_user(data_dir, {}, "alice")
    common = {"AURA_RATE_LIMIT_PER_MINUTE": "100000"}
    vision = AuraServer(data_dir, {**common, "AURA_SERVICE": "visual_analysis"})
    assistant = AuraServer(
        data_dir,
        {**common, "AURA_SERVICE": "conversational_ai", "AURA_VISION_URL": vision.url},
    )
    with vision, assistant:  # both start at once; each waits for its own models
        vision.wait_ready(timeout=300)
        assistant.wait_ready(timeout=300)
        db_url = DataTree(load_settings(data_dir=data_dir)).database_url
        yield Pair(vision, assistant, db_url, Client(assistant, key))


def test_the_assistant_does_not_load_vision_but_imports_photos(pair: Pair) -> None:
    info = httpx.get(pair.assistant.url + "/api/v1/visual-analysis/model/info", timeout=10)
    assert info.status_code == 404  # not served there: the photo goes to the other server
    photo = unique(flat_lay([NAVY, RED, GREEN], seed=3))
    before, misses = pair.counts(), pair.vision_misses()
    response = pair.post(photo)
    assert response.status_code == 201, response.text
    assert pair.vision_misses() == misses + 1  # the vision server ran its models on it
    body = response.json()
    assert body["photo_sha256"] == hashlib.sha256(photo).hexdigest() and body["cached"] is False
    items = body["items"]
    assert [i["colors"][0] for i in items] == ["navy", "red", "green"]
    # the fingerprint is the one the vision server's own basis gives (so stored analyses match)
    headers = dict(pair.alice.http.headers)
    model = httpx.get(
        pair.vision.url + "/api/v1/visual-analysis/model/info", headers=headers, timeout=10
    ).json()
    expected = analysis_fingerprint(model["fingerprint_basis"], 0.5, 10, True)
    for n, item in enumerate(items):
        assert item["attributes"]["analysis"] == expected
        assert item["description"] == f"{item['colors'][0]} {item['category']}"
        x1, y1, x2, y2 = item["bbox"]
        assert n * 300 <= x1 < x2 <= (n + 1) * 300 and 0 <= y1 < y2 <= 400
        crop = pair.alice.http.get(f"/photos/{item['image_sha256']}")
        assert crop.status_code == 200 and crop.headers["content-type"] == "image/jpeg"
        assert hashlib.sha256(crop.content).hexdigest() == item["image_sha256"]
        picture = Image.open(io.BytesIO(crop.content))
        assert abs(picture.width - (x2 - x1)) <= 2 and abs(picture.height - (y2 - y1)) <= 2
        centre = np.asarray(picture.convert("RGB"))[picture.height // 2, picture.width // 2]
        assert np.abs(centre.astype(int) - (NAVY, RED, GREEN)[n]).max() < 30
        assert pair.embeddings(item["id"]) == [(384, False), (1280, False)]
    after = pair.counts()
    assert after["wardrobe_items"] == before["wardrobe_items"] + 3
    assert after["photos"] == before["photos"] + 4  # the photo and three crops
    assert after["garment_analyses"] == before["garment_analyses"] + 1
    assert pair.alice.search_ids(f"red {items[1]['category']}", 1) == [items[1]["id"]]
    # the same photo again: the analysis kept in the database answers, the models do not run
    again = pair.post(photo, select="1")
    assert again.status_code == 201 and again.json()["cached"] is True, again.text
    assert pair.vision_misses() == misses + 1


def test_the_vision_services_refusal_is_passed_on_and_nothing_stored(pair: Pair) -> None:
    good = unique(flat_lay([NAVY, RED], seed=5))
    cases = [
        (b"", {}, 400, "empty"),
        (b"<html>not a photo</html>", {}, 415, "not_an_image"),
        (good[: len(good) // 2], {}, 422, "truncated"),
        (good, {"select": "0,5"}, 422, None),  # found by the import, after the analysis
    ]
    before = pair.counts()
    for data, form, status, reason in cases:
        response = pair.post(data, **form)
        assert response.status_code == status, (reason, response.text)
        error = response.json()
        assert error["message"] and error["fix"], error
        assert reason is None or error["reason"] == reason, error
    assert pair.counts() == before


def test_a_stopped_vision_service_is_a_502_and_nothing_stored(pair: Pair) -> None:
    pair.vision.stop()
    before = pair.counts()
    response = pair.post(unique(flat_lay([GREEN], seed=9)))
    assert response.status_code == 502, response.text
    error = response.json()
    assert error["error"] == "DependencyUnavailable"
    assert "AURA_VISION_URL" in error["message"] and pair.vision.url in error["message"]
    assert error["fix"]
    assert pair.counts() == before
    assert httpx.get(pair.assistant.url + "/health/live", timeout=10).status_code == 200
