"""Security, generated from the app's own routes so that a route added later is covered
without editing this file: every ``/api/v1`` and ``/v1`` route refuses a missing, wrong or
revoked key; one user never sees or changes another's items, photos, outfits or
conversations (every route with a path parameter, plus the routes that take another
resource's id in their body); keys are stored hashed; logs never hold a key."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from aura.config import load_settings
from aura.layout import DataTree
from tests.server import AuraServer, run_aura

ROOT = Path(__file__).resolve().parents[1]
PROTECTED = ("/api/v1/", "/v1/", "/mcp")  # /mcp: the MCP endpoint (the same keys)
# The one explicit exception. GET /api/v1/<service>/info says which service answers, its
# version and whether start-up is done: what the public /health/live and /health/ready
# already say, and no user data. It stays public so the gateway's routing to each
# service can be probed without a credential (tests/test_gateway_nginx.py does).
PUBLIC = {
    ("GET", "/api/v1/visual-analysis/info"),
    ("GET", "/api/v1/outfit-recommendation/info"),
    ("GET", "/api/v1/conversational-ai/info"),
}
# Sign-in issues keys, so it cannot ask for one: it takes the one-time token `aura serve`
# printed, from a loopback client only (tests/test_web_app.py); a wrong token is refused
# below, and the token never reaches the log files (test_logs_never_contain_keys).
SIGN_IN = ("POST", "/api/v1/session/local-signin")
PUBLIC.add(SIGN_IN)
PARAM = re.compile(r"{(\w+)(?::(\w+))?}")


def app_routes() -> list[tuple[str, str]]:
    """(method, path) of every HTTP and WebSocket ("WS") route of the full app."""
    from aura.api.app import create_app

    app = create_app(load_settings(data_dir=Path("/nonexistent/aura-routes")))

    def walk(routes: list[Any]) -> Iterator[Any]:
        for route in routes:
            inner = getattr(route, "original_router", None)  # FastAPI's included routers
            if inner is not None:
                yield from walk(inner.routes)
            else:
                yield route

    out = set()
    for route in walk(app.routes):
        path = getattr(route, "path", "")
        methods = getattr(route, "methods", None)
        for method in sorted(methods or {"WS"}):
            if method != "HEAD":
                out.add((method, path))
    # the walk misses nothing the schema lists (guards against a change in FastAPI)
    schema = app.openapi()["paths"]
    listed = {(m.upper(), re.sub(r"{(\w+)}", r"\1", p)) for p, ops in schema.items() for m in ops}
    walked = {(m, PARAM.sub(r"\1", p)) for m, p in out}
    assert listed <= walked, listed - walked
    return sorted(out)


ROUTES = app_routes()
GUARDED = [r for r in ROUTES if r[1].startswith(PROTECTED) and r not in PUBLIC]


def fill(path: str, values: dict[str, str] | None = None) -> str:
    def value(match: re.Match[str]) -> str:
        if values is not None:
            return values[match.group(1)]
        return "1" if match.group(2) == "int" else "0" * 64

    return PARAM.sub(value, path)


@dataclass
class Platform:
    server: AuraServer
    keys: dict[str, str]
    data_dir: Path
    made: dict[str, dict[str, Any]] = field(default_factory=dict)

    def http(self, who: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.keys[who]}"} if who else {}
        return httpx.Client(base_url=self.server.url, headers=headers, timeout=120)


@pytest.fixture(scope="module")
def platform(tmp_path_factory) -> Iterator[Platform]:
    data_dir = tmp_path_factory.mktemp("security") / "data"
    env = {"AURA_DATA_DIR": str(data_dir)}
    keys = {}
    for name in ("alice", "bob", "carol"):
        made = run_aura("users", "create", name, "--json", env=env)
        assert made.returncode == 0, made.stderr
        keys[name] = json.loads(made.stdout)["api_key"]
    assert run_aura("users", "revoke", "carol", env=env).returncode == 0
    with AuraServer(data_dir, {"AURA_RATE_LIMIT_PER_MINUTE": "0"}) as server:
        server.wait_ready(timeout=300)
        yield Platform(server, keys, data_dir)
        server.stop()


def test_the_routes_are_generated_and_the_public_list_is_exact() -> None:
    assert len(GUARDED) >= 25, GUARDED
    assert ("GET", "/api/v1/wardrobe/items/{item_id:int}") in GUARDED
    assert ("WS", "/api/v1/conversational-ai/ws/chat") in GUARDED
    assert ("POST", "/v1/chat/completions") in GUARDED
    assert set(ROUTES) >= PUBLIC, "an allow-listed route no longer exists: drop it"


def test_every_route_refuses_no_wrong_or_revoked_key(platform: Platform) -> None:
    ws_base = platform.server.url.replace("http://", "ws://")
    keys = {"none": None, "wrong": "aura_" + "x" * 43, "revoked": platform.keys["carol"]}
    refused: dict[str, dict[str, int | str]] = {}
    status: int | str
    for method, path in GUARDED:
        url = fill(path)
        for label, key in keys.items():
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            if method == "WS":  # the key in the header, then in ?api_key=
                statuses = []
                for target, extra in ((url, headers), (f"{url}?api_key={key or ''}", {})):
                    try:
                        with connect(ws_base + target, additional_headers=extra, open_timeout=30):
                            statuses.append("accepted")
                    except InvalidStatus as exc:
                        statuses.append(exc.response.status_code)
                status = str(statuses)
                ok = statuses == [403, 403]  # the handshake refused (close 1008 before accept)
            else:
                body = {} if method in ("POST", "PUT", "PATCH") else None
                response = httpx.request(
                    method, platform.server.url + url, json=body, headers=headers, timeout=60
                )
                status = response.status_code
                ok = status == 401 and response.headers.get("www-authenticate") == "Bearer"
            if not ok:
                refused.setdefault(f"{method} {path}", {})[label] = status
    assert not refused, f"routes that did not refuse: {refused}"
    # the sign-in refuses every token but the one printed, and issues no key for it
    wrong = httpx.post(platform.server.url + SIGN_IN[1], json={"token": "not-the-token"})
    assert wrong.status_code in (403, 404) and "api_key" not in wrong.text
    # and the allow-listed info routes carry nothing about users
    for _, path in PUBLIC - {SIGN_IN}:
        assert set(httpx.get(platform.server.url + path).json()) <= {
            "service", "version", "ready", "status", "loading"
        }  # fmt: skip


# How alice creates each kind of resource a path parameter can name. A new route with a
# new parameter name fails the test below until a line is added here.
def _make_item(c: httpx.Client, p: Platform) -> dict[str, Any]:
    body = {"category": "shirt", "colors": ["navy"], "description": "alice's own shirt"}
    return dict(c.post("/api/v1/wardrobe/items", json=body).json())


def _make_photo(c: httpx.Client, p: Platform) -> dict[str, Any]:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 20, 200)).save(out, "PNG")
    data = out.getvalue()
    r = c.post("/api/v1/wardrobe/photos", content=data, headers={"Content-Type": "image/png"})
    return dict(r.json())


def _make_outfit(c: httpx.Client, p: Platform) -> dict[str, Any]:
    body = {"category": "jeans", "colors": ["blue"], "description": "alice's jeans"}
    ids = [p.made["item_id"]["id"], c.post("/api/v1/wardrobe/items", json=body).json()["id"]]
    saved = c.post("/api/v1/outfit-recommendation/outfits", json={"item_ids": ids})
    return dict(saved.json())


def _make_conversation(c: httpx.Client, p: Platform) -> dict[str, Any]:
    body = {"message": "What goes with navy?", "max_tokens": 4, "seed": 1}
    cid = c.post("/api/v1/conversational-ai/chat", json=body).json()["conversation_id"]
    return dict(c.get(f"/api/v1/conversational-ai/conversations/{cid}").json())


def _make_wear(c: httpx.Client, p: Platform) -> dict[str, Any]:
    body = {"item_ids": [p.made["item_id"]["id"]], "note": "alice's wear"}
    return dict(c.post("/api/v1/wardrobe/wears", json=body).json())


def _make_plan(c: httpx.Client, p: Platform) -> dict[str, Any]:
    day = (date.today() + timedelta(days=3)).isoformat()
    body = {"date": day, "item_ids": [p.made["item_id"]["id"]], "occasion": "work"}
    return dict(c.post("/api/v1/calendar/plans", json=body).json())


def _make_trip(c: httpx.Client, p: Platform) -> dict[str, Any]:
    start = date.today() + timedelta(days=10)
    body = {
        "destination": "alice's trip",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=2)).isoformat(),
    }
    return dict(c.post("/api/v1/trips", json=body).json())


def _make_household(c: httpx.Client, p: Platform) -> dict[str, Any]:
    made = c.post("/api/v1/households", json={"name": "alice's home"}).json()
    c.put(f"/api/v1/households/{made['id']}/sharing", json={"everything": True})
    return dict(made)


CREATE = {
    "item_id": (_make_item, "id"),
    "sha": (_make_photo, "sha256"),
    "outfit_id": (_make_outfit, "id"),
    "conversation_id": (_make_conversation, "id"),
    "wear_id": (_make_wear, "id"),
    "plan_id": (_make_plan, "id"),
    "trip_id": (_make_trip, "id"),
    "household_id": (_make_household, "id"),
}


def _snapshot(c: httpx.Client, p: Platform) -> dict[str, Any]:
    """Everything of alice's that bob must not change."""
    ids = {k: str(v[CREATE[k][1]]) for k, v in p.made.items()}
    return {
        "item": c.get(f"/api/v1/wardrobe/items/{ids['item_id']}").json(),
        "photo": c.get(f"/api/v1/wardrobe/photos/{ids['sha']}").content,
        "outfits": c.get("/api/v1/outfit-recommendation/outfits").json(),
        "conversation": c.get(
            f"/api/v1/conversational-ai/conversations/{ids['conversation_id']}"
        ).json()["messages"],
        "wears": c.get("/api/v1/wardrobe/wears").json(),
        "plan": c.get(f"/api/v1/calendar/plans/{ids['plan_id']}").json(),
        "trip": c.get(f"/api/v1/trips/{ids['trip_id']}").json(),
        "household": c.get(f"/api/v1/households/{ids['household_id']}").json(),
    }


def test_one_user_never_sees_or_changes_anothers_resources(platform: Platform) -> None:
    alice, bob = platform.http("alice"), platform.http("bob")
    for name, (make, _) in CREATE.items():
        platform.made[name] = make(alice, platform)
    ids = {k: str(v[CREATE[k][1]]) for k, v in platform.made.items()}
    before = _snapshot(alice, platform)
    with_params = [(m, p) for m, p in GUARDED if PARAM.search(p) and m != "WS"]
    assert len(with_params) >= 8
    leaked = {}
    for method, path in with_params:
        names = {n for n, _ in PARAM.findall(path)}
        assert names <= set(CREATE), f"{path}: add how to create {names - set(CREATE)}"
        body = {} if method in ("POST", "PUT", "PATCH") else None
        response = bob.request(method, fill(path, ids), json=body)
        if response.status_code != 404:
            leaked[f"{method} {path}"] = (response.status_code, response.text[:200])
    assert not leaked, f"bob reached alice's resources: {leaked}"
    # the routes that name another resource in their body
    item, outfit = int(ids["item_id"]), int(ids["outfit_id"])
    by_body = {
        "POST /api/v1/wardrobe/items": {"category": "hat", "image_sha256": ids["sha"]},
        "POST /api/v1/outfit-recommendation/outfits": {"item_ids": [item, item]},
        "POST /api/v1/outfit-recommendation/compatibility": {"item_ids": [item, item]},
        "POST /api/v1/outfit-recommendation/complete": {
            "item_ids": [item],
            "target_category": "shoes",
        },
        "POST /api/v1/outfit-recommendation/feedback": {"outfit_id": outfit, "rating": 1},
        "POST /api/v1/conversational-ai/chat": {
            "message": "hi",
            "conversation_id": ids["conversation_id"],
            "max_tokens": 2,
        },
        "POST /api/v1/wardrobe/wears": {"item_ids": [item]},
        "POST /api/v1/wardrobe/laundry": {"item_ids": [item], "state": "in_wash"},
        "POST /api/v1/calendar/plans": {
            "date": (date.today() + timedelta(days=1)).isoformat(),
            "item_ids": [item],
        },
        "POST /api/v1/households/join": {"code": "not-an-invite-code"},
    }
    bob_wear = {"outfit_id": outfit}  # alice's outfit, as bob's wear
    assert bob.post("/api/v1/wardrobe/wears", json=bob_wear).status_code == 404
    for route, body in by_body.items():
        method, path = route.split(" ")
        response = bob.request(method, path, json=body)
        assert response.status_code in (404, 422), (route, response.status_code, response.text)
    ws_url = platform.server.url.replace("http://", "ws://") + "/api/v1/conversational-ai/ws/chat"
    with connect(f"{ws_url}?api_key={platform.keys['bob']}", open_timeout=30) as ws:
        ws.send(json.dumps({"message": "hi", "conversation_id": ids["conversation_id"]}))
        assert json.loads(ws.recv(timeout=60))["error"] == "NotFound"
    # bob's own listings and searches hold none of alice's things
    assert bob.get("/api/v1/wardrobe/items").json()["total"] == 0
    assert bob.get("/api/v1/wardrobe/search", params={"q": "alice's own shirt"}).json() == {
        "results": []
    }
    assert bob.get("/api/v1/outfit-recommendation/outfits").json()["outfits"] == []
    assert bob.get("/api/v1/conversational-ai/conversations").json()["conversations"] == []
    assert bob.get("/api/v1/wardrobe/wears").json()["total"] == 0
    assert bob.get("/api/v1/trips").json()["trips"] == []
    assert bob.get("/api/v1/households").json()["households"] == []
    assert bob.get("/api/v1/wardrobe/insights").json()["items"] == 0
    export = bob.get("/api/v1/wardrobe/export")
    assert export.status_code == 200 and b"alice" not in export.content
    assert _snapshot(alice, platform) == before


def _db_dump(platform: Platform) -> bytes:
    tree = DataTree(load_settings(data_dir=platform.data_dir))
    return b"".join(p.read_bytes() for p in tree.sqlite_path.parent.glob("aura.sqlite3*"))


def test_keys_are_stored_hashed(platform: Platform) -> None:
    import sqlite3

    tree = DataTree(load_settings(data_dir=platform.data_dir))
    with sqlite3.connect(tree.sqlite_path) as conn:
        rows = conn.execute("SELECT key_hash, prefix FROM api_keys").fetchall()
    assert len(rows) == 3
    hashes = {hashlib.sha256(k.encode()).hexdigest() for k in platform.keys.values()}
    assert {r[0] for r in rows} == hashes
    assert all(len(r[1]) <= 12 for r in rows)
    dump = _db_dump(platform)
    for key in platform.keys.values():
        assert key.encode() not in dump and key[12:].encode() not in dump


def test_logs_never_contain_keys(platform: Platform) -> None:
    url = platform.server.url
    wrong = "aura_" + "w" * 43
    for key in (*platform.keys.values(), wrong):
        httpx.get(url + "/api/v1/wardrobe/items", headers={"Authorization": f"Bearer {key}"})
        httpx.get(url + f"/api/v1/wardrobe/items?api_key={key}")  # a key where none belongs
        ws = url.replace("http://", "ws://") + f"/api/v1/conversational-ai/ws/chat?api_key={key}"
        try:
            with connect(ws, open_timeout=30) as sock:
                sock.send(json.dumps({"message": "hello", "max_tokens": 2}))
                while json.loads(sock.recv(timeout=60))["type"] not in ("end", "error"):
                    pass
        except InvalidStatus:
            pass  # refused keys
    logs = [platform.server.log_path, *platform.data_dir.rglob("*.log*")]
    text = "\n".join(p.read_text(errors="replace") for p in logs if p.is_file())
    # the logs saw the requests (so the search below means something), keys masked
    assert text.count('"path": "/api/v1/wardrobe/items"') >= 8
    assert "WebSocket /api/v1/conversational-ai/ws/chat?api_key=[redacted]" in text
    for key in (*platform.keys.values(), wrong):
        assert key not in text and key[12:] not in text
    # the one-time sign-in link is printed for the person at the machine, never logged
    printed = re.findall(r"#signin=([\w-]+)", platform.server.output())
    files = [p for p in platform.data_dir.rglob("*.log*") if p.is_file()]
    for token in printed:
        assert all(token not in p.read_text(errors="replace") for p in files)


def test_the_gateway_access_log_cannot_record_a_key() -> None:
    conf = (ROOT / "deploy/nginx/nginx.conf").read_text()
    formats = re.findall(r"log_format\s+\w+[^;]*;", conf, re.S)
    assert formats
    for fmt in formats:
        # $request, $request_uri, $args, $query_string and $arg_* carry the query string
        # (?api_key=); $http_authorization and $http_cookie carry credentials.
        for var in ("$request ", "$request\"", "$request_uri", "$args", "$query_string",
                    "$arg_", "$http_authorization", "$http_cookie", "$http_referer"):  # fmt: skip
            assert var not in fmt, f"{var.strip()} in the nginx log format"
    assert "access_log /var/log/nginx/access.log aura_json;" in conf
