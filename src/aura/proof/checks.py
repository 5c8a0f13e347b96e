"""After a restart: is everything the ledger holds still there, searchable, with no model
downloaded again and the index loaded from its snapshot? One :class:`Check` per claim."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from aura.layout import DERIVED_DIRNAME
from aura.proof.server import ServerProcess, metric_sum
from aura.proof.workload import CHAT, LIFE, OUTFITS, WARDROBE, Ledger, UserLedger
from aura.storage.db import Database
from aura.storage.models.registry import PACKAGED_NAMESPACE
from aura.storage.schema import ItemEmbedding
from aura.wardrobe.embedder import item_text

OUTFIT_FIELDS = ("id", "item_ids", "rating", "times_worn", "favorite")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def model_files(roots: list[Path]) -> dict[str, tuple[int, int, int]]:
    """(size, mtime, inode) of every model file, by path relative to its store: a download,
    a re-import or a rebuilt export rewrites files, so any change shows here (a rename of the
    tree keeps all three). Lock files are left out."""
    out: dict[str, tuple[int, int, int]] = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink() and ".lock" not in path.name:
                stat = path.stat()
                out[f"{root.parent.name}/{path.relative_to(root)}"] = (
                    stat.st_size,
                    stat.st_mtime_ns,
                    stat.st_ino,
                )
    return out


def built_locally(rel: str) -> bool:
    """Whether a model file (as :func:`model_files` names it) is one Aura makes itself:
    an ONNX export (``aura-derived``) or an import of a package's own copy."""
    parts = Path(rel).parts
    return DERIVED_DIRNAME in parts or (
        len(parts) > 1 and parts[1].startswith(f"models--{PACKAGED_NAMESPACE}--")
    )


def first_start_models(
    before: dict[str, tuple[int, int, int]], after: dict[str, tuple[int, int, int]]
) -> Check:
    """The first start may export models to ONNX and import packaged ones it serves
    (local, once); it must not rewrite or drop a file that was there, nor download."""
    added = sorted(set(after) - set(before))
    changed = sorted(k for k in before if after.get(k) != before[k])
    foreign = [k for k in added if not built_locally(k)]
    return Check(
        "models: first start built locally",
        not changed and not foreign,
        f"{len(added)} model files added ({sum(map(built_locally, added))} exports or packaged"
        f" imports), {len(changed)} changed"
        + (f" ({changed[:3]})" if changed else "")
        + (f"; not local builds: {foreign[:3]}" if foreign else ""),
    )


def embedding_digests(database_url: str, ledger: Ledger) -> dict[int, str]:
    """sha256 of each ledger item's live embedding in the database (absent: not there)."""
    wanted = {i for u in ledger.users for i in u.items}
    db = Database(database_url)
    try:
        with db.session() as s:
            rows = s.execute(
                select(ItemEmbedding.item_id, ItemEmbedding.vector).where(
                    ~ItemEmbedding.deleted, ItemEmbedding.item_id.in_(wanted)
                )
            ).all()
    finally:
        db.close()
    return {r[0]: hashlib.sha256(r[1]).hexdigest() for r in rows}


def _all_items(http: httpx.Client) -> dict[int, dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = http.get(f"{WARDROBE}/items", params={"limit": 100, "offset": len(items)}).json()
        items.extend(page["items"])
        if len(items) >= page["total"] or not page["items"]:
            return {i["id"]: i for i in items}


def _text(item: dict[str, Any]) -> str:
    return item_text(item["category"], item["colors"], item["pattern"], item["description"])


def _user_checks(url: str, user: UserLedger) -> list[Check]:
    out = []
    with httpx.Client(base_url=url, headers=user.headers(), timeout=120) as http:
        items = _all_items(http)
        missing = sorted(set(user.items) - set(items))
        changed = sorted(i for i in user.items if i in items and items[i] != user.items[i])
        out.append(
            Check(
                f"{user.name}: items",
                not missing and not changed and len(items) == len(user.items),
                f"{len(items)}/{len(user.items)} ({len(user.photo_items)} from photos)"
                + (f"; missing {missing}" if missing else "")
                + (f"; changed {changed}" if changed else ""),
            )
        )
        texts = Counter(_text(i) for i in user.items.values())
        lost = []
        for item_id, item in user.items.items():
            k = texts[_text(item)] + 2  # identical sentences tie: look a little further
            hits = http.get(f"{WARDROBE}/search", params={"q": _text(item), "k": k}).json()
            if item_id not in [r["item"]["id"] for r in hits.get("results", [])]:
                lost.append(item_id)
        out.append(
            Check(
                f"{user.name}: search",
                not lost,
                f"{len(user.items) - len(lost)}/{len(user.items)} found by their text"
                + (f"; not found {lost}" if lost else ""),
            )
        )
        bad_photos = [
            sha for sha in user.photos if http.get(f"{WARDROBE}/photos/{sha}").status_code != 200
        ]
        out.append(
            Check(f"{user.name}: photos", not bad_photos, f"{len(user.photos)} stored photos")
        )
        listed = {c["id"] for c in http.get(f"{CHAT}/conversations").json()["conversations"]}
        wrong = []
        for conv_id, messages in user.conversations.items():
            got = http.get(f"{CHAT}/conversations/{conv_id}")
            have = [(m["role"], m["content"]) for m in got.json().get("messages", [])]
            if got.status_code != 200 or have != messages or conv_id not in listed:
                wrong.append(conv_id)
        n_messages = sum(len(m) for m in user.conversations.values())
        out.append(
            Check(
                f"{user.name}: conversations",
                not wrong,
                f"{len(user.conversations)} conversations, {n_messages} messages"
                + (f"; differ: {wrong}" if wrong else ""),
            )
        )
        listed_outfits = {
            o["id"]: o
            for o in http.get(f"{OUTFITS}/outfits", params={"limit": 100}).json()["outfits"]
        }
        differ = [
            i
            for i, want in user.outfits.items()
            if i not in listed_outfits
            or any(listed_outfits[i][f] != want[f] for f in OUTFIT_FIELDS)
        ]
        out.append(
            Check(
                f"{user.name}: saved outfits + feedback",
                not differ,
                f"{len(user.outfits)} outfits" + (f"; differ: {differ}" if differ else ""),
            )
        )
        out.extend(_life_checks(http, user, items))
    return out


def _differ(http: httpx.Client, want: dict[int, dict[str, Any]], path: str) -> list[int]:
    """Ids whose GET ``path.format(id)`` no longer answers what the ledger holds."""
    return [i for i, body in want.items() if http.get(path.format(i)).json() != body]


def _life_checks(
    http: httpx.Client, user: UserLedger, items: dict[int, dict[str, Any]]
) -> list[Check]:
    """Wardrobe life: wear log, laundry, calendar, trips + checklists, households."""
    listed = {
        w["id"]: w for w in http.get(f"{WARDROBE}/wears", params={"limit": 500}).json()["wears"]
    }
    lost = sorted(i for i, w in user.wears.items() if listed.get(i) != w)
    counts = {i: items[i]["times_worn"] for i in items}
    want_counts = {i: user.items[i]["times_worn"] for i in user.items}
    out = [
        Check(
            f"{user.name}: wear log + counts",
            not lost and counts == want_counts,
            f"{len(listed)} wears ({len(user.wears)} logged directly, the others as outfit"
            f" feedback), {sum(want_counts.values())} item wears"
            + (f"; differ: {lost}" if lost else ""),
        )
    ]
    states = {i: items[i]["laundry"] for i in items}
    want_states = {i: user.items[i]["laundry"] for i in user.items}
    out.append(
        Check(
            f"{user.name}: laundry state",
            states == want_states,
            f"{sum(1 for s in want_states.values() if s != 'clean')} not clean of {len(states)}",
        )
    )
    plans = _differ(http, user.plans, f"{LIFE}/calendar/plans/{{}}")
    out.append(
        Check(
            f"{user.name}: calendar",
            not plans,
            f"{len(user.plans)} planned days" + (f"; differ: {plans}" if plans else ""),
        )
    )
    trips = _differ(http, user.trips, f"{LIFE}/trips/{{}}")
    ticked = sum(t["packed"] for t in user.trips.values())
    out.append(
        Check(
            f"{user.name}: trips + checklists",
            not trips,
            f"{len(user.trips)} trips, {ticked} items ticked packed"
            + (f"; differ: {trips}" if trips else ""),
        )
    )
    homes = _differ(http, user.households, f"{LIFE}/households/{{}}")
    out.append(
        Check(
            f"{user.name}: households",
            not homes,
            f"{len(user.households)} households" + (f"; differ: {homes}" if homes else ""),
        )
    )
    return out


def _index_check(server: Any, expect_index: str) -> Check:
    """ "loaded": the folder's snapshot was used and no partition of it had to be rebuilt;
    "rebuilt": the damaged partition was rebuilt from the database, with a log line why."""
    records = server.records()
    ready = [r for r in records if r.get("message") == "index ready"]
    how = ready[-1]["how"] if ready else "no 'index ready' log line"
    writer = bool(ready and ready[-1].get("writer"))  # no other process holds the index
    rebuilt = [
        r for r in records if r.get("message") == "partition snapshot unusable, rebuilding from "
        "the database"
    ]  # fmt: skip
    if expect_index == "loaded":
        ok = how.startswith("loaded snapshot") and writer and not rebuilt
        detail = how + (f"; {len(rebuilt)} partition(s) rebuilt" if rebuilt else "")
    else:
        ok = writer and (bool(rebuilt) or how.startswith("rebuilt from the database"))
        detail = "; ".join(f"user {r.get('user_id')}: {r.get('reason')}" for r in rebuilt) or how
    if not writer:
        detail += " (NOT the index writer: another process holds it)"
    return Check(f"index {expect_index}", ok, detail)


def verify(
    server: ServerProcess,
    ledger: Ledger,
    database_url: str,
    embeddings: dict[int, str],
    models_before: dict[str, tuple[int, int, int]],
    models_now: dict[str, tuple[int, int, int]],
    expect_index: str,
) -> list[Check]:
    """Every check against a ready server; ``expect_index`` is "loaded" or "rebuilt"."""
    out: list[Check] = []
    metrics = httpx.get(server.url + "/metrics", timeout=30).text
    downloads = metric_sum(metrics, "aura_model_downloads_total")
    imported = metric_sum(metrics, "aura_model_import_bytes_total")
    changed = sorted(k for k in models_before.keys() | models_now.keys()
                     if models_before.get(k) != models_now.get(k))  # fmt: skip
    out.append(
        Check(
            "models: zero downloads",
            downloads == 0 and imported == 0 and not changed,
            f"{downloads:g} files downloaded, {imported:g} bytes imported, "
            f"{len(models_now)} model files, {len(changed)} changed"
            + (f" ({changed[:3]})" if changed else ""),
        )
    )
    now = embedding_digests(database_url, ledger)
    lost = sorted(set(embeddings) - set(now))
    altered = sorted(i for i in embeddings if i in now and now[i] != embeddings[i])
    out.append(
        Check(
            "embeddings",
            not lost and not altered and len(now) == len(embeddings),
            f"{len(now)}/{len(embeddings)} vectors identical"
            + (f"; lost {lost}" if lost else "")
            + (f"; altered {altered}" if altered else ""),
        )
    )
    for user in ledger.users:
        out.extend(_user_checks(server.url, user))
    out.append(_index_check(server, expect_index))  # after the searches loaded partitions
    codes = {
        "none": httpx.get(server.url + f"{WARDROBE}/items").status_code,
        "revoked": httpx.get(
            server.url + f"{WARDROBE}/items",
            headers={"Authorization": f"Bearer {ledger.revoked_key}"},
        ).status_code,
    }
    out.append(Check("keys: none / revoked refused", set(codes.values()) == {401}, str(codes)))
    return out
