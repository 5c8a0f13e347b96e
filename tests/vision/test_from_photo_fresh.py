"""A fresh install (nothing trained) over HTTP: a flat-lay of a red t-shirt and blue
trousers becomes two items with the right slots and colours; a bad upload stores nothing."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tests.server import AuraServer
from tests.synthetic import encode, garment_on_backdrop
from tests.test_wardrobe_from_photo import table_counts
from tests.wardrobe_client import Client, create_user

RED, BLUE = (200, 30, 35), (30, 70, 200)
BACKDROP = (245, 245, 242)


def trousers(colour: tuple[int, int, int], size: tuple[int, int] = (300, 400)) -> Image.Image:
    w, h = size
    img = Image.new("RGB", size, BACKDROP)
    legs = [(0.33, 0.06), (0.67, 0.06), (0.72, 0.94), (0.55, 0.94), (0.5, 0.32), (0.45, 0.94),
            (0.28, 0.94)]  # fmt: skip
    ImageDraw.Draw(img).polygon([(x * w, y * h) for x, y in legs], fill=colour)
    rng = np.random.default_rng(3)
    arr = np.asarray(img, float) + rng.normal(0, 2, (h, w, 3))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AuraServer, Client, str]]:
    from aura.config import load_settings
    from aura.layout import DataTree

    data_dir = tmp_path_factory.mktemp("fresh-install") / "data"
    env = {"AURA_RATE_LIMIT_PER_MINUTE": "100000"}
    key = create_user(data_dir, env, "newcomer")
    db_url = DataTree(load_settings(data_dir=data_dir)).database_url
    with AuraServer(data_dir, env) as server:
        server.wait_ready(timeout=300)
        yield server, Client(server, key), db_url


def test_a_flat_lay_gives_the_right_slots_and_colours(fresh) -> None:
    server, client, _ = fresh
    info = client.http.get(server.url + "/api/v1/visual-analysis/model/info").json()
    assert info["garment_classifier"]["origin"] == "packaged", info["garment_classifier"]
    canvas = Image.new("RGB", (600, 400), BACKDROP)
    canvas.paste(garment_on_backdrop(RED, seed=2, size=(300, 400), backdrop=BACKDROP), (0, 0))
    canvas.paste(trousers(BLUE), (300, 0))
    response = client.http.post(
        "/items/from-photo",
        files={"file": ("flat-lay.png", encode(canvas), "image/png")},
        timeout=120,
    )
    assert response.status_code == 201, response.text
    items = response.json()["items"]
    got = [(i["attributes"]["slot"], i["attributes"]["colors"][0]["family"]) for i in items]
    print("\nfresh install flat-lay:", [(i["category"], i["colors"]) for i in items], got)
    assert got == [("top", "red"), ("bottom", "blue")]
    for item in items:
        assert len(item["colors"]) == len(set(item["colors"]))
        assert item["attributes"]["color_hex"][0].startswith("#")


def test_a_bad_upload_keeps_its_4xx_and_stores_nothing(fresh) -> None:
    _, client, db_url = fresh
    before = table_counts(db_url)
    for body in (b"not an image at all", encode(Image.new("RGB", (4, 4)))[:20]):
        response = client.http.post(
            "/items/from-photo", files={"file": ("x.png", body, "image/png")}, timeout=60
        )
        assert 400 <= response.status_code < 500, response.text
        assert response.json().get("fix") or response.json().get("error"), response.text
    assert table_counts(db_url) == before
