"""What a user does with Aura, over HTTP, and a ledger of everything it acknowledged.

Users add a wardrobe from photos (``POST /api/v1/wardrobe/items/from-photo`` where the
server has it, otherwise analyse + upload + from-analysis), add items by hand, chat
(conversations with messages) and save outfits with feedback. Each 2xx answer goes into
:class:`Ledger`; :mod:`aura.proof.checks` later compares the server with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from aura.proof.photos import garment_photo

WARDROBE = "/api/v1/wardrobe"
CHAT = "/api/v1/conversational-ai"
OUTFITS = "/api/v1/outfit-recommendation"
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
        return dict(outfit)


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
