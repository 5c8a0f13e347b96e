"""The wardrobe-life tools (wear log, calendar, trips and packing, insights; logging a wear
and planning a day) over real wardrobe services on SQLite and PostgreSQL, and the same
tools through the MCP server: results hold only the caller's rows (ben's wears, plans and
trip never reach ann; the hoodie ben shares with her is counted, not shown)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import anyio
import pytest

from aura.assistant.tools import default_toolbox
from aura.assistant.tools.life import TOOLS
from tests.assistant.conftest import LifeWardrobes
from tests.assistant.ids import item_ids

LIFE = {"wear_history", "calendar_plans", "trip_packing", "wardrobe_insights"}
WRITES = {"log_wear", "plan_day"}


def _run(w: LifeWardrobes, user: str, name: str, args: dict[str, Any], **kw: Any) -> Any:
    outcome = default_toolbox().run(w.session(user, **kw), name, args)
    return outcome


def _ok(w: LifeWardrobes, user: str, name: str, args: dict[str, Any], **kw: Any) -> dict:
    outcome = _run(w, user, name, args, **kw)
    assert outcome.ok, outcome.error
    return outcome.result


def test_the_toolbox_has_them_and_writes_are_opt_in() -> None:
    box = default_toolbox()
    assert set(box.names()) >= LIFE and not WRITES & set(box.names())
    assert set(box.names(writes=True)) >= WRITES
    for tool in TOOLS:
        schema = tool.schema()
        assert schema["type"] == "object" and schema.get("additionalProperties") is False


def test_wear_history_in_a_range_and_of_one_item(life_wardrobes: LifeWardrobes) -> None:
    w = life_wardrobes
    a, b = w.ids["ann"], w.ids["ben"]
    day = w.dates["yesterday"].isoformat()
    got = _ok(w, "ann", "wear_history", {"start": day, "end": day})
    assert got["total"] == 1
    wear = got["wears"][0]
    assert wear["date"] == day
    assert {i["id"] for i in wear["items"]} == {a["blue jeans"], a["white t-shirt"]}
    assert wear["other_items"] == 1  # ben's hoodie, borrowed: counted, never shown
    assert b["green hoodie"] not in item_ids(got) and b["black jeans"] not in item_ids(got)
    everything = _ok(w, "ann", "wear_history", {})
    assert everything["total"] == 3 and item_ids(everything) <= set(a.values())
    jeans = _ok(w, "ann", "wear_history", {"item_id": a["blue jeans"]})
    assert jeans["times_worn"] == 3 and jeans["last_worn"] == day
    assert jeans["item"]["label"] == "blue jeans"
    coat = _ok(w, "ann", "wear_history", {"item_id": a["grey coat"]})
    assert coat["times_worn"] == 0 and "last_worn" not in coat and coat["wears"] == []
    # ben's item is not hers: refused exactly like a missing one
    for item_id in (b["black jeans"], 2**31 + 5):
        refused = _run(w, "ann", "wear_history", {"item_id": item_id})
        assert not refused.ok and "No wardrobe item" in refused.error
    backwards = _run(w, "ann", "wear_history", {"start": day, "end": "2000-01-01"})
    assert not backwards.ok and "before it starts" in backwards.error
    extra = _run(w, "ann", "wear_history", {"user_id": w.users["ben"]})
    assert not extra.ok and "invalid arguments" in extra.error
    bens = _ok(w, "ben", "wear_history", {"start": day, "end": day})
    assert item_ids(bens) == {b["black jeans"], b["white shirt"]}


def test_calendar_plans_with_items_and_context(life_wardrobes: LifeWardrobes) -> None:
    w = life_wardrobes
    a = w.ids["ann"]
    got = _ok(w, "ann", "calendar_plans", {})  # the next 7 days
    assert got["start"] == w.today.isoformat() and got["count"] == 1
    plan = got["plans"][0]
    assert plan["date"] == w.dates["planned"].isoformat() and plan["occasion"] == "work"
    assert plan["weather"] == {"temperature_c": 8.0, "raining": True}
    assert plan["status"] == "planned" and plan["weather_source"] == "user"
    assert [i["label"] for i in plan["items"]] == ["navy blazer", "black trousers",
                                                   "brown loafers"]  # fmt: skip
    assert item_ids(got) <= set(a.values())
    later = w.today + timedelta(days=20)
    empty = _ok(w, "ann", "calendar_plans", {"start": later.isoformat()})
    assert empty["count"] == 0 and empty["plans"] == []
    too_long = _run(w, "ann", "calendar_plans", {"start": "2026-01-01", "end": "2026-12-31"})
    assert not too_long.ok and "at most 62" in too_long.error


def test_trip_packing_lists_trips_and_one_packing_list(life_wardrobes: LifeWardrobes) -> None:
    w = life_wardrobes
    a = w.ids["ann"]
    listed = _ok(w, "ann", "trip_packing", {})
    assert listed["count"] == 1  # ben's Lisbon trip is his
    summary = listed["trips"][0]
    assert summary["id"] == w.trips["ann"] and summary["destination"] == "Lisbon"
    assert summary["packed"] == 1 and summary["items"] >= 3
    by_name = _ok(w, "ann", "trip_packing", {"destination": "lisbon"})["trip"]
    by_id = _ok(w, "ann", "trip_packing", {"trip_id": w.trips["ann"]})["trip"]
    assert by_name == by_id
    trip = by_id
    assert trip["start_date"] == w.dates["trip start"].isoformat()
    assert len(trip["checklist"]) == summary["items"] and trip["packed"] == 1
    assert trip["checklist"][0]["packed"] and not trip["done"]
    assert {i["id"] for i in trip["to_pack"]} == {c["item"]["id"] for c in trip["checklist"][1:]}
    assert [d["date"] for d in trip["days"]] == [
        (w.dates["trip start"] + timedelta(days=n)).isoformat() for n in range(3)
    ]
    assert trip["days"][0]["weather"] == {"temperature_c": 9.0, "raining": True}
    assert all(o["items"] for d in trip["days"] for o in d["outfits"])
    assert item_ids(trip) <= set(a.values())
    for args in ({"trip_id": w.trips["ben"]}, {"destination": "Tokyo"}):
        refused = _run(w, "ann", "trip_packing", args)
        assert not refused.ok and ("No trip" in refused.error or "no trip" in refused.error)


def test_wardrobe_insights(life_wardrobes: LifeWardrobes) -> None:
    w = life_wardrobes
    a = w.ids["ann"]
    got = _ok(w, "ann", "wardrobe_insights", {})
    assert got["items"] == 8 and got["priced_items"] == 4 and got["value"] == 480.0
    most = got["most_worn"][0]
    assert most["item"]["id"] == a["blue jeans"] and most["times_worn"] == 3
    cost = {c["item"]["label"]: c["cost_per_wear"] for c in got["cost_per_wear"]}
    assert cost == {"grey coat": 250.0, "navy blazer": 150.0, "blue jeans": 20.0,
                    "white t-shirt": 20.0}  # fmt: skip
    # the coat, bought 200 days ago, never worn: a declutter candidate; the rest is new
    assert [i["item"]["id"] for i in got["not_worn"]] == [a["grey coat"]]
    new = {i["item"]["label"] for i in got["new_not_worn"]}
    assert new == {"black trousers", "white sneakers", "brown loafers", "red dress"}
    assert item_ids(got) <= set(a.values())
    assert _run(w, "ann", "wardrobe_insights", {"not_worn_days": 0}).ok is False


def test_writes_log_a_wear_and_plan_a_day(life_wardrobes: LifeWardrobes) -> None:
    w = life_wardrobes
    a, b = w.ids["ann"], w.ids["ben"]
    refused = _run(w, "ann", "log_wear", {"item_ids": [a["red dress"]]})
    assert not refused.ok and "writes are not enabled" in refused.error
    logged = _ok(w, "ann", "log_wear", {"item_ids": [a["red dress"]], "note": "party"},
                 writes=True)["wear"]  # fmt: skip
    assert logged["date"] == w.today.isoformat() and logged["note"] == "party"
    assert [i["id"] for i in logged["items"]] == [a["red dress"]]
    dress = _ok(w, "ann", "wear_history", {"item_id": a["red dress"]})
    assert dress["times_worn"] == 1 and dress["last_worn"] == w.today.isoformat()
    for args, error in [
        ({"item_ids": [b["black jeans"]]}, "not one of yours"),
        ({"item_ids": [a["red dress"]], "date": (w.today + timedelta(days=3)).isoformat()},
         "still to come"),
        ({}, "needs item_ids or an outfit_id"),
        ({"outfit_id": 999999}, "No saved outfit"),
    ]:  # fmt: skip
        bad = _run(w, "ann", "log_wear", args, writes=True)
        assert not bad.ok and error in bad.error, bad.error
    assert _ok(w, "ben", "wear_history", {"item_id": b["black jeans"]})["times_worn"] == 1

    day = (w.today + timedelta(days=4)).isoformat()
    planned = _ok(w, "ann", "plan_day", {"date": day, "item_ids": [a["red dress"]],
                                         "occasion": "party", "temperature_c": 21},
                  writes=True)["plan"]  # fmt: skip
    assert planned["date"] == day and planned["occasion"] == "party"
    assert planned["weather"] == {"temperature_c": 21.0, "raining": False}
    assert [i["label"] for i in planned["items"]] == ["red dress"]
    suggested = _ok(w, "ann", "plan_day", {"date": day, "occasion": "casual"}, writes=True)
    assert suggested["plan"]["items"] and item_ids(suggested) <= set(a.values())
    week = _ok(w, "ann", "calendar_plans", {"start": day, "end": day})
    assert week["count"] == 2
    for args, error in [
        ({"date": (w.today - timedelta(days=2)).isoformat(), "item_ids": [a["red dress"]]},
         "has passed"),
        ({"date": day, "item_ids": [b["white shirt"]]}, "not one of yours"),
        ({"date": day, "occasion": "picnic"}, "invalid arguments"),
        ({"date": day, "temperature_c": 99}, "invalid arguments"),
    ]:  # fmt: skip
        bad = _run(w, "ann", "plan_day", args, writes=True)
        assert not bad.ok and error in bad.error, bad.error
    assert _ok(w, "ben", "calendar_plans", {"start": day, "end": day})["count"] == 0


def test_the_mcp_server_lists_and_runs_them(life_wardrobes: LifeWardrobes) -> None:
    from mcp.client._memory import InMemoryTransport
    from mcp.client.session import ClientSession

    from aura.assistant.mcp_server import build_server, fixed_user

    w = life_wardrobes
    a = w.ids["ann"]

    async def exercise(writes: bool) -> dict:
        server = build_server(w.platform.tool_deps, fixed_user(w.users["ann"]), allow_writes=writes)
        async with (
            InMemoryTransport(server) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            tools = await session.list_tools()
            history = await session.call_tool("wear_history", {"item_id": a["blue jeans"]})
            trips = await session.call_tool("trip_packing", {"destination": "Lisbon"})
            return {
                "names": {t.name for t in tools.tools},
                "schema": next(t.input_schema for t in tools.tools if t.name == "wear_history"),
                "history": history.structured_content,
                "trips": trips.structured_content,
            }

    read_only = anyio.run(exercise, False)
    assert read_only["names"] >= LIFE and not WRITES & read_only["names"]
    assert "item_id" in read_only["schema"]["properties"]
    assert read_only["history"]["item"]["id"] == a["blue jeans"]
    assert read_only["history"]["times_worn"] >= 3
    assert read_only["trips"]["trip"]["id"] == w.trips["ann"]
    assert item_ids(read_only["trips"]) <= set(a.values())
    assert anyio.run(exercise, True)["names"] >= WRITES


@pytest.mark.parametrize("name", sorted(LIFE))
def test_a_user_without_a_wardrobe_life_gets_empty_results(
    life_wardrobes: LifeWardrobes, name: str
) -> None:
    from aura.storage.users import create_user

    w = life_wardrobes
    if "cara" not in w.users:
        w.users["cara"], _ = create_user(w.platform.db, "cara")
    got = _ok(w, "cara", name, {})
    assert not item_ids(got)
    assert got.get("total", got.get("count", got.get("items", 0))) == 0
