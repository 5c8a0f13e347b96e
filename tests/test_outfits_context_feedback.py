"""Recommendations over HTTP change with the context (occasion, season, rain) and with the
user's feedback, for both scorers: the rules (SQLite) and a trained model (PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.outfit_model import install
from tests.server import AuraServer
from tests.test_outfits_api import ALICE_ITEMS, Served, add_items
from tests.wardrobe_client import backend_env, create_user

FORMAL = {"blouse", "trousers", "pumps", "blazer"}
OUTERWEAR = {"coat", "blazer"}
SUMMERY = {"shorts", "sandals"}
USERS = ("cleo", "finn")  # cleo: the context tests; finn: feedback (it moves his rankings)


@pytest.fixture(
    scope="module", params=[("rules", "sqlite"), ("outfit_transformer", "postgres")], ids=str
)
def served(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Served]:
    scorer, backend = request.param
    data_dir = tmp_path_factory.mktemp(f"outfit-context-{scorer}-{backend}") / "data"
    extra = {"AURA_SERVICE": "outfit_recommendation", "AURA_RATE_LIMIT_PER_MINUTE": "100000"}
    with backend_env(request, backend, extra) as env:
        keys = {u: create_user(data_dir, env, u) for u in USERS}
        items = {u: add_items(data_dir, env, u, ALICE_ITEMS) for u in USERS}
        if scorer != "rules":
            install(data_dir)
        state = Served(data_dir, env, AuraServer(data_dir, env).start(), keys, items)
        try:
            state.server.wait_ready()
            state.scorer = scorer  # type: ignore[attr-defined]
            yield state
        finally:
            state.server.__exit__()


def _recommend(served: Served, user: str, **body: Any) -> list[dict[str, Any]]:
    response = served.client(user).post("/recommendations", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["scorer"] == served.scorer  # type: ignore[attr-defined]
    assert answer["outfits"]
    return answer["outfits"]


def _names(served: Served, user: str, outfit: dict[str, Any]) -> set[str]:
    by_id = {v: k for k, v in served.items[user].items()}
    return {by_id[i] for i in outfit["item_ids"]}


def _best(served: Served, **body: Any) -> set[str]:
    return _names(served, "cleo", _recommend(served, "cleo", max_results=3, **body)[0])


def test_occasion_changes_the_outfit(served: Served) -> None:
    weather = {"temperature_c": 20}
    casual = _best(served, occasion="casual", weather=weather)
    formal = _best(served, occasion="formal", weather=weather)
    assert casual != formal
    assert len(formal & FORMAL) >= 2 and len(formal & FORMAL) > len(casual & FORMAL), (
        casual,
        formal,
    )


def test_season_changes_the_outfit(served: Served) -> None:
    winter = _best(served, occasion="casual", season="winter")
    summer = _best(served, occasion="casual", season="summer")
    assert winter != summer
    assert winter & OUTERWEAR and not winter & SUMMERY, winter
    assert not summer & OUTERWEAR, summer


def test_rain_changes_the_outfit(served: Served) -> None:
    dry = _best(served, occasion="casual", weather={"temperature_c": 18})
    wet = _best(served, occasion="casual", weather={"temperature_c": 18, "raining": True})
    assert dry != wet
    assert wet & OUTERWEAR and "sandals" not in wet, wet
    assert not dry & OUTERWEAR, dry


def _save_and_rate(served: Served, outfit: dict[str, Any], rating: int, worn: bool) -> None:
    finn = served.client("finn")
    saved = finn.post("/outfits", json={"item_ids": outfit["item_ids"]})
    assert saved.status_code == 201, saved.text
    body = {"outfit_id": saved.json()["id"], "rating": rating, "worn": worn}
    assert finn.post("/feedback", json=body).status_code == 201


def _rank(outfits: list[dict[str, Any]], ids: list[int]) -> int | None:
    found = [n for n, o in enumerate(outfits) if set(o["item_ids"]) == set(ids)]
    return found[0] if found else None


def test_feedback_changes_the_ranking(served: Served) -> None:
    ask = {"occasion": "casual", "season": "spring", "max_results": 6}
    before = _recommend(served, "finn", **ask)
    assert len(before) >= 4
    assert not any("feedback" in o["parts"] for o in before)
    top, low = before[0], before[-1]

    _save_and_rate(served, top, rating=1, worn=False)
    after = _recommend(served, "finn", **ask)
    assert set(after[0]["item_ids"]) != set(top["item_ids"])  # the outfit rated 1/5 is not first
    where = _rank(after, top["item_ids"])
    if where is not None:
        demoted = after[where]
        assert demoted["score"] < top["score"] and demoted["parts"]["feedback"] == -1
        assert "feedback: you rated this outfit 1/5" in demoted["explanation"]

    # not worn: a worn outfit's items now rest for a few days (the wear log), which is tested
    # in tests/wardrobe; here the rating alone must lift it
    _save_and_rate(served, low, rating=5, worn=False)
    liked = _recommend(served, "finn", **ask)
    was = before.index(low)
    now = _rank(liked, low["item_ids"])
    assert now is not None and now < was, (was, now)
    promoted = liked[now]
    assert promoted["score"] > low["score"]
    assert any(
        e.startswith("feedback: you rated this outfit 5/5") for e in promoted["explanation"]
    ), promoted["explanation"]

    other = served.client("cleo").post("/recommendations", json=ask).json()["outfits"]
    assert not any("feedback" in o["parts"] for o in other)  # one user's feedback only
