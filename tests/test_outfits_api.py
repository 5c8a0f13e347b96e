"""The outfit-recommendation API over HTTP against a real server (the outfit service alone,
as in its own container), on SQLite and on PostgreSQL. Wardrobe items are written to the
shared database in-process (the wardrobe API itself is tested in test_wardrobe_api.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server import AuraServer
from tests.wardrobe_client import backend_env, create_user

PREFIX = "/api/v1/outfit-recommendation"

ALICE_ITEMS: dict[str, dict[str, Any]] = {
    "tee": {"category": "t-shirt", "colors": ["white"], "description": "cotton tee"},
    "blouse": {"category": "blouse", "colors": ["cream"], "attributes": {"formality": 0.85}},
    "sweater": {
        "category": "sweater",
        "colors": ["grey"],
        "description": "wool",
        "attributes": {"warmth": 0.8, "season": "winter"},
    },
    "jeans": {"category": "jeans", "colors": ["blue"], "description": "relaxed denim"},
    "trousers": {
        "category": "trousers",
        "colors": ["black"],
        "description": "tailored",
        "attributes": {"formality": "formal"},
    },
    "shorts": {
        "category": "shorts",
        "colors": ["khaki"],
        "description": "linen",
        "attributes": {"seasons": ["summer"]},
    },
    "sneakers": {"category": "sneakers", "colors": ["white"], "description": "canvas"},
    "pumps": {"category": "pumps", "colors": ["black"], "attributes": {"formality": 0.9}},
    "sandals": {"category": "sandals", "colors": ["tan"], "description": "leather"},
    "boots": {"category": "ankle boots", "colors": ["brown"], "description": "leather"},
    "coat": {"category": "wool coat", "colors": ["camel"], "attributes": {"warmth": 0.9}},
    "blazer": {"category": "blazer", "colors": ["navy"], "attributes": {"formality": 0.85}},
}
# a new user's first two items, typed as they would ("t-shirt", "trousers")
FRED_ITEMS: dict[str, dict[str, Any]] = {
    "tee": {"category": "t-shirt", "colors": ["red"]},
    "trousers": {"category": "trousers", "colors": ["blue"]},
}
GINA_ITEMS: dict[str, dict[str, Any]] = {
    **FRED_ITEMS,
    "shoes": {"category": "sneakers", "colors": ["white"]},
    "rain jacket": {"category": "rain jacket", "colors": ["navy"]},
    "blazer": {"category": "blazer", "colors": ["black"], "description": "wool"},
}
ERIN_ITEMS = {k: v for k, v in ALICE_ITEMS.items() if k != "blazer"}  # 11 items
BOB_ITEMS: dict[str, dict[str, Any]] = {
    "tee": {"category": "t-shirt", "colors": ["black"]},
    "jeans": {"category": "jeans", "colors": ["blue"]},
    "sneakers": {"category": "sneakers", "colors": ["red"]},
}


def add_items(data_dir: Path, env: dict[str, str], user: str, items: dict[str, Any]) -> dict:
    """Write wardrobe items for ``user`` straight into the database; {name: id}."""
    from sqlalchemy import select

    from aura.config import load_settings
    from aura.layout import DataTree
    from aura.storage.db import Database
    from aura.storage.photos import put_photo
    from aura.storage.schema import ItemColor, User, WardrobeItem

    tree = DataTree(load_settings(data_dir=data_dir, database_url=env.get("DATABASE_URL")))
    db = Database(tree.database_url)
    try:
        with db.session() as s:
            user_id = s.scalar(select(User.id).where(User.name == user))
            rows = {}
            for name, fields in items.items():
                colors = fields.get("colors", [])
                row = WardrobeItem(
                    user_id=user_id,
                    category=fields["category"],
                    description=fields.get("description", ""),
                    attributes=fields.get("attributes", {}),
                )
                if "photo" in fields:
                    row.image_sha256 = put_photo(s, user_id, fields["photo"], "image/png")
                row.color_rows = [ItemColor(color=c, position=n) for n, c in enumerate(colors)]
                s.add(row)
                rows[name] = row
            s.flush()
            return {name: row.id for name, row in rows.items()}
    finally:
        db.close()


@dataclass
class Served:
    data_dir: Path
    env: dict[str, str]
    server: AuraServer
    keys: dict[str, str]
    items: dict[str, dict[str, int]] = field(default_factory=dict)

    def client(self, user: str | None) -> httpx.Client:
        key = self.keys.get(user or "")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.server.url + PREFIX, headers=headers, timeout=60)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def served(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Served]:
    data_dir = tmp_path_factory.mktemp(f"outfits-api-{request.param}") / "data"
    extra = {"AURA_SERVICE": "outfit_recommendation", "AURA_RATE_LIMIT_PER_MINUTE": "100000"}
    with backend_env(request, request.param, extra) as env:
        wardrobes = {
            "alice": ALICE_ITEMS,
            "bob": BOB_ITEMS,
            "fred": FRED_ITEMS,
            "gina": GINA_ITEMS,
            "erin": ERIN_ITEMS,
        }
        keys = {name: create_user(data_dir, env, name) for name in wardrobes}
        items = {name: add_items(data_dir, env, name, w) for name, w in wardrobes.items()}
        state = Served(data_dir, env, AuraServer(data_dir, env).start(), keys, items)
        try:
            state.server.wait_ready()
            yield state
        finally:
            state.server.__exit__()  # the current one: a test may have restarted it


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_every_route_needs_a_key(served: Served) -> None:
    anonymous = served.client(None)
    a = served.items["alice"]
    calls = [
        ("POST", "/compatibility", {"item_ids": [a["tee"], a["jeans"]]}),
        ("POST", "/recommendations", {}),
        ("POST", "/complete", {"item_ids": [a["tee"]], "target_category": "shoes"}),
        ("GET", "/gaps", None),
        ("POST", "/feedback", {"outfit_id": 1, "rating": 3}),
        ("POST", "/outfits", {"item_ids": [a["tee"], a["jeans"]]}),
        ("GET", "/outfits", None),
        ("PATCH", "/outfits/1", {"favorite": True}),
        ("POST", "/outfits/1/worn", None),
    ]
    for method, path, body in calls:
        response = anonymous.request(method, path, json=body)
        assert response.status_code == 401, (method, path, response.text)


def test_compatibility_with_the_rules_scorer(served: Served) -> None:
    alice, a = served.client("alice"), served.items["alice"]
    good = _ok(
        alice.post(
            "/compatibility",
            json={"item_ids": [a["tee"], a["jeans"], a["sneakers"]], "occasion": "casual"},
        )
    )
    assert good["scorer"] == "rules" and 0 <= good["score"] <= 1
    assert set(good["parts"]) == {"coverage", "colour", "formality", "weather"}
    assert len(good["explanation"]) == 4
    assert good["item_ids"] == [a["tee"], a["jeans"], a["sneakers"]]
    clash = _ok(
        alice.post(
            "/compatibility",
            json={"item_ids": [a["tee"], a["blouse"], a["pumps"]], "occasion": "casual"},
        )
    )
    assert clash["score"] < good["score"]  # two tops, no bottom, formal shoes for casual
    assert "appears twice" in " ".join(clash["explanation"])


def test_context_changes_the_recommendations(served: Served) -> None:
    alice, a = served.client("alice"), served.items["alice"]
    summer = _ok(
        alice.post(
            "/recommendations",
            json={
                "occasion": "casual",
                "season": "summer",
                "weather": {"temperature_c": 29},
                "max_results": 3,
            },
        )
    )
    winter = _ok(
        alice.post(
            "/recommendations",
            json={
                "occasion": "formal",
                "season": "winter",
                "weather": {"temperature_c": -2, "raining": True},
                "max_results": 3,
            },
        )
    )
    for answer in (summer, winter):
        assert answer["scorer"] == "rules" and 1 <= len(answer["outfits"]) <= 3
        for outfit in answer["outfits"]:
            assert outfit["scorer"] == "rules" and outfit["explanation"]
            assert [i["id"] for i in outfit["items"]] == outfit["item_ids"]
            assert set(outfit["item_ids"]) <= set(a.values())
    best_summer, best_winter = summer["outfits"][0], winter["outfits"][0]
    assert set(best_summer["item_ids"]) != set(best_winter["item_ids"])
    winter_cats = {i["slot"] for i in best_winter["items"]}
    assert "outerwear" in winter_cats  # cold and wet: a layer
    assert a["sandals"] not in best_winter["item_ids"]
    assert a["trousers"] in best_winter["item_ids"] or a["pumps"] in best_winter["item_ids"]
    assert "outerwear" not in {i["slot"] for i in best_summer["items"]}
    seeded = _ok(
        alice.post("/recommendations", json={"seed_item_ids": [a["boots"]], "max_results": 2})
    )
    assert all(a["boots"] in o["item_ids"] for o in seeded["outfits"]) and seeded["outfits"]


def test_complete_returns_only_own_items_of_the_target(served: Served) -> None:
    alice, a = served.client("alice"), served.items["alice"]
    shoes = {a[n] for n in ("sneakers", "pumps", "sandals", "boots")}
    answer = _ok(
        alice.post(
            "/complete",
            json={"item_ids": [a["tee"], a["jeans"]], "target_category": "shoes", "k": 10},
        )
    )
    assert answer["scorer"] == "rules"
    got = [r["item"]["id"] for r in answer["results"]]
    assert set(got) == shoes and len(got) == 4  # all of hers, none of bob's sneakers
    scores = [r["score"] for r in answer["results"]]
    assert scores == sorted(scores, reverse=True)
    kind = _ok(
        alice.post(
            "/complete", json={"item_ids": [a["tee"]], "target_category": "Sneakers", "k": 10}
        )
    )  # a kind of shoe is the shoes slot: every pair is a candidate
    assert kind["target_slot"] == "shoes"
    assert {r["item"]["id"] for r in kind["results"]} == shoes
    top = _ok(
        alice.post(
            "/complete",
            json={"item_ids": [a["blouse"], a["trousers"]], "target_category": "shoes", "k": 1,
                  "occasion": "formal"},
        )
    )  # fmt: skip
    assert [r["item"]["id"] for r in top["results"]] == [a["pumps"]]


def test_a_two_item_wardrobe_gets_an_outfit_with_what_is_missing(served: Served) -> None:
    fred, f = served.client("fred"), served.items["fred"]
    answer = _ok(fred.post("/recommendations", json={"max_results": 4}))
    assert [o["item_ids"] for o in answer["outfits"]] == [[f["tee"], f["trousers"]]]
    assert answer["missing"] == ["shoes"]
    assert "no shoes" in answer["message"] and "add tops" not in answer["message"]
    outfit = answer["outfits"][0]
    assert {i["slot"] for i in outfit["items"]} == {"top", "bottom"}
    assert outfit["notes"] == ["no shoes: a pair of shoes would complete this"]
    rain = _ok(
        fred.post(
            "/recommendations",
            json={"occasion": "work", "season": "autumn",
                  "weather": {"temperature_c": 8, "raining": True}},
        )
    )  # fmt: skip
    assert len(rain["outfits"]) == 1 and rain["missing"] == ["outerwear", "shoes"]
    assert any("no waterproof layer" in n for n in rain["outfits"][0]["notes"])
    reasons = " ".join(rain["outfits"][0]["explanation"])
    assert "no weather" not in reasons and "raining and no outer layer" in reasons


def test_rain_at_8c_picks_the_rain_jacket_over_the_blazer(served: Served) -> None:
    gina, g = served.client("gina"), served.items["gina"]
    rain = {
        "occasion": "work",
        "season": "autumn",
        "weather": {"temperature_c": 8, "raining": True},
    }
    answer = _ok(gina.post("/recommendations", json={**rain, "max_results": 4}))
    assert answer["outfits"] and answer["missing"] == []
    for outfit in answer["outfits"]:
        assert g["rain jacket"] in outfit["item_ids"] and g["blazer"] not in outfit["item_ids"]
        assert outfit["notes"] == []
        assert any("a waterproof layer for the rain" in r for r in outfit["explanation"])
    dry = _ok(gina.post("/recommendations", json={"occasion": "formal", "max_results": 1}))
    assert g["blazer"] in dry["outfits"][0]["item_ids"]  # formal and dry: the blazer


def test_an_eleven_item_wardrobe_gets_distinct_outfits(served: Served) -> None:
    erin = served.client("erin")
    answer = _ok(erin.post("/recommendations", json={"occasion": "casual", "max_results": 5}))
    outfits = answer["outfits"]
    assert len(outfits) == 5
    cores = [
        frozenset(i["id"] for i in o["items"] if i["slot"] in ("top", "bottom", "one-piece"))
        for o in outfits
    ]
    assert len(set(cores)) == len(cores)  # no two share all their core items
    assert [o["score"] for o in outfits] == sorted((o["score"] for o in outfits), reverse=True)


def test_completing_jeans_with_t_shirt_offers_the_tops(served: Served) -> None:
    alice, a = served.client("alice"), served.items["alice"]
    answer = _ok(
        alice.post(
            "/complete", json={"item_ids": [a["jeans"]], "target_category": "t-shirt", "k": 10}
        )
    )
    assert answer["target_slot"] == "top"
    got = {r["item"]["id"] for r in answer["results"]}
    assert got == {a["tee"], a["blouse"], a["sweater"]}
    assert all(r["item"]["slot"] == "top" for r in answer["results"])


def test_gaps_name_what_to_buy_next(served: Served) -> None:
    fred, gina = served.client("fred"), served.client("gina")
    rain = {"season": "autumn", "temperature_c": 8, "raining": "true"}
    answer = _ok(fred.get("/gaps", params=rain))
    assert answer["contexts"] == [
        {"occasion": None, "season": "autumn", "temperature_c": 8.0, "raining": True}
    ]
    gaps = answer["gaps"]
    assert gaps and all(g["unlocks"] >= 1 and g["reason"] for g in gaps)
    assert set(gaps[0]) >= {"slot", "colour_family", "formality", "warmth", "waterproof"}
    assert any(g["slot"] == "shoes" for g in gaps)  # fred has none
    owned = _ok(gina.get("/gaps", params=rain))["gaps"]
    assert not any(g["waterproof"] and g["slot"] == "outerwear" for g in owned)  # has one
    default = _ok(fred.get("/gaps"))
    assert len(default["contexts"]) == 3
    for params in ({"temperature_c": 99}, {"occasion": "gala"}, {"k": 0}):
        assert fred.get("/gaps", params=params).status_code == 422, params


def test_saved_outfits_favourite_rating_worn_feedback(served: Served) -> None:
    alice, a = served.client("alice"), served.items["alice"]
    ids = [a["blouse"], a["trousers"], a["pumps"]]
    saved = _ok(
        alice.post("/outfits", json={"item_ids": ids, "occasion": "work", "season": "autumn"}),
        201,
    )
    assert saved["item_ids"] == ids and saved["scorer"] == "rules" and 0 < saved["score"] <= 1
    assert saved["favorite"] is False and saved["times_worn"] == 0
    oid = saved["id"]
    patched = _ok(alice.patch(f"/outfits/{oid}", json={"favorite": True, "rating": 4}))
    assert patched["favorite"] is True and patched["rating"] == 4
    assert _ok(alice.post(f"/outfits/{oid}/worn"))["times_worn"] == 1
    fb = _ok(alice.post("/feedback", json={"outfit_id": oid, "rating": 5, "worn": True}), 201)
    assert fb["outfit"]["rating"] == 5 and fb["outfit"]["times_worn"] == 2
    favourites = _ok(alice.get("/outfits", params={"favorite": True}))["outfits"]
    assert [o["id"] for o in favourites if o["id"] == oid] == [oid]
    assert _ok(alice.patch(f"/outfits/{oid}", json={"rating": None}))["rating"] is None


def test_other_users_ids_are_404_on_every_route(served: Served) -> None:
    alice, bob = served.client("alice"), served.client("bob")
    a, b = served.items["alice"], served.items["bob"]
    mine = _ok(alice.post("/outfits", json={"item_ids": [a["tee"], a["jeans"]]}), 201)["id"]
    cases = [
        ("/compatibility", {"item_ids": [b["tee"], a["jeans"]]}),
        ("/recommendations", {"seed_item_ids": [b["sneakers"]]}),
        ("/complete", {"item_ids": [b["tee"]], "target_category": "shoes"}),
        ("/outfits", {"item_ids": [a["tee"], b["jeans"]]}),
        ("/compatibility", {"item_ids": [a["tee"], 2**40]}),
    ]
    for path, body in cases:
        response = alice.post(path, json=body)
        assert response.status_code == 404, (path, response.text)
        assert "No wardrobe item" in response.json()["message"]
    for method, path, body in [
        ("PATCH", f"/outfits/{mine}", {"favorite": True}),
        ("POST", f"/outfits/{mine}/worn", None),
        ("POST", "/feedback", {"outfit_id": mine, "rating": 1}),
    ]:
        response = bob.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
    assert mine not in [o["id"] for o in _ok(bob.get("/outfits"))["outfits"]]
    untouched = next(o for o in _ok(alice.get("/outfits"))["outfits"] if o["id"] == mine)
    assert untouched["favorite"] is False and untouched["times_worn"] == 0
    assert untouched["rating"] is None


def test_bad_input_gets_4xx_with_reasons(served: Served) -> None:
    alice, a = served.client("alice"), served.items["alice"]
    cases = [
        ("/compatibility", {"item_ids": [a["tee"]]}, "item_ids"),
        ("/compatibility", {"item_ids": list(a.values())[:9]}, "item_ids"),
        ("/compatibility", {"item_ids": [a["tee"], a["jeans"]], "occasion": "gala"}, "occasion"),
        ("/compatibility", {"item_ids": [a["tee"], a["jeans"]], "colour": 1}, "colour"),
        ("/compatibility", {"item_ids": [a["tee"], 0]}, "item_ids"),
        ("/recommendations", {"max_results": 21}, "max_results"),
        ("/recommendations", {"weather": {"temperature_c": 99}}, "temperature_c"),
        ("/recommendations", {"weather": {"raining": 0}}, "raining"),  # no lax coercion
        ("/recommendations", {"max_results": "5"}, "max_results"),
        ("/recommendations", {"target_categories": ["thingamajig"]}, "taxonomy"),
        ("/feedback", {"outfit_id": 1, "worn": "yes"}, "worn"),
        ("/complete", {"item_ids": [a["tee"]]}, "target_category"),
        ("/complete", {"item_ids": [a["tee"]], "target_category": "shoes", "k": 0}, "k"),
        ("/feedback", {"outfit_id": 1, "rating": 6}, "rating"),
        ("/outfits", {"item_ids": [a["tee"], a["tee"]]}, "twice"),
    ]
    for path, body, reason in cases:
        response = alice.post(path, json=body)
        assert response.status_code == 422, (path, body, response.text)
        assert reason in response.text, (reason, response.text)
    assert alice.patch("/outfits/1", json={"favorite": None}).status_code == 422
    assert alice.get("/outfits", params={"limit": 0}).status_code == 422
    assert alice.post("/outfits/999999999/worn").status_code == 404
    assert alice.post(f"/outfits/{2**40}/worn").status_code == 404
    assert alice.post("/feedback", json={"outfit_id": 2**53 - 1, "rating": 1}).status_code == 404
    # past the documented maximum id (2**53 - 1): the schema's rule, a 422 naming the field
    beyond = alice.post("/feedback", json={"outfit_id": 2**62, "rating": 1})
    assert beyond.status_code == 422 and "outfit_id" in beyond.text


def test_saved_outfits_survive_kill_and_restart(served: Served) -> None:
    """Last in the module: it replaces the module's server."""
    alice, a = served.client("alice"), served.items["alice"]
    ids = [a["sweater"], a["jeans"], a["boots"], a["coat"]]
    saved = _ok(alice.post("/outfits", json={"item_ids": ids, "favorite": True}), 201)
    _ok(alice.post("/feedback", json={"outfit_id": saved["id"], "rating": 2, "worn": True}), 201)
    served.server.kill()  # kill -9 right after the 2xx
    served.server = AuraServer(served.data_dir, served.env).start()
    served.server.wait_ready()
    after = served.client("alice").get("/outfits", params={"limit": 100})
    found = [o for o in _ok(after)["outfits"] if o["id"] == saved["id"]]
    assert len(found) == 1
    assert found[0]["item_ids"] == ids and found[0]["favorite"] is True
    assert found[0]["rating"] == 2 and found[0]["times_worn"] == 1


def _png(colour: str) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (48, 48), colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_model_in_the_store_takes_over(tmp_path: Path) -> None:
    """A (tiny, untrained: this is wiring, not taste) OutfitTransformer at the store's
    outfit artifact folder serves every route after a restart, and names itself."""
    import torch

    from aura.config import load_settings
    from aura.layout import DataTree
    from aura.outfits.artifact import save_model_artifact
    from aura.outfits.features import HandcraftedExtractor
    from aura.outfits.model import ModelConfig, OutfitTransformer

    data_dir = tmp_path / "data"
    env = {"AURA_SERVICE": "outfit_recommendation", "AURA_RATE_LIMIT_PER_MINUTE": "100000"}
    key = create_user(data_dir, env, "carol")
    items = {**ALICE_ITEMS, "tee": {**ALICE_ITEMS["tee"], "photo": _png("white")}}
    ids = add_items(data_dir, env, "carol", items)
    torch.manual_seed(0)
    extractor = HandcraftedExtractor()
    model = OutfitTransformer(ModelConfig(extractor.image_dim, extractor.text_dim))
    folder = DataTree(load_settings(data_dir=data_dir)).outfit_artifact_dir()
    save_model_artifact(
        folder,
        model.eval(),
        feature_extractor=extractor.name,
        category_names=["tops", "bottoms", "shoes", "outerwear", "all-body"],
        training={"note": "untrained, for the API test"},
        evaluation={},
    )
    with AuraServer(data_dir, env) as server:
        server.wait_ready()
        state = Served(data_dir, env, server, {"carol": key})
        carol = state.client("carol")
        outfit = [ids["tee"], ids["jeans"], ids["sneakers"]]
        score = _ok(carol.post("/compatibility", json={"item_ids": outfit}))
        assert score["scorer"] == "outfit_transformer" and 0 <= score["score"] <= 1
        assert set(score["parts"]) == {"compatibility", "context"}
        recs = _ok(carol.post("/recommendations", json={"occasion": "work", "max_results": 2}))
        assert recs["scorer"] == "outfit_transformer" and recs["outfits"]
        assert all(o["scorer"] == "outfit_transformer" for o in recs["outfits"])
        done = _ok(
            carol.post(
                "/complete",
                json={"item_ids": outfit[:2], "target_category": "shoes", "k": 2},
            )
        )
        shoes = {ids[n] for n in ("sneakers", "pumps", "sandals", "boots")}
        assert done["scorer"] == "outfit_transformer" and len(done["results"]) == 2
        assert {r["item"]["id"] for r in done["results"]} <= shoes
        saved = _ok(carol.post("/outfits", json={"item_ids": outfit}), 201)
        assert saved["scorer"] == "outfit_transformer"
        gaps = _ok(carol.get("/gaps", params={"occasion": "work", "raining": "true"}))
        assert gaps["scorer"] == "outfit_transformer" and len(gaps["contexts"]) == 1
        assert all(g["unlocks"] >= 1 for g in gaps["gaps"])


def test_one_process_items_from_the_wardrobe_api(tmp_path: Path) -> None:
    """Embedded mode (every service in one process): items added through the wardrobe API
    are the ones the outfit API recommends from."""
    data_dir = tmp_path / "data"
    env = {"AURA_RATE_LIMIT_PER_MINUTE": "100000"}
    key = create_user(data_dir, env, "dora")
    headers = {"Authorization": f"Bearer {key}"}
    with AuraServer(data_dir, env) as server:
        server.wait_ready()
        wardrobe = httpx.Client(base_url=server.url + "/api/v1/wardrobe", headers=headers)
        made = {
            name: _ok(wardrobe.post("/items", json=ALICE_ITEMS[name]), 201)["id"]
            for name in ("tee", "jeans", "sneakers", "sandals")
        }
        outfits = httpx.Client(base_url=server.url + PREFIX, headers=headers, timeout=60)
        recs = _ok(outfits.post("/recommendations", json={"occasion": "casual"}))
        assert recs["outfits"] and recs["scorer"] == "rules"
        assert {i for o in recs["outfits"] for i in o["item_ids"]} <= set(made.values())
        done = _ok(
            outfits.post(
                "/complete",
                json={"item_ids": [made["tee"], made["jeans"]], "target_category": "shoes"},
            )
        )
        assert {r["item"]["id"] for r in done["results"]} == {made["sneakers"], made["sandals"]}
