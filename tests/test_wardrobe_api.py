"""The wardrobe API over HTTP against a real server, on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.server import AuraServer
from tests.wardrobe_client import Client, backend_env, create_user


@dataclass
class Served:
    server: AuraServer
    alice: Client
    bob: Client
    anonymous: Client


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def served(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Served]:
    data_dir = tmp_path_factory.mktemp(f"api-{request.param}") / "data"
    extra = {"AURA_MAX_PHOTO_BYTES": "4096", "AURA_RATE_LIMIT_PER_MINUTE": "100000"}
    with backend_env(request, request.param, extra) as env:
        alice_key = create_user(data_dir, env, "alice")
        bob_key = create_user(data_dir, env, "bob")
        with AuraServer(data_dir, env) as server:
            server.wait_ready()
            yield Served(
                server, Client(server, alice_key), Client(server, bob_key), Client(server, None)
            )


def test_keys_are_required_and_checked(served: Served) -> None:
    assert served.anonymous.http.get("/items").status_code == 401
    wrong = Client(served.server, "aura_not-a-key")
    response = wrong.http.get("/items")
    assert response.status_code == 401 and "Unknown" in response.json()["message"]
    # the services' info routes stay public
    assert httpx.get(served.server.url + "/api/v1/conversational-ai/info").status_code == 200


def test_create_get_update_delete(served: Served) -> None:
    c = served.alice
    item = c.create(
        category="Shirt",
        colors=["Navy", "white"],
        pattern="striped",
        description="linen, slim fit",
        attributes={"sleeve": "long"},
        bbox=[0.1, 0.2, 0.5, 0.9],
    )
    assert item["category"] == "shirt" and item["colors"] == ["navy", "white"]
    assert item["source"] == "manual" and item["attributes"] == {"sleeve": "long"}
    got = c.http.get(f"/items/{item['id']}").json()
    assert got == item
    patched = c.http.patch(
        f"/items/{item['id']}", json={"description": "heavy wool winter coat", "category": "coat"}
    )
    assert patched.status_code == 200 and patched.json()["category"] == "coat"
    assert patched.json()["colors"] == ["navy", "white"]  # untouched fields stay
    assert c.search_ids("warm wool coat for winter", 1) == [item["id"]]  # re-embedded
    assert c.http.delete(f"/items/{item['id']}").status_code == 204
    assert c.http.get(f"/items/{item['id']}").status_code == 404
    assert c.http.delete(f"/items/{item['id']}").status_code == 404
    assert item["id"] not in c.search_ids("warm wool coat for winter", 50)


def test_list_filters_and_pages(served: Served) -> None:
    c = served.bob
    made = [
        c.create(category="jeans", colors=["blue"], pattern="solid", description="straight leg"),
        c.create(category="jeans", colors=["black"], description="skinny stretch"),
        c.create(category="sneakers", colors=["white", "blue"], description="canvas low tops"),
        c.create(category="scarf", colors=["red"], pattern="plaid", description="cashmere"),
    ]
    ids = [m["id"] for m in made]

    def listed(**params) -> list[int]:
        response = c.http.get("/items", params=params)
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["items"] if i["id"] in ids]

    assert listed(category="jeans") == ids[:2]
    assert listed(color="blue") == [ids[0], ids[2]]
    assert listed(pattern="plaid") == [ids[3]]
    assert listed(q="Stretch") == [ids[1]]
    assert listed(category="jeans", color="black") == [ids[1]]
    first = c.http.get("/items", params={"limit": 2, "offset": 0}).json()
    second = c.http.get("/items", params={"limit": 2, "offset": 2}).json()
    assert first["total"] == second["total"] >= 4
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    assert c.search_ids("shoes", 1) == [ids[2]]


def test_items_speak_slots_and_colour_families(served: Served) -> None:
    c = served.alice
    made = {
        name: c.create(category=category, colors=colors)
        for name, category, colors in [
            ("tee", "T-Shirt", ["red"]),
            ("shirt", "blouse", ["Off-White", "ivory"]),
            ("trousers", "trousers", ["navy blue"]),
            ("boots", "Chelsea Boots", ["brown"]),
            ("sneakers", "sneakers", ["sky blue", "white"]),
            ("odd", "windcheater", ["olive"]),
        ]
    }
    ids = {name: item["id"] for name, item in made.items()}
    assert made["tee"]["slot"] == "top" and made["boots"]["slot"] == "shoes"
    assert made["shirt"]["colour_families"] == ["white"]  # de-duplicated
    assert made["sneakers"]["colour_families"] == ["blue", "white"]
    assert made["trousers"]["colour_families"] == ["navy"]
    word = c.http.get("/taxonomy", params={"category": "windcheater"}).json()["resolved"]
    assert word["source"] in ("embedding", "unknown") and word["term"]  # not in the table
    assert made["odd"]["slot"] == word["slot"]  # the item shows where the word landed

    def listed(**params) -> set[int]:
        response = c.http.get("/items", params={**params, "limit": 100})
        assert response.status_code == 200, response.text
        assert all("slot" in i and "colour_families" in i for i in response.json()["items"])
        return {i["id"] for i in response.json()["items"] if i["id"] in ids.values()}

    assert listed(category="t-shirt") == {ids["tee"], ids["shirt"]}  # the word's slot
    assert listed(category="Shoes") == listed(slot="shoes") == {ids["boots"], ids["sneakers"]}
    assert listed(colour_family="blue") == {ids["sneakers"]}
    assert listed(slot="top", colour_family="white") == {ids["shirt"]}
    assert listed(slot="top", category="jeans") == set()  # two slots: nothing is both
    for params in ({"slot": "hat"}, {"colour_family": "teal"}):
        response = c.http.get("/items", params=params)
        assert response.status_code == 422, (params, response.text)
    taxonomy = c.http.get("/taxonomy").json()
    assert [s["slot"] for s in taxonomy["slots"]][:3] == ["top", "bottom", "one-piece"]
    assert "t-shirt" in taxonomy["slots"][0]["synonyms"]
    assert len(taxonomy["colour_families"]) == 15 and set(taxonomy["core"]) >= {"top"}
    assert served.anonymous.http.get("/taxonomy").status_code == 401
    patched = c.http.patch(f"/items/{ids['tee']}", json={"category": "hoodie dress"}).json()
    assert patched["slot"] == "one-piece"


def test_bad_input_gets_4xx_with_a_reason(served: Served) -> None:
    c = served.alice.http
    cases = [
        ({"category": ""}, "category"),
        ({"category": "hat", "bbox": [1, 2]}, "bbox"),
        ({"category": "hat", "colour": "red"}, "colour"),
        ({"category": "hat", "image_sha256": "xyz"}, "image_sha256"),
        ({"colors": ["red"]}, "category"),
    ]
    for body, field in cases:
        response = c.post("/items", json=body)
        assert response.status_code == 422, (body, response.text)
        assert field in response.text
    response = c.post("/items", json={"category": "hat", "image_sha256": "0" * 64})
    assert response.status_code == 422 and "not one of your photos" in response.json()["message"]
    assert c.get("/items", params={"limit": 0}).status_code == 422
    assert c.get("/items/999999").status_code == 404
    assert c.get("/search").status_code == 422
    item = served.alice.create(category="belt")
    assert c.patch(f"/items/{item['id']}", json={"category": None}).status_code == 422


def test_photos_and_items_from_analysis(served: Served) -> None:
    c = served.alice.http
    photo = b"\x89PNG fake but opaque bytes" * 10
    up = c.post("/photos", content=photo, headers={"Content-Type": "image/png"})
    assert up.status_code == 201
    sha = up.json()["sha256"]
    assert sha == hashlib.sha256(photo).hexdigest()
    again = c.post("/photos", content=photo, headers={"Content-Type": "image/png"})
    assert again.json()["sha256"] == sha  # stored once
    got = c.get(f"/photos/{sha}")
    assert got.status_code == 200 and got.content == photo
    assert got.headers["content-type"] == "image/png"
    assert (
        c.post("/photos", content=b"x" * 10, headers={"Content-Type": "text/plain"}).status_code
        == 415
    )
    assert (
        c.post("/photos", content=b"x" * 5000, headers={"Content-Type": "image/png"}).status_code
        == 413
    )
    result = c.post(
        "/items/from-analysis",
        json={
            "source_photo_sha256": sha,
            "garments": [
                {
                    "category": "t-shirt",
                    "colors": ["green"],
                    "bbox": [0, 0, 1, 1],
                    "confidence": 0.9,
                },
                {"category": "shorts", "colors": ["khaki"], "pattern": "solid"},
            ],
        },
    )
    assert result.status_code == 201, result.text
    items = result.json()["items"]
    assert [i["source"] for i in items] == ["analysis", "analysis"]
    assert {i["source_photo_sha256"] for i in items} == {sha}


def test_users_are_isolated_on_every_route(served: Served) -> None:
    alice, bob = served.alice, served.bob
    photo = b"bob's private photo" * 5
    sha = bob.http.post("/photos", content=photo, headers={"Content-Type": "image/jpeg"}).json()[
        "sha256"
    ]
    secret = bob.create(
        category="jacket", colors=["orange"], description="bob secret parka", image_sha256=sha
    )
    sid = secret["id"]
    assert alice.http.get(f"/items/{sid}").status_code == 404
    assert alice.http.patch(f"/items/{sid}", json={"description": "mine"}).status_code == 404
    assert alice.http.delete(f"/items/{sid}").status_code == 404
    assert sid not in [i["id"] for i in alice.all_items()]
    assert sid not in alice.search_ids("orange parka jacket", 100)
    for params in ({"color": "orange"}, {"q": "secret"}, {"category": "jacket"}):
        assert sid not in [i["id"] for i in alice.http.get("/items", params=params).json()["items"]]
    assert alice.http.get(f"/photos/{sha}").status_code == 404
    stolen = alice.http.post("/items", json={"category": "hat", "image_sha256": sha})
    assert stolen.status_code == 422
    assert bob.http.get(f"/items/{sid}").json() == secret  # untouched
    assert bob.search_ids("orange parka jacket", 1) == [sid]
