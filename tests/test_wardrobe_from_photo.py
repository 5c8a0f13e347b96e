"""POST /api/v1/wardrobe/items/from-photo over real HTTP, on SQLite and on PostgreSQL.

A synthetic flat-lay of three garments with known colours goes in; three wardrobe items
come out, each with its crop, colours, description and both embeddings, private to the
caller. Bad input stores nothing; a repeated photo is answered from the cache (and, with
the cache emptied, from the analysis kept in the database).
"""

from __future__ import annotations

import hashlib
import io
import re
import select as io_select
import socket
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import httpx
import numpy as np
import pytest
import skimage.data
from PIL import Image, PngImagePlugin
from sqlalchemy import func, select

from aura.storage.cache import analysis_key
from aura.storage.db import Database
from aura.storage.schema import GarmentAnalysis, ItemEmbedding, Photo, WardrobeItem
from tests.server import AuraServer
from tests.synthetic import encode, garment_on_backdrop
from tests.wardrobe_client import Client, backend_env, create_user

NAVY, RED, GREEN = (20, 40, 120), (200, 30, 35), (30, 130, 40)
TILE = (300, 400)
NONCE = uuid.uuid4().hex


def unique(img: Image.Image, fmt: str = "PNG", **kwargs: object) -> bytes:
    """The picture encoded with this run's nonce in its metadata: the same pixels, bytes
    (and so a sha256) no earlier run sent, so a Redis kept from that run has no answer."""
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("aura-test-run", NONCE)
        return encode(img, "PNG", pnginfo=info, **kwargs)
    return encode(img, fmt, comment=NONCE.encode(), **kwargs)


def flat_lay(colours: list[tuple[int, int, int]], seed: int = 0) -> Image.Image:
    """Garments side by side on one backdrop, left to right, each in a 300x400 tile."""
    tiles = [garment_on_backdrop(c, seed=seed + i, size=TILE) for i, c in enumerate(colours)]
    canvas = Image.new("RGB", (TILE[0] * len(tiles), TILE[1]))
    for i, tile in enumerate(tiles):
        canvas.paste(tile, (i * TILE[0], 0))
    return canvas


TABLES = (WardrobeItem, Photo, ItemEmbedding, GarmentAnalysis)


def table_counts(db_url: str) -> dict[str, int]:
    """Rows in every table a from-photo call writes (to show a refusal stored nothing)."""
    db = Database(db_url)
    try:
        with db.session() as s:
            return {
                t.__tablename__: int(s.scalar(select(func.count()).select_from(t)) or 0)
                for t in TABLES
            }
    finally:
        db.close()


def embedding_rows(db_url: str, item_id: int) -> list[tuple[int, bool]]:
    """(dimension, deleted) of each of the item's embeddings, every space."""
    db = Database(db_url)
    try:
        with db.session() as s:
            rows = s.scalars(select(ItemEmbedding).where(ItemEmbedding.item_id == item_id))
            return sorted((r.dimension, r.deleted) for r in rows)
    finally:
        db.close()


def cache_outcomes(server_url: str) -> dict[str, float]:
    text = httpx.get(server_url + "/metrics", timeout=10).text
    pattern = r'^aura_vision_analysis_cache_total\{outcome="(\w+)"\} ([0-9.e+]+)$'
    return {m[1]: float(m[2]) for m in re.finditer(pattern, text, re.M)}


@dataclass
class Served:
    server: AuraServer
    db_url: str
    redis: str | None
    alice: Client
    bob: Client

    def post(self, client: Client, data: bytes, **form: str) -> httpx.Response:
        return client.http.post(
            "/items/from-photo",
            files={"file": ("photo", data, "application/octet-stream")},
            data=form,
            timeout=120,
        )

    def counts(self) -> dict[str, int]:
        return table_counts(self.db_url)

    def embeddings(self, item_id: int) -> list[tuple[int, bool]]:
        return embedding_rows(self.db_url, item_id)

    def cache_outcomes(self) -> dict[str, float]:
        return cache_outcomes(self.server.url)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def served(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Served]:
    from aura.config import load_settings
    from aura.layout import DataTree

    data_dir = tmp_path_factory.mktemp(f"from-photo-{request.param}") / "data"
    extra = {"AURA_RATE_LIMIT_PER_MINUTE": "100000"}
    redis = None
    if request.param == "postgres":  # the compose shape: PostgreSQL and Redis
        redis = request.getfixturevalue("redis_url")
        extra["REDIS_URL"] = redis
    with backend_env(request, request.param, extra) as env:
        alice_key = create_user(data_dir, env, "alice")
        bob_key = create_user(data_dir, env, "bob")
        settings = load_settings(data_dir=data_dir, database_url=env.get("DATABASE_URL"))
        with AuraServer(data_dir, env) as server:
            server.wait_ready(timeout=300)
            yield Served(
                server,
                DataTree(settings).database_url,
                redis,
                Client(server, alice_key),
                Client(server, bob_key),
            )


def test_each_garment_becomes_an_item_with_its_crop(served: Served) -> None:
    photo = unique(flat_lay([NAVY, RED, GREEN]))
    before = served.counts()
    response = served.post(served.alice, photo)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["photo_sha256"] == hashlib.sha256(photo).hexdigest()
    assert body["backend"]["name"] == "packaged" and body["cached"] is False
    assert len(body["analysis"]["detections"]) == 3 and body["analysis"]["cached"] is False
    items = body["items"]
    assert [i["colors"][0] for i in items] == ["navy", "red", "green"]
    for n, item in enumerate(items):
        assert item["source"] == "photo" and item["source_photo_sha256"] == body["photo_sha256"]
        x1, y1, x2, y2 = item["bbox"]  # pixels of the photo, inside garment n's tile
        assert n * 300 <= x1 < x2 <= (n + 1) * 300 and 0 <= y1 < y2 <= 400
        assert item["description"] == f"{item['colors'][0]} {item['category']}"
        attrs = item["attributes"]
        assert attrs["detection"]["index"] == n and 0 < attrs["detection"]["confidence"] <= 1
        assert attrs["colors"][0]["share"] > 0.5 and attrs["pattern"]["label"] == "solid"
        assert 0 < attrs["pattern"]["confidence"] <= 1
        assert served.alice.http.get(f"/items/{item['id']}").json() == item
        crop = served.alice.http.get(f"/photos/{item['image_sha256']}")
        assert crop.status_code == 200 and crop.headers["content-type"] == "image/jpeg"
        assert hashlib.sha256(crop.content).hexdigest() == item["image_sha256"]
        picture = Image.open(io.BytesIO(crop.content))
        assert abs(picture.width - (x2 - x1)) <= 2 and abs(picture.height - (y2 - y1)) <= 2
        centre = np.asarray(picture.convert("RGB"))[picture.height // 2, picture.width // 2]
        truth = (NAVY, RED, GREEN)[n]
        assert np.abs(centre.astype(int) - truth).max() < 30, (centre, truth)
        assert served.embeddings(item["id"]) == [(384, False), (1280, False)]
    original = served.alice.http.get(f"/photos/{body['photo_sha256']}")
    assert original.content == photo and original.headers["content-type"] == "image/png"
    after = served.counts()
    assert after["wardrobe_items"] == before["wardrobe_items"] + 3
    assert after["photos"] == before["photos"] + 4  # the photo and three crops
    assert after["garment_analyses"] == before["garment_analyses"] + 1
    listed = {i["id"] for i in served.alice.all_items()}
    assert {i["id"] for i in items} <= listed
    navy = served.alice.http.get("/items", params={"q": "navy"}).json()["items"]
    assert items[0]["id"] in [i["id"] for i in navy] and items[1]["id"] not in [
        i["id"] for i in navy
    ]
    assert served.alice.search_ids(f"red {items[1]['category']}", 1) == [items[1]["id"]]
    # deleting an item deletes its vectors in both spaces
    assert served.alice.http.delete(f"/items/{items[2]['id']}").status_code == 204
    assert served.embeddings(items[2]["id"]) == [(384, True), (1280, True)]


def test_select_keeps_only_the_chosen_garments(served: Served) -> None:
    photo = unique(flat_lay([GREEN, NAVY, RED], seed=7), "JPEG", quality=92)
    response = served.post(served.alice, photo, select="2,0")
    assert response.status_code == 201, response.text
    body = response.json()
    assert len(body["analysis"]["detections"]) == 3
    assert [i["colors"][0] for i in body["items"]] == ["red", "green"]
    assert [i["attributes"]["detection"]["index"] for i in body["items"]] == [2, 0]


def test_another_user_sees_none_of_it(served: Served) -> None:
    photo = unique(flat_lay([RED], seed=11))
    response = served.post(served.alice, photo)
    assert response.status_code == 201, response.text
    item = response.json()["items"][0]
    bob = served.bob
    assert bob.http.get(f"/items/{item['id']}").status_code == 404
    assert bob.http.get(f"/photos/{item['image_sha256']}").status_code == 404
    assert bob.http.get(f"/photos/{item['source_photo_sha256']}").status_code == 404
    assert item["id"] not in {i["id"] for i in bob.all_items()}
    assert item["id"] not in bob.search_ids("red garment", 50)
    anonymous = httpx.post(
        served.server.url + "/api/v1/wardrobe/items/from-photo",
        files={"file": ("p", photo)},
        timeout=30,
    )
    assert anonymous.status_code == 401


def test_bad_input_stores_nothing(served: Served) -> None:
    good = unique(flat_lay([NAVY, RED]))
    coffee = encode(Image.fromarray(skimage.data.coffee()), "JPEG")  # no backdrop: prior 0.5
    cases = [
        (b"", {}, 400, "empty"),
        (b"<html>not a photo</html>", {}, 415, "not_an_image"),
        (good[: len(good) // 2], {}, 422, "truncated"),
        (encode(Image.new("1", (20000, 20000))), {}, 413, "too_many_pixels"),
        (good, {"select": "0,5"}, 422, None),
        (good, {"select": "zero"}, 422, None),
        (good, {"max_detections": "0"}, 422, None),
        (good, {"confidence_threshold": "2"}, 422, None),
        (coffee, {"confidence_threshold": "0.9"}, 422, "no_garments"),
    ]
    before = served.counts()
    for data, form, status, reason in cases:
        response = served.post(served.alice, data, **form)
        assert response.status_code == status, (form, reason, response.text)
        error = response.json()
        assert error["message"] and (reason is None or error["reason"] == reason), error
        if reason is not None:
            assert error["fix"]
    missing_file = served.alice.http.post("/items/from-photo", data={"select": "0"})
    assert missing_file.status_code == 422
    assert served.counts() == before


def test_a_repeated_photo_is_answered_from_the_cache(served: Served) -> None:
    photo = unique(flat_lay([NAVY], seed=21))
    outcomes = served.cache_outcomes()
    first = served.post(served.alice, photo)
    assert first.status_code == 201 and first.json()["cached"] is False
    again = served.post(served.alice, photo)
    assert again.status_code == 201, again.text
    assert again.json()["cached"] is True and again.json()["analysis"]["cached"] is True
    assert again.json()["analysis"]["detections"] == first.json()["analysis"]["detections"]
    later = served.cache_outcomes()
    assert later["cache_hit"] == outcomes.get("cache_hit", 0) + 1
    assert later["miss"] == outcomes.get("miss", 0) + 1
    # /analyze shares the cache: the same photo and parameters are a hit; others are not
    analyze = served.server.url + "/api/v1/visual-analysis/analyze"
    headers = dict(served.alice.http.headers)

    def cached(**form: str) -> bool:
        files = {"image": ("p", photo)}
        response = httpx.post(analyze, files=files, data=form, headers=headers, timeout=120)
        assert response.status_code == 200, response.text
        return bool(response.json()["cached"])

    assert cached() is True
    assert [cached(include_attributes="false") for _ in range(2)] == [False, True]
    if served.redis is not None:  # an emptied cache: the analysis kept in the database
        import redis

        fingerprint = first.json()["items"][0]["attributes"]["analysis"]
        sha = first.json()["photo_sha256"]
        client = redis.Redis.from_url(served.redis)
        assert client.delete("aura:" + analysis_key(sha, fingerprint)) == 1
        third = served.post(served.alice, photo)
        assert third.status_code == 201 and third.json()["cached"] is True
        assert served.cache_outcomes()["database_hit"] == outcomes.get("database_hit", 0) + 1


def _raw_post(
    url: str, path: str, head: dict[str, str], parts: Iterable[bytes] = ()
) -> tuple[int, str]:
    """Send the request line, headers and body parts (stopping as soon as the server
    answers); return the status and body of its answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        lines = [f"POST {path} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in head.items())]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        for part in parts:
            if io_select.select([sock], [], [], 0)[0]:
                break  # the server has answered: it reads no further
            try:
                sock.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                break
        received = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
            if b"\r\n\r\n" in received and received.rstrip().endswith(b"}"):
                break
    status = int(received.split(b" ", 2)[1])
    return status, received.split(b"\r\n\r\n", 1)[1].decode()


def test_an_oversized_upload_is_refused_before_its_body_is_read(served: Served) -> None:
    auth = served.alice.http.headers["authorization"]
    multipart = {"Authorization": auth, "Content-Type": "multipart/form-data; boundary=b"}
    for path in (
        "/api/v1/wardrobe/items/from-photo",
        "/api/v1/visual-analysis/analyze",
        "/api/v1/visual-analysis/analyze/batch",
    ):
        # 3 GB announced, a few bytes sent: only the header can have been read
        status, text = _raw_post(
            served.server.url, path, {**multipart, "Content-Length": str(3 * 2**30)}, [b"--b\r\n"]
        )
        assert status == 413 and '"reason": "too_large"' in text, (path, text)
    status, text = _raw_post(
        served.server.url,
        "/api/v1/wardrobe/photos",
        {"Authorization": auth, "Content-Type": "image/png", "Content-Length": str(2**34)},
    )
    assert status == 413, text
    # no Content-Length at all (chunked): refused once the count passes the limit
    limit = 10 * 1024 * 1024 + 64 * 1024
    head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="p"\r\n\r\n'
    chunk = b"x" * 2**18
    parts = [b"%x\r\n%s\r\n" % (len(c), c) for c in [head] + [chunk] * (limit // len(chunk) + 8)]
    status, text = _raw_post(
        served.server.url,
        "/api/v1/wardrobe/items/from-photo",
        {**multipart, "Transfer-Encoding": "chunked"},
        parts,
    )
    assert status == 413 and "too_large" in text, text
    assert served.post(served.alice, unique(flat_lay([RED]))).status_code == 201


def test_where_vision_is_served_elsewhere_the_route_says_so(tmp_path) -> None:
    data_dir = tmp_path / "data"
    key = create_user(data_dir, {}, "carol")
    with AuraServer(data_dir, {"AURA_SERVICE": "conversational_ai"}) as server:
        server.wait_ready(timeout=300)
        client = Client(server, key)
        photo = unique(flat_lay([NAVY]))
        response = client.http.post("/items/from-photo", files={"file": ("p", photo)})
        assert response.status_code == 503, response.text
        error = response.json()
        assert error["error"] == "ServiceNotServed" and "visual_analysis" in error["fix"]
        assert "/api/v1/visual-analysis/analyze" in error["fix"]
        assert "AURA_SERVICE=conversational_ai" in error["message"]
        assert "AURA_VISION_URL" in error["fix"]
        assert client.all_items() == []


def test_similar_items_by_photo_and_by_description(served: Served) -> None:
    first = served.post(served.alice, unique(flat_lay([NAVY, RED, GREEN], seed=40)))
    assert first.status_code == 201, first.text
    navy, red, green = (i["id"] for i in first.json()["items"])
    second = served.post(served.alice, unique(flat_lay([(30, 50, 130)], seed=50)))
    assert second.status_code == 201, second.text
    query = second.json()["items"][0]["id"]

    found = served.alice.http.get(f"/items/{query}/similar", params={"k": 50})
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["space"] == "image" and body["space_key"].startswith("efficientnet-lite0/pooled")
    ids = [r["item"]["id"] for r in body["results"]]
    assert query not in ids and {navy, red, green} <= set(ids)
    assert ids.index(navy) < ids.index(red) and ids.index(navy) < ids.index(green)
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)
    assert (
        len(served.alice.http.get(f"/items/{query}/similar", params={"k": 1}).json()["results"])
        == 1
    )

    typed = served.alice.http.post(
        "/items", json={"category": "jeans", "colors": ["blue"], "description": "slim jeans"}
    ).json()["id"]
    by_text = served.alice.http.get(f"/items/{typed}/similar").json()
    assert by_text["space"] == "text" and by_text["results"]

    assert served.bob.http.get(f"/items/{query}/similar").status_code == 404
    bob_ids = [
        r["item"]["id"]
        for r in served.bob.http.get("/search", params={"q": "navy"}).json()["results"]
    ]
    assert not set(bob_ids) & {navy, red, green, query}
