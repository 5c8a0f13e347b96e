"""A trained outfit model's item vectors over HTTP (the outfit service alone, a real server,
SQLite and PostgreSQL): computed once per item and model revision, stored in the embedding
table, searched through the space's FAISS index for complete-the-outfit, recomputed for
edited items and for a new model, never returning a deleted item."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest
from sqlalchemy import delete, func, select, update

from tests.outfit_model import artifact_dir, install, install_new_revision
from tests.server import AuraServer
from tests.test_outfits_api import ALICE_ITEMS, Served, add_items
from tests.wardrobe_client import backend_env, create_user

SHOES = ("sneakers", "pumps", "sandals", "boots")
MORE_SHOES = {
    "loafers": {"category": "loafers", "colors": ["brown"], "description": "suede"},
    "trainers": {"category": "trainers", "colors": ["grey"], "description": "running"},
}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def served(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Served]:
    data_dir = tmp_path_factory.mktemp(f"outfit-vectors-{request.param}") / "data"
    extra = {"AURA_SERVICE": "outfit_recommendation", "AURA_RATE_LIMIT_PER_MINUTE": "100000"}
    with backend_env(request, request.param, extra) as env:
        keys = {"alice": create_user(data_dir, env, "alice")}
        items = {"alice": add_items(data_dir, env, "alice", {**ALICE_ITEMS, **MORE_SHOES})}
        install(data_dir)
        state = Served(data_dir, env, AuraServer(data_dir, env).start(), keys, items)
        try:
            state.server.wait_ready()
            yield state
        finally:
            state.server.__exit__()


def _db(served: Served):
    from aura.config import load_settings
    from aura.layout import DataTree
    from aura.storage.db import Database

    settings = load_settings(data_dir=served.data_dir, database_url=served.env.get("DATABASE_URL"))
    return Database(DataTree(settings).database_url)


def _rows(served: Served, space: str) -> dict[int, int]:
    """{item id: change seq} of the live vectors stored in ``space``."""
    from aura.storage.schema import ItemEmbedding

    db = _db(served)
    try:
        with db.session() as s:
            return dict(
                s.execute(
                    select(ItemEmbedding.item_id, ItemEmbedding.seq).where(
                        ItemEmbedding.space == space, ~ItemEmbedding.deleted
                    )
                ).all()
            )
    finally:
        db.close()


def _complete(served: Served, partial: list[str], target: str, k: int) -> dict[str, Any]:
    a = served.items["alice"]
    body = {"item_ids": [a[n] for n in partial], "target_category": target, "k": k}
    response = served.client("alice").post("/complete", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["scorer"] == "outfit_transformer"
    return answer


def _computed_metric(served: Served) -> float:
    text = httpx.get(served.server.url + "/metrics", timeout=30).text
    line = next(
        line
        for line in text.splitlines()
        if line.startswith("aura_outfit_item_vectors_computed_total ")
    )
    return float(line.split()[1])


def test_vectors_are_computed_once_stored_and_searched(served: Served) -> None:
    a = served.items["alice"]
    shoes = {a[n] for n in (*SHOES, *MORE_SHOES)}
    first = _complete(served, ["tee", "jeans"], "shoes", k=1)
    space = first["retrieval"]["space"]
    assert first["retrieval"]["vectors_computed"] == len(shoes)
    stored = _rows(served, space)
    assert set(stored) == shoes  # one row per shoe, none for other categories yet
    # k=1 shortlists 3 of the 6 shoes through the index, then re-scores them
    assert first["retrieval"]["candidates"] == 3 and len(first["results"]) == 1
    assert _computed_metric(served) == len(shoes)

    again = _complete(served, ["tee", "jeans"], "shoes", k=1)
    assert again["retrieval"]["vectors_computed"] == 0
    assert _rows(served, space) == stored  # not rewritten: same change numbers
    assert again["results"] == first["results"]
    assert _computed_metric(served) == len(shoes)

    tops = _complete(served, ["jeans"], "tops", k=5)
    assert tops["retrieval"]["vectors_computed"] == 3  # tee, blouse, sweater; shoes kept
    assert set(_rows(served, space)) == shoes | {a["tee"], a["blouse"], a["sweater"]}


def test_the_index_shortlists_the_nearest_stored_vectors(served: Served) -> None:
    """The candidates are the target embedding's nearest neighbours among the stored vectors,
    and the stored vectors are the model's item embeddings (recomputed here in-process)."""
    from aura.outfits.inference import OutfitInference
    from aura.outfits.service import OutfitService
    from aura.storage.schema import ItemEmbedding, WardrobeItem

    a = served.items["alice"]
    answer = _complete(served, ["blouse", "trousers"], "shoes", k=1)
    model = OutfitInference.load(artifact_dir(served.data_dir))
    db = _db(served)
    try:
        service = OutfitService(db, model)
        with db.session() as s:
            user = s.get(WardrobeItem, a["blouse"]).user_id
            stored = dict(
                s.execute(
                    select(ItemEmbedding.item_id, ItemEmbedding.vector).where(
                        ItemEmbedding.space == answer["retrieval"]["space"]
                    )
                ).all()
            )
        _, partial = service._load(user, [a["blouse"], a["trousers"]])
        shoe_ids = sorted(a[n] for n in (*SHOES, *MORE_SHOES))
        vectors = np.stack([np.frombuffer(stored[i], np.float32) for i in shoe_ids])
        fresh = model.embed_items(service._load(user, shoe_ids)[1])
        np.testing.assert_allclose(vectors, fresh, atol=1e-5)
        query = model.target_embedding(partial, "shoes")
        nearest = {shoe_ids[n] for n in np.argsort(-(vectors @ query), kind="stable")[:3]}
    finally:
        db.close()
    assert {r["item"]["id"] for r in answer["results"]} <= nearest


def test_concurrent_requests_compute_each_vector_once(served: Served) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(6) as pool:
        answers = list(
            pool.map(lambda _: _complete(served, ["tee", "jeans"], "outerwear", k=2), range(6))
        )
    assert sum(a["retrieval"]["vectors_computed"] for a in answers) == 2  # coat, blazer
    assert len({str(a["results"]) for a in answers}) == 1


def test_new_edited_and_deleted_items(served: Served) -> None:
    from aura.storage.schema import WardrobeItem

    a = served.items["alice"]
    space = _complete(served, ["tee", "jeans"], "shoes", k=10)["retrieval"]["space"]
    before = _rows(served, space)
    new = add_items(
        served.data_dir,
        served.env,
        "alice",
        {"mules": {"category": "mules", "colors": ["red"], "description": "velvet"}},
    )
    answer = _complete(served, ["tee", "jeans"], "shoes", k=10)
    assert answer["retrieval"]["vectors_computed"] == 1  # only the new item
    assert new["mules"] in {r["item"]["id"] for r in answer["results"]}
    db = _db(served)
    try:
        with db.session() as s:  # an edit (new colours) makes its vector stale
            s.execute(
                update(WardrobeItem)
                .where(WardrobeItem.id == a["boots"])
                .values(description="black patent leather")
            )
        with db.session() as s:  # deleted behind the service's back: its vector stays live
            s.execute(delete(WardrobeItem).where(WardrobeItem.id == a["sandals"]))
    finally:
        db.close()
    answer = _complete(served, ["tee", "jeans"], "shoes", k=10)
    assert answer["retrieval"]["vectors_computed"] == 1  # the edited boots
    got = {r["item"]["id"] for r in answer["results"]}
    assert a["sandals"] not in got and a["boots"] in got
    after = _rows(served, space)
    assert after[a["boots"]] > before[a["boots"]]  # rewritten with a new change number
    assert after[a["sneakers"]] == before[a["sneakers"]]


def test_vectors_survive_a_restart_and_a_new_model_recomputes_them(served: Served) -> None:
    """Last in the module: it restarts the server, then installs a new model revision."""
    from aura.storage.schema import ItemEmbedding

    old = _complete(served, ["tee", "jeans"], "shoes", k=3)["retrieval"]["space"]
    old_rows = _rows(served, old)

    served.server.stop()
    served.server = AuraServer(served.data_dir, served.env).start()
    served.server.wait_ready()
    same = _complete(served, ["tee", "jeans"], "shoes", k=3)
    assert same["retrieval"] == {**same["retrieval"], "space": old, "vectors_computed": 0}
    assert _computed_metric(served) == 0  # a new process computed nothing

    served.server.stop()
    install_new_revision(served.data_dir)
    served.server = AuraServer(served.data_dir, served.env).start()
    served.server.wait_ready()
    fresh = _complete(served, ["tee", "jeans"], "shoes", k=50)  # every shoe she has
    new = fresh["retrieval"]["space"]
    assert new != old and new.split("@")[0] == old.split("@")[0]
    shoes = {r["item"]["id"] for r in fresh["results"]}
    assert fresh["retrieval"]["vectors_computed"] == len(shoes) >= 4
    assert set(_rows(served, new)) == shoes
    assert _rows(served, old) == old_rows  # the old revision's vectors: ignored, untouched
    assert _complete(served, ["tee", "jeans"], "shoes", k=3)["retrieval"]["vectors_computed"] == 0
    served.server.stop()  # the index snapshot of the new space names the new revision
    from aura.config import load_settings
    from aura.layout import DataTree
    from aura.storage.changes import Space

    model_id, rest = new.split("@", 1)
    revision, dimension = rest.rsplit("/", 1)
    tree = DataTree(load_settings(data_dir=served.data_dir))
    folder = tree.index_dir(Space(model_id, revision, int(dimension)).slug)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (manifest["model_id"], manifest["model_revision"]) == (model_id, revision)
    assert manifest["count"] == len(shoes)
    db = _db(served)
    try:
        with db.session() as s:
            count = s.scalar(
                select(func.count()).select_from(ItemEmbedding).where(ItemEmbedding.space == new)
            )
    finally:
        db.close()
    assert count == len(_rows(served, new))


def test_an_unusable_index_folder_still_serves(tmp_path) -> None:
    """The model's index folder cannot be made (here: a file in its place): the model still
    serves complete-the-outfit, its vectors kept in memory, and says nothing of an index."""
    from aura.config import load_settings
    from aura.layout import DataTree
    from aura.outfits.inference import OutfitInference

    data_dir = tmp_path / "data"
    env = {"AURA_SERVICE": "outfit_recommendation", "AURA_RATE_LIMIT_PER_MINUTE": "100000"}
    keys = {"alice": create_user(data_dir, env, "alice")}
    items = {"alice": add_items(data_dir, env, "alice", ALICE_ITEMS)}
    space = OutfitInference.load(install(data_dir)).space
    blocker = DataTree(load_settings(data_dir=data_dir)).index_dir(space.slug)
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("not a folder")
    with AuraServer(data_dir, env) as server:
        server.wait_ready()
        state = Served(data_dir, env, server, keys, items)
        answer = _complete(state, ["tee", "jeans"], "shoes", k=2)
        assert "retrieval" not in answer and len(answer["results"]) == 2
        assert "outfit item index unavailable" in server.output()
