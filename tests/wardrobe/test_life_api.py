"""Wardrobe life over HTTP against a real `aura serve`, on SQLite and PostgreSQL: the wear
log (wear, counts, undo), laundry (left out of suggestions, with the reason; back from the
wash), insights, the calendar (plan with the forecast of a local Open-Meteo server, confirm
into a wear, week view), trips and packing lists, households (invites, sharing, borrowing),
CSV import (API and CLI) and "Download my data" imported into another account."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server import AuraServer, run_aura
from tests.wardrobe.openmeteo import FakeOpenMeteo
from tests.wardrobe_client import backend_env, create_user

API = "/api/v1"
WARDROBE = [
    ("t-shirt", ["white"], "cotton tee", 20.0),
    ("shirt", ["light blue"], "oxford shirt", 45.0),
    ("sweater", ["grey"], "wool jumper", 80.0),
    ("jeans", ["blue"], "straight jeans", 60.0),
    ("trousers", ["black"], "tailored trousers", 90.0),
    ("sneakers", ["white"], "canvas sneakers", 50.0),
    ("loafers", ["brown"], "leather loafers", 120.0),
    ("coat", ["camel"], "wool coat", 250.0),
]


@dataclass
class Served:
    server: AuraServer
    data_dir: Path
    env: dict[str, str]
    keys: dict[str, str]
    weather: FakeOpenMeteo
    items: dict[str, int]
    backend: str = ""

    def http(self, who: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.server.url + API,
            headers={"Authorization": f"Bearer {self.keys[who]}"},
            timeout=120,
        )


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def served(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Served]:
    data_dir = tmp_path_factory.mktemp(f"life-{request.param}") / "data"
    with FakeOpenMeteo(high=6.0, low=0.0, rain_mm=4.0) as weather:
        extra = {
            "AURA_RATE_LIMIT_PER_MINUTE": "0",
            "AURA_FORECAST_URL": weather.url,
            "AURA_MAX_IMPORT_BYTES": "65536",
        }
        with backend_env(request, request.param, extra) as env:
            keys = {n: create_user(data_dir, env, n) for n in ("alice", "bob", "carol", "dave")}
            with AuraServer(data_dir, env) as server:
                server.wait_ready(timeout=300)
                state = Served(server, data_dir, env, keys, weather, {})
                with state.http("alice") as alice:
                    for category, colors, description, price in WARDROBE:
                        body = {
                            "category": category,
                            "colors": colors,
                            "description": description,
                            "purchase_price": price,
                            "purchase_date": "2025-01-15",
                        }
                        made = alice.post("/wardrobe/items", json=body)
                        assert made.status_code == 201, made.text
                        state.items[category] = made.json()["id"]
                    tee, jeans = state.items["t-shirt"], state.items["jeans"]
                    saved = alice.post(
                        "/outfit-recommendation/outfits", json={"item_ids": [tee, jeans]}
                    )
                    assert saved.status_code == 201, saved.text
                    chat = {"message": "What goes with my jeans?", "max_tokens": 4, "seed": 1}
                    assert alice.post("/conversational-ai/chat", json=chat).status_code == 200
                state.backend = request.param
                yield state


def _item(c: httpx.Client, item_id: int) -> dict[str, Any]:
    return dict(c.get(f"/wardrobe/items/{item_id}").json())


def test_wear_log_counts_and_undo(served: Served) -> None:
    ids = served.items
    with served.http("alice") as c:
        today = date.today()
        first = c.post(
            "/wardrobe/wears",
            json={
                "item_ids": [ids["t-shirt"], ids["jeans"]],
                "date": (today - timedelta(days=9)).isoformat(),
            },
        )
        assert first.status_code == 201, first.text
        second = c.post("/wardrobe/wears", json={"item_ids": [ids["t-shirt"]], "note": "office"})
        assert second.status_code == 201
        tee = _item(c, ids["t-shirt"])
        assert tee["times_worn"] == 2 and tee["last_worn"] == today.isoformat()
        assert _item(c, ids["jeans"])["times_worn"] == 1
        listed = c.get("/wardrobe/wears", params={"item_id": ids["t-shirt"]}).json()
        assert listed["total"] == 2 and listed["wears"][0]["note"] == "office"
        # a future day is refused, with the fix; nothing changes
        future = c.post(
            "/wardrobe/wears",
            json={"item_ids": [ids["t-shirt"]], "date": (today + timedelta(days=5)).isoformat()},
        )
        assert future.status_code == 422 and "calendar" in future.json()["fix"]
        # undo: the counts come back exactly
        assert c.delete(f"/wardrobe/wears/{second.json()['id']}").status_code == 204
        tee = _item(c, ids["t-shirt"])
        assert (
            tee["times_worn"] == 1 and tee["last_worn"] == (today - timedelta(days=9)).isoformat()
        )
        assert c.delete(f"/wardrobe/wears/{second.json()['id']}").status_code == 404


def test_laundry_leaves_items_out_of_suggestions_with_the_reason(served: Served) -> None:
    ids = served.items
    with served.http("alice") as c:
        washed = c.post("/wardrobe/laundry", json={"item_ids": [ids["jeans"]], "state": "in_wash"})
        assert washed.status_code == 200 and washed.json()["items"][0]["laundry"] == "in_wash"
        c.post("/wardrobe/laundry", json={"item_ids": [ids["sweater"]], "state": "at_cleaner"})
        rec = c.post("/outfit-recommendation/recommendations", json={"occasion": "casual"}).json()
        used = {i for o in rec["outfits"] for i in o["item_ids"]}
        assert ids["jeans"] not in used and ids["sweater"] not in used
        reasons = {r["item_id"]: r["reason"] for r in rec["left_out"]}
        assert "in the wash" in reasons[ids["jeans"]]
        assert "at the cleaner" in reasons[ids["sweater"]]
        back = c.post("/wardrobe/laundry/back", json={}).json()
        assert [i["id"] for i in back["items"]] == [ids["jeans"]]  # only the wash, by default
        assert _item(c, ids["sweater"])["laundry"] == "at_cleaner"
        c.post("/wardrobe/laundry/back", json={"states": ["at_cleaner"]})
        assert _item(c, ids["sweater"])["laundry"] == "clean"
        bad = c.post("/wardrobe/laundry", json={"item_ids": [ids["jeans"]], "state": "dirty"})
        assert bad.status_code == 422


def test_insights(served: Served) -> None:
    with served.http("alice") as c:
        got = c.get("/wardrobe/insights", params={"unworn_days": 30}).json()
    assert got["items"] == len(WARDROBE)
    assert got["value"] == pytest.approx(sum(p for *_, p in WARDROBE))
    tee = next(i for i in got["cost_per_wear"] if i["id"] == served.items["t-shirt"])
    assert tee["cost_per_wear"] == pytest.approx(20.0 / tee["times_worn"])
    assert got["most_worn"][0]["times_worn"] >= 1
    assert got["slots"]["top"] == 3 and got["slots"]["shoes"] == 2
    assert got["slots"]["outerwear"] == 1 and got["colour_families"]["white"] == 2
    not_worn = {i["id"] for i in got["not_worn"]["items"]}
    assert served.items["coat"] in not_worn and served.items["t-shirt"] not in not_worn


def test_calendar_forecast_confirm_and_week(served: Served) -> None:
    ids = served.items
    tomorrow = date.today() + timedelta(days=1)
    with served.http("alice") as c:
        place = {"latitude": 52.52, "longitude": 13.41}
        planned = c.post(
            "/calendar/plans",
            json={
                "date": tomorrow.isoformat(),
                "occasion": "work",
                "location": place,
                "suggest": True,
            },
        )
        assert planned.status_code == 201, planned.text
        plan = planned.json()
        assert plan["weather_source"] == "open-meteo"
        assert plan["weather"] == {"temperature_c": 3.0, "raining": True}
        assert served.weather.requests[-1]["latitude"] == ["52.52"]
        assert plan["item_ids"], plan  # the best outfit for a cold wet work day
        # the user's own weather wins over the forecast
        own = c.post(
            "/calendar/plans",
            json={
                "date": (tomorrow + timedelta(days=1)).isoformat(),
                "weather": {"temperature_c": 24, "raining": False},
                "location": place,
                "item_ids": [ids["t-shirt"], ids["jeans"], ids["sneakers"]],
            },
        ).json()
        assert own["weather_source"] == "user" and own["weather"]["temperature_c"] == 24
        early = c.post(f"/calendar/plans/{own['id']}/confirm", json={})
        assert early.status_code == 422 and "on the day" in early.json()["fix"]
        week = c.get("/calendar", params={"start": date.today().isoformat()}).json()
        assert len(week["days"]) == 7
        assert [p["id"] for p in week["days"][1]["plans"]] == [plan["id"]]
        # today's plan, confirmed: a wear
        today_plan = c.post(
            "/calendar/plans",
            json={"date": date.today().isoformat(), "item_ids": [ids["shirt"], ids["trousers"]]},
        ).json()
        before = _item(c, ids["shirt"])["times_worn"]
        done = c.post(f"/calendar/plans/{today_plan['id']}/confirm", json={})
        assert done.status_code == 200, done.text
        assert done.json()["plan"]["status"] == "worn"
        assert _item(c, ids["shirt"])["times_worn"] == before + 1
        again = c.post(f"/calendar/plans/{today_plan['id']}/confirm", json={})
        assert again.status_code == 409
        past = c.post("/calendar/plans", json={"date": "2020-01-01"})
        assert past.status_code == 422 and "wear log" in past.json()["fix"]


def test_trips_pack_every_day_and_the_checklist_persists(served: Served) -> None:
    ids = served.items
    start = date.today() + timedelta(days=20)
    days = [
        {
            "date": (start + timedelta(days=n)).isoformat(),
            "occasions": ["work" if n < 3 else "casual"],
            "weather": {"temperature_c": 18 if n else 4, "raining": False},
        }
        for n in range(5)
    ]
    with served.http("alice") as c:
        bad = c.post(
            "/trips",
            json={
                "destination": "Oslo",
                "start_date": start.isoformat(),
                "end_date": (start - timedelta(days=2)).isoformat(),
            },
        )
        assert bad.status_code == 422 and "before it starts" in bad.json()["message"]
        assert c.get("/trips").json()["trips"] == []  # nothing was stored
        made = c.post(
            "/trips",
            json={
                "destination": "Oslo",
                "start_date": start.isoformat(),
                "end_date": (start + timedelta(days=4)).isoformat(),
                "days": days,
            },
        )
        assert made.status_code == 201, made.text
        trip = made.json()
        assert [d["date"] for d in trip["days"]] == [d["date"] for d in days]
        assert all(d["outfits"][0]["item_ids"] for d in trip["days"])
        packed = {e["item_id"] for e in trip["checklist"]}
        worn = {i for d in trip["days"] for o in d["outfits"] for i in o["item_ids"]}
        assert packed == worn and len(packed) < sum(
            len(d["outfits"][0]["item_ids"]) for d in trip["days"]
        )
        assert ids["coat"] in trip["days"][0]["outfits"][0]["item_ids"]  # the cold first day
        assert ids["coat"] not in trip["days"][1]["outfits"][0]["item_ids"]
        first = trip["checklist"][0]["item_id"]
        ticked = c.patch(f"/trips/{trip['id']}/checklist", json={"packed": [first]}).json()
        assert ticked["packed"] == 1
        stray = c.patch(f"/trips/{trip['id']}/checklist", json={"packed": [10**6]})
        assert stray.status_code == 404  # not on this checklist: like an unknown id
        again = c.post(f"/trips/{trip['id']}/pack", json={}).json()
        assert {e["item_id"]: e["packed"] for e in again["checklist"]}[first] is True


def test_households_invite_share_borrow(served: Served) -> None:
    ids = served.items
    with served.http("alice") as alice, served.http("bob") as bob, served.http("carol") as carol:
        home = alice.post("/households", json={"name": "Flat 3"}).json()
        code = alice.post(f"/households/{home['id']}/invites").json()["code"]
        assert bob.get(f"/households/{home['id']}").status_code == 404  # not yet a member
        joined = bob.post("/households/join", json={"code": code})
        assert joined.status_code == 200, joined.text
        reused = carol.post("/households/join", json={"code": code})
        assert reused.status_code == 409 and "once" in reused.json()["message"]
        assert carol.get(f"/households/{home['id']}").status_code == 404
        # nothing is shared until its owner shares it
        assert bob.get(f"/households/{home['id']}/items").json()["items"] == []
        borrow_url = f"/households/{home['id']}/items/{ids['coat']}/borrow"
        assert bob.post(borrow_url).status_code == 404
        alice.put(f"/households/{home['id']}/sharing", json={"share": [ids["coat"]]})
        shared = bob.get(f"/households/{home['id']}/items").json()["items"]
        assert [i["id"] for i in shared] == [ids["coat"]] and shared[0]["owner"] == "alice"
        assert (
            bob.patch(f"/wardrobe/items/{ids['coat']}", json={"description": "mine"}).status_code
            == 404
        )
        # bob plans a day with the shared coat, and borrows it
        day = (date.today() + timedelta(days=2)).isoformat()
        plan = bob.post("/calendar/plans", json={"date": day, "item_ids": [ids["coat"]]})
        assert plan.status_code == 201, plan.text
        assert bob.post(borrow_url).status_code == 200
        assert _item(alice, ids["coat"])["laundry"] == "lent_out"
        assert bob.post(borrow_url).status_code == 409  # lent out already
        back = bob.post(f"/households/{home['id']}/items/{ids['coat']}/return")
        assert back.status_code == 200 and _item(alice, ids["coat"])["laundry"] == "clean"
        assert carol.post(borrow_url).status_code == 404  # a non-member: as for an unknown id


def test_csv_import_api_and_cli(served: Served, tmp_path: Path) -> None:
    good = (
        "category,colors,purchase_price,purchase_date,description\n"
        "scarf,red;black,15,2024-11-02,wool scarf\n"
    )
    bad = good + "hat,,-3,2024-13-01,\n,blue,,,no category\n"
    with served.http("carol") as c:
        refused = c.post("/wardrobe/import/csv", content=bad, headers={"Content-Type": "text/csv"})
        assert refused.status_code == 422
        body = refused.json()
        assert [d["line"] for d in body["detail"]] == [3, 4] and "Columns" in body["fix"]
        assert c.get("/wardrobe/items").json()["total"] == 0  # nothing was written
        ok = c.post("/wardrobe/import/csv", content=good, headers={"Content-Type": "text/csv"})
        assert ok.status_code == 201, ok.text
        item = ok.json()["items"][0]
        assert item["colors"] == ["red", "black"] and item["purchase_price"] == 15
        if served.backend != "sqlite":
            return  # the CLI writes through the same repositories: once is enough
        path = tmp_path / "more.csv"
        path.write_text("category,colors\nbelt,brown\nboots,black\n")
        env = served.env | {"AURA_DATA_DIR": str(served.data_dir)}
        result = run_aura("wardrobe", "import", str(path), "--user", "carol", env=env)
        assert result.returncode == 0, result.stderr
        assert c.get("/wardrobe/items").json()["total"] == 3


def test_a_bad_csv_file_names_its_lines_before_anything_is_read_in(tmp_path: Path) -> None:
    from aura.errors import InvalidInput
    from aura.wardrobe.bulk import read_items

    (tmp_path / "bad.csv").write_text("category,colour\nbelt,brown\n")
    with pytest.raises(InvalidInput, match="line 1: unknown column"):
        read_items(tmp_path / "bad.csv")
    (tmp_path / "rows.csv").write_text("category,purchase_date\nbelt,2024-02-30\nhat,\n")
    with pytest.raises(InvalidInput, match="line 2: purchase_date"):
        read_items(tmp_path / "rows.csv")
    (tmp_path / "ok.csv").write_text("category,colors,laundry\nbelt,brown;black,in_wash\n")
    assert read_items(tmp_path / "ok.csv")[0]["colors"] == ["brown", "black"]


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return out.getvalue()


EXPORTS: dict[str, bytes] = {}  # alice's data per backend: the PostgreSQL run imports SQLite's


def _portable(archive: zipfile.ZipFile) -> dict[str, Any]:
    """An export's content without ids and times: what must survive a round trip."""
    data = {
        n: json.loads(archive.read(f"{n}.json"))
        for n in ("items", "wears", "calendar", "trips", "outfits", "conversations")
    }
    name = {i["id"]: (i["category"], i["description"]) for i in data["items"]}

    def names(ids: list[int]) -> list[Any]:
        return sorted(name[i] for i in ids if i in name)

    return {
        "items": sorted(
            (
                i["category"],
                i["description"],
                i["colors"],
                i["times_worn"],
                i["last_worn"],
                i["purchase_price"],
                i["purchase_date"],
                i["laundry"],
            )
            for i in data["items"]
        ),
        "wears": sorted((w["date"], names(w["item_ids"]), w["note"]) for w in data["wears"]),
        "calendar": sorted(
            (
                p["date"],
                p["occasion"],
                json.dumps(p["weather"]),
                names(p["item_ids"]),
                p["wear_id"] is not None,
            )
            for p in data["calendar"]
        ),
        "trips": sorted(
            (
                t["destination"],
                t["start_date"],
                t["end_date"],
                sorted((name[c["item_id"]], c["packed"]) for c in t["checklist"]),
            )
            for t in data["trips"]
        ),
        "outfits": sorted(
            (names(o["item_ids"]), o["rating"], o["times_worn"], o["favorite"])
            for o in data["outfits"]
        ),
        "conversations": [
            (c["title"], [(m["role"], m["content"]) for m in c["messages"]])
            for c in data["conversations"]
        ],
        "photos": sorted(n for n in archive.namelist() if n.startswith("photos/")),
    }


def test_download_my_data_and_import_it_elsewhere(served: Served) -> None:
    with served.http("alice") as alice, served.http("dave") as bob:
        got = alice.get("/wardrobe/export")
        assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
        EXPORTS[served.backend] = got.content
        archive = zipfile.ZipFile(io.BytesIO(got.content))
        names = set(archive.namelist())
        assert {
            "manifest.json",
            "items.json",
            "items.csv",
            "wears.json",
            "calendar.json",
            "trips.json",
            "outfits.json",
            "conversations.json",
        } <= names
        items = json.loads(archive.read("items.json"))
        assert len(items) == len(WARDROBE)
        # a ZIP that reaches outside itself, one over the limit, one tampered with: refused
        evil = _zip({"manifest.json": b"{}", "../../etc/passwd": b"x"})
        r = bob.post("/wardrobe/import", content=evil, headers={"Content-Type": "application/zip"})
        assert r.status_code == 422 and "outside" in r.json()["message"]
        tampered = dict((n, archive.read(n)) for n in names)
        tampered["items.json"] = tampered["items.json"].replace(b"wool coat", b"fake coat")
        r = bob.post(
            "/wardrobe/import", content=_zip(tampered), headers={"Content-Type": "application/zip"}
        )
        assert r.status_code == 422 and "sha256" in r.json()["message"]
        r = bob.post(
            "/wardrobe/import", content=b"not a zip", headers={"Content-Type": "application/zip"}
        )
        assert r.status_code == 422
        assert bob.get("/wardrobe/items").json()["total"] == 0  # nothing of it was written
        # dave: a new account; on PostgreSQL (a fresh install) he imports SQLite's export
        source = EXPORTS.get("sqlite", got.content)
        done = bob.post(
            "/wardrobe/import", content=source, headers={"Content-Type": "application/zip"}
        )
        assert done.status_code == 201, done.text
        assert done.json()["imported"]["items"] == len(WARDROBE)
        again = zipfile.ZipFile(io.BytesIO(bob.get("/wardrobe/export").content))
        restored, original = _portable(again), _portable(zipfile.ZipFile(io.BytesIO(source)))
        assert original["wears"] and original["calendar"] and original["trips"]
        assert original["outfits"] and original["conversations"]
        assert restored == original
        hits = bob.get("/wardrobe/search", params={"q": "wool coat", "k": 1}).json()["results"]
        assert hits[0]["item"]["description"] == "wool coat"  # embedded and indexed


def test_the_zip_size_limit(served: Served) -> None:
    import os

    with served.http("bob") as bob:
        before = bob.get("/wardrobe/items").json()["total"]
        packed = _zip({"manifest.json": b"{}", "photos/" + "0" * 64: os.urandom(80_000)})
        r = bob.post(
            "/wardrobe/import", content=packed, headers={"Content-Type": "application/zip"}
        )
        assert r.status_code == 413 and "AURA_MAX_IMPORT_BYTES" in r.json()["fix"]
        out = io.BytesIO()  # small packed, huge unpacked (a "zip bomb")
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("items.json", b" " * 5_000_000)
        r = bob.post(
            "/wardrobe/import", content=out.getvalue(), headers={"Content-Type": "application/zip"}
        )
        assert r.status_code == 413 and "unpacks to" in r.json()["message"]
        assert bob.get("/wardrobe/items").json()["total"] == before
