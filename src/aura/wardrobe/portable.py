""" "Download my data" and its import: one user's data as a ZIP, and back.

The ZIP holds ``manifest.json`` (format, counts and the sha256 of every other file),
``items.json`` and ``items.csv`` (the CSV import's columns), ``photos/<sha256>`` (with
``photos.json`` naming their types), ``embeddings.json`` (the photo features of items saved
from photos, which "similar items" searches; text embeddings are recomputed on import),
``outfits.json``, ``wears.json``, ``calendar.json``, ``trips.json`` and
``conversations.json``. Importing it into any install (a fresh one too) restores all of it
for the importing user, with new ids. An archive without ``embeddings.json`` (made before
it existed) imports too.

An import is checked whole before anything is written: only those names (no path that
leaves the archive), at most ``AURA_MAX_IMPORT_BYTES`` packed and unpacked, every file's
sha256 as the manifest says, every item valid under the one item schema. Then it is
stored in ONE transaction (with the items' text embeddings): all of it, or none.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import re
import zipfile
from datetime import UTC, datetime
from typing import Any

import numpy as np
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from aura.errors import InvalidInput
from aura.storage import portable
from aura.storage.changes import Space
from aura.storage.db import Database
from aura.storage.schema import User
from aura.vision.weights import IMAGE_SPACE_MODEL
from aura.wardrobe.csvio import parse_csv, to_csv
from aura.wardrobe.fields import ItemFields, explain
from aura.wardrobe.service import WardrobeService, item_dict

FORMAT = "aura-user-data"
VERSION = 1
JSON_FILES = ("items", "outfits", "wears", "calendar", "trips", "conversations")
PHOTO = re.compile(r"^photos/[0-9a-f]{64}$")
NAMES = {
    "manifest.json", "items.csv", "photos.json", "embeddings.json",
    *(f"{n}.json" for n in JSON_FILES),
}  # fmt: skip
VECTOR_MODELS = (IMAGE_SPACE_MODEL,)  # exported vectors: those the words cannot recompute
MAX_DIMENSION = 4096
FIX = "Import a ZIP made by “Download my data” (GET /api/v1/wardrobe/export), unchanged."


class ArchiveRejected(InvalidInput):
    """A ZIP that is not a valid, safe export (``http_status`` 413 when too big)."""

    detail: list[dict[str, Any]] | None = None

    def to_dict(self) -> dict[str, Any]:  # type: ignore[override]
        return {**super().to_dict(), "detail": self.detail}


class TooLarge(ArchiveRejected):
    http_status = 413


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def export_zip(db: Database, user_id: int) -> bytes:
    with db.session() as s:
        user = s.get(User, user_id)
        data = portable.read_user(s, user_id, item_dict, vector_models=VECTOR_MODELS)
    files: dict[str, bytes] = {
        "items.json": _json(data["items"]),
        "items.csv": to_csv(data["items"]).encode("utf-8"),
        "photos.json": _json([{"sha256": sha, "content_type": t} for sha, t, _ in data["photos"]]),
        "embeddings.json": _json(data["embeddings"]),
        **{f"{n}.json": _json(data[n]) for n in JSON_FILES if n != "items"},
        **{f"photos/{sha}": content for sha, _, content in data["photos"]},
    }
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "user": user.name if user else None,
        "exported_at": datetime.now(UTC).isoformat(),
        "counts": {n: len(data[n]) for n in (*JSON_FILES, "photos", "embeddings")},
        "files": {
            name: {"sha256": hashlib.sha256(b).hexdigest(), "size": len(b)}
            for name, b in sorted(files.items())
        },
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", _json(manifest))
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def _safe_name(name: str) -> bool:
    return name in NAMES or bool(PHOTO.match(name))


def read_zip(blob: bytes, limit: int) -> dict[str, Any]:
    """The archive's data, every check passed (see the module docstring)."""
    if len(blob) > limit:
        raise TooLarge(
            f"The archive is {len(blob)} bytes; the limit is {limit} (AURA_MAX_IMPORT_BYTES).",
            fix="Import a smaller archive, or raise AURA_MAX_IMPORT_BYTES.",
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(blob))
    except zipfile.BadZipFile:
        raise ArchiveRejected("The upload is not a ZIP archive.", fix=FIX) from None
    with archive:
        infos = archive.infolist()
        bad = [i.filename for i in infos if not _safe_name(i.filename)]
        if bad:
            raise ArchiveRejected(
                f"The archive holds paths that are not part of an export: {bad[:5]}"
                " (paths outside the archive, or unknown files, are refused).",
                fix=FIX,
            )
        if len({i.filename for i in infos}) != len(infos):
            raise ArchiveRejected("The archive names a file twice.", fix=FIX)
        unpacked = sum(i.file_size for i in infos)
        if unpacked > limit:
            raise TooLarge(
                f"The archive unpacks to {unpacked} bytes; the limit is {limit}"
                " (AURA_MAX_IMPORT_BYTES).",
                fix="Import a smaller archive, or raise AURA_MAX_IMPORT_BYTES.",
            )
        files: dict[str, bytes] = {}
        total = 0
        for info in infos:
            with archive.open(info) as handle:
                content = handle.read(info.file_size + 1)
            total += len(content)
            if len(content) != info.file_size or total > limit:
                raise TooLarge(f"{info.filename} unpacks to more than the archive says.", fix=FIX)
            files[info.filename] = content
    if "manifest.json" not in files:
        raise ArchiveRejected("The archive has no manifest.json.", fix=FIX)
    try:
        manifest = json.loads(files["manifest.json"])
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise ArchiveRejected(
                f"manifest.json is not of format {FORMAT} version {VERSION}.", fix=FIX
            )
        listed = manifest["files"]
        extra = sorted(set(files) - {"manifest.json"} - set(listed))
        missing = sorted(set(listed) - set(files))
        if extra or missing:
            raise ArchiveRejected(
                f"The archive's files differ from its manifest (extra {extra[:3]},"
                f" missing {missing[:3]}).",
                fix=FIX,
            )
        for name, want in listed.items():
            if hashlib.sha256(files[name]).hexdigest() != want["sha256"]:
                raise ArchiveRejected(f"{name} does not match its sha256 in the manifest.", fix=FIX)
        data = {n: json.loads(files[f"{n}.json"]) for n in JSON_FILES}
        raw_vectors = files.get("embeddings.json")
        data["embeddings"] = json.loads(raw_vectors) if raw_vectors is not None else []
        if not isinstance(data["embeddings"], list):
            raise TypeError("embeddings.json is not a list")
        photo_types = {p["sha256"]: p["content_type"] for p in json.loads(files["photos.json"])}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ArchiveRejected(f"The archive's JSON is malformed ({exc}).", fix=FIX) from None
    data["photos"] = []
    for name, content in files.items():
        if PHOTO.match(name):
            sha = name.split("/", 1)[1]
            if hashlib.sha256(content).hexdigest() != sha:
                raise ArchiveRejected(f"{name} is not the photo its name says.", fix=FIX)
            kind = str(photo_types.get(sha) or "image/jpeg")
            if not re.fullmatch(r"image/[\w.+-]{1,50}", kind):
                raise ArchiveRejected(f"photos.json gives {name} the type {kind[:60]!r}.", fix=FIX)
            data["photos"].append((sha, kind, content))
    return data


def validated_items(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The archive's items under the one item schema, with their old ids; errors by item."""
    photos = {sha for sha, _, _ in data["photos"]}
    out, errors = [], []
    for n, raw in enumerate(data["items"], 1):
        try:
            fields = {k: raw.get(k) for k in ItemFields.model_fields if raw.get(k) is not None}
            clean = ItemFields.model_validate(fields).stored()
            for key in ("image_sha256", "source_photo_sha256"):
                sha = raw.get(key)
                if sha is not None and sha not in photos:
                    raise ValueError(f"{key} {sha} is not among the archive's photos")
            bbox = raw.get("bbox")
            if bbox is not None and not (
                isinstance(bbox, list)
                and len(bbox) == 4
                and all(isinstance(v, int | float) for v in bbox)
            ):
                raise ValueError("bbox must be 4 numbers")
            out.append(
                {
                    **clean,
                    "old_id": int(raw["id"]),
                    "image_sha256": raw.get("image_sha256"),
                    "source_photo_sha256": raw.get("source_photo_sha256"),
                    "bbox": bbox,
                    "source": str(raw.get("source") or "import")[:20],
                }
            )
        except ValidationError as exc:
            errors.append({"line": n, "error": explain(exc)})
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            errors.append({"line": n, "error": str(exc)})
    if errors:
        err = ArchiveRejected(
            f"{len(errors)} item(s) in items.json are invalid; first, item {errors[0]['line']}:"
            f" {errors[0]['error']}",
            fix=FIX,
        )
        err.detail = errors[:50]  # type: ignore[attr-defined]
        raise err
    return out


def validated_embeddings(
    data: dict[str, Any], items: list[dict[str, Any]]
) -> list[tuple[int, Space, np.ndarray]]:
    """embeddings.json as (old item id, space, vector): each of an item in the archive, of a
    model whose vectors are exported, with as many finite numbers as its dimension says."""
    old_ids = {i["old_id"] for i in items}
    out = []
    for n, raw in enumerate(data["embeddings"], 1):
        try:
            item_id, model_id = int(raw["item_id"]), str(raw["model_id"])
            revision, dimension = str(raw["model_revision"])[:200], int(raw["dimension"])
            if item_id not in old_ids:
                raise ValueError(f"item {item_id} is not in items.json")
            if model_id not in VECTOR_MODELS:
                raise ValueError(f"model {model_id[:60]!r} is not one whose vectors are exported")
            if not 1 <= dimension <= MAX_DIMENSION:
                raise ValueError(f"dimension {dimension} is out of range")
            packed = base64.b64decode(str(raw["vector"]), validate=True)
            if len(packed) != 4 * dimension:
                raise ValueError(f"the vector has {len(packed) // 4} numbers, not {dimension}")
            vector = np.frombuffer(packed, dtype=np.float32)
            if not np.isfinite(vector).all():
                raise ValueError("the vector holds a number that is not finite")
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise ArchiveRejected(
                f"embeddings.json entry {n} is invalid: {exc}; nothing was imported.", fix=FIX
            ) from None
        out.append((item_id, Space(model_id, revision, dimension), vector))
    return out


def import_zip(svc: WardrobeService, user_id: int, blob: bytes, limit: int) -> dict[str, Any]:
    data = read_zip(blob, limit)
    items = validated_items(data)
    data["embeddings"] = validated_embeddings(data, items)
    vectors = svc._vectors(items) if items else None  # embedded before the transaction
    try:
        with svc.db.session() as s:  # one transaction: an error below rolls all of it back
            counts = portable.write_user(s, user_id, data, items, vectors, svc.embedder.space)
    except (KeyError, TypeError, ValueError, AttributeError, SQLAlchemyError) as exc:
        raise ArchiveRejected(
            f"The archive's outfits, wears, calendar, trips or conversations are malformed"
            f" ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); nothing was imported.",
            fix=FIX,
        ) from None
    svc.index.sync()
    return {"imported": counts}


def import_csv(svc: WardrobeService, user_id: int, text: str) -> dict[str, Any]:
    items = parse_csv(text)  # validated whole: a bad row refuses the file
    made = svc.create_many(user_id, [{**i, "source": "import"} for i in items])
    return {"imported": {"items": len(made)}, "items": made}
