"""What a user does with Aura, over HTTP, and a ledger of everything it acknowledged.

Users add a wardrobe from photos (``POST /api/v1/wardrobe/items/from-photo`` where the
server has it, otherwise analyse + upload + from-analysis), add items by hand, chat
(conversations with messages) and save outfits with feedback. Each 2xx answer goes into
:class:`Ledger`; :mod:`aura.proof.checks` later compares the server with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

from aura.proof.photos import garment_photo

WARDROBE = "/api/v1/wardrobe"
CHAT = "/api/v1/conversational-ai"
OUTFITS = "/api/v1/outfit-recommendation"
LIFE = "/api/v1"
HAND_ITEMS = [
    ("coat", ["camel"], "wool overcoat, knee length"),
    ("boots", ["brown"], "leather chelsea boots"),
    ("scarf", ["grey"], "cashmere scarf"),
    ("dress", ["emerald"], "silk slip dress for evenings"),
]


class Refused(RuntimeError):
    """A write the server did not acknowledge (the proof cannot go on without it)."""


def expect(response: httpx.Response, *codes: int) -> Any:
    if response.status_code not in codes:
        raise Refused(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}: {response.text[:300]}"
        )
    return response.json() if response.content else None


@dataclass
class UserLedger:
    name: str
    key: str
    items: dict[int, dict[str, Any]] = field(default_factory=dict)
    photo_items: set[int] = field(default_factory=set)
    photos: set[str] = field(default_factory=set)
    conversations: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    outfits: dict[int, dict[str, Any]] = field(default_factory=dict)
    # wardrobe life: what each acknowledged write left behind
    wears: dict[int, dict[str, Any]] = field(default_factory=dict)
    plans: dict[int, dict[str, Any]] = field(default_factory=dict)
    trips: dict[int, dict[str, Any]] = field(default_factory=dict)
    households: dict[int, dict[str, Any]] = field(default_factory=dict)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@dataclass
class Ledger:
    users: list[UserLedger] = field(default_factory=list)
    revoked_key: str | None = None


class Workload:
    """One user's session against a running server."""

    def __init__(self, url: str, user: UserLedger) -> None:
        self.user = user
        self.http = httpx.Client(base_url=url, headers=user.headers(), timeout=300)
        self.from_photo = f"{WARDROBE}/items/from-photo" in self._paths()

    def _paths(self) -> set[str]:
        return set(expect(self.http.get("/openapi.json"), 200)["paths"])

    def close(self) -> None:
        self.http.close()

    # ---- wardrobe ------------------------------------------------------------------

    def add_photo(self, n: int) -> list[dict[str, Any]]:
        photo = garment_photo(n)
        if self.from_photo:
            body = expect(
                self.http.post(
                    f"{WARDROBE}/items/from-photo",
                    files={"file": (f"photo-{n}.jpg", photo, "image/jpeg")},
                ),
                201,
            )
            self.user.photos.add(body["photo_sha256"])
            items = list(body["items"])
        else:
            items = self._photo_by_steps(n, photo)
        for item in items:
            self.user.items[item["id"]] = item
            self.user.photo_items.add(item["id"])
        return items

    def _photo_by_steps(self, n: int, photo: bytes) -> list[dict[str, Any]]:
        analysis = expect(
            self.http.post(
                "/api/v1/visual-analysis/analyze",
                files={"image": (f"photo-{n}.jpg", photo, "image/jpeg")},
            ),
            200,
        )
        stored = expect(
            self.http.post(
                f"{WARDROBE}/photos", content=photo, headers={"Content-Type": "image/jpeg"}
            ),
            201,
        )
        self.user.photos.add(stored["sha256"])
        garments = [_garment(d) for d in analysis["detections"]]
        if not garments:
            return []
        body = {"source_photo_sha256": stored["sha256"], "garments": garments}
        return list(
            expect(self.http.post(f"{WARDROBE}/items/from-analysis", json=body), 201)["items"]
        )

    def add_by_hand(self, n: int) -> dict[str, Any]:
        category, colors, description = HAND_ITEMS[n % len(HAND_ITEMS)]
        body = {"category": category, "colors": colors, "description": f"{description} #{n}"}
        item = expect(self.http.post(f"{WARDROBE}/items", json=body), 201)
        self.user.items[item["id"]] = item
        return dict(item)

    # ---- assistant -----------------------------------------------------------------

    def chat(self, message: str, conversation_id: str | None = None) -> str:
        body: dict[str, Any] = {"message": message, "max_tokens": 12, "seed": 7}
        if conversation_id:
            body["conversation_id"] = conversation_id
        result = expect(self.http.post(f"{CHAT}/chat", json=body), 200)
        conv = result["conversation_id"]
        self.user.conversations.setdefault(conv, []).extend(
            [("user", message), ("assistant", result["reply"])]
        )
        return str(conv)

    # ---- outfits -------------------------------------------------------------------

    def save_outfit(self, item_ids: list[int], rating: int) -> dict[str, Any]:
        saved = expect(self.http.post(f"{OUTFITS}/outfits", json={"item_ids": item_ids}), 201)
        body = {"outfit_id": saved["id"], "rating": rating, "worn": True}
        outfit = expect(self.http.post(f"{OUTFITS}/feedback", json=body), 201)["outfit"]
        self.user.outfits[outfit["id"]] = outfit
        for item_id in item_ids:  # worn: the wear log counts it on the items
            self.user.items[item_id] = expect(self.http.get(f"{WARDROBE}/items/{item_id}"), 200)
        return dict(outfit)


class Life:
    """Wardrobe life for one user: wears, laundry, a planned day, a trip with a
    ticked checklist, a household; the ledger keeps what each 2xx answer said."""

    def __init__(self, workload: Workload) -> None:
        self.w, self.http, self.user = workload, workload.http, workload.user

    def _refresh_items(self, ids: list[int]) -> None:
        for item_id in ids:  # a wear or a laundry change shows in the item
            self.user.items[item_id] = expect(self.http.get(f"{WARDROBE}/items/{item_id}"), 200)

    def wear(self, item_ids: list[int], note: str) -> dict[str, Any]:
        body = {"item_ids": item_ids, "note": note}
        made = expect(self.http.post(f"{WARDROBE}/wears", json=body), 201)
        self.user.wears[made["id"]] = made
        self._refresh_items(item_ids)
        return dict(made)

    def laundry(self, item_ids: list[int], state: str) -> None:
        body = {"item_ids": item_ids, "state": state}
        expect(self.http.post(f"{WARDROBE}/laundry", json=body), 200)
        self._refresh_items(item_ids)

    def plan(self, item_ids: list[int], days_ahead: int) -> dict[str, Any]:
        day = (date.today() + timedelta(days=days_ahead)).isoformat()
        body = {"date": day, "occasion": "work", "item_ids": item_ids,
                "weather": {"temperature_c": 9.0, "raining": True}}  # fmt: skip
        made = expect(self.http.post(f"{LIFE}/calendar/plans", json=body), 201)
        self.user.plans[made["id"]] = made
        return dict(made)

    def trip(self) -> dict[str, Any]:
        # a whole outfit to pack, whatever the photos held
        for category, colors in (
            ("t-shirt", ["white"]),
            ("jeans", ["blue"]),
            ("sneakers", ["red"]),
        ):
            body = {"category": category, "colors": colors, "description": "for the trip"}
            item = expect(self.http.post(f"{WARDROBE}/items", json=body), 201)
            self.user.items[item["id"]] = item
        start = date.today() + timedelta(days=30)
        body = {"destination": "Lisbon", "start_date": start.isoformat(),
                "end_date": (start + timedelta(days=3)).isoformat()}  # fmt: skip
        made = expect(self.http.post(f"{LIFE}/trips", json=body), 201)
        if made["checklist"]:
            first = made["checklist"][0]["item_id"]
            tick = {"packed": [first]}
            made = expect(self.http.patch(f"{LIFE}/trips/{made['id']}/checklist", json=tick), 200)
        self.user.trips[made["id"]] = made
        return dict(made)

    def household(self, other: Workload, share: list[int]) -> dict[str, Any]:
        home = expect(self.http.post(f"{LIFE}/households", json={"name": "home"}), 201)
        code = expect(self.http.post(f"{LIFE}/households/{home['id']}/invites"), 201)["code"]
        expect(other.http.post(f"{LIFE}/households/join", json={"code": code}), 200)
        body = {"share": share}
        made = expect(self.http.put(f"{LIFE}/households/{home['id']}/sharing", json=body), 200)
        self.user.households[made["id"]] = made
        other.user.households[made["id"]] = expect(
            other.http.get(f"{LIFE}/households/{made['id']}"), 200
        )
        return dict(made)


def _garment(detection: dict[str, Any]) -> dict[str, Any]:
    """An analysis detection as a wardrobe garment (what the from-photo route does)."""
    attributes = detection.get("attributes") or {}
    category = (attributes.get("category") or {}).get("label") or detection["label"]
    colors = [c["name"] for c in attributes.get("colors", [])][:3]
    pattern = (attributes.get("pattern") or {}).get("label")
    return {
        "category": str(category)[:50],
        "colors": colors,
        "pattern": pattern,
        "bbox": detection["bbox"],
        "description": f"{' '.join(colors)} {category} from a photo".strip(),
    }
