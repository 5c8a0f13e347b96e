"""Bulk import of wardrobe items from a JSON-lines or CSV file:
`aura wardrobe import FILE --user NAME`.

One JSON object per line, with the fields of ``POST /api/v1/wardrobe/items``
(``category`` required; ``colors``, ``pattern``, ``description``, ``attributes``). The
whole file is validated before anything is written. Items are then embedded in batches
and each batch is stored with its embeddings in one transaction, with one block of change
numbers (:func:`aura.storage.changes.insert_new_embeddings`), so the index follows the
import exactly as it follows single writes: a running server catches up on its own, and
without one the index snapshot is brought up to date (or rebuilt) before the command ends.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from aura.config import Settings
from aura.errors import InvalidInput, LockHeld
from aura.layout import DataTree
from aura.storage import changes
from aura.storage.db import Database
from aura.storage.index_manager import IndexManager
from aura.storage.schema import ItemColor, User, WardrobeItem
from aura.storage.users import UnknownUser
from aura.wardrobe.embedder import TextEmbedder, item_text
from aura.wardrobe.fields import validate_line

log = logging.getLogger("aura.wardrobe.bulk")
SEEN_MAX = 50_000  # distinct sentences whose vectors an import keeps (384 floats: 1.5 kB each)


@dataclass
class ImportResult:
    items: int
    seconds: float
    embed_seconds: float
    index: str


def _clean(line_no: int, raw: Any) -> dict[str, Any]:
    """The item of one line, validated and normalised like the API does (one schema:
    :class:`aura.wardrobe.fields.ItemFields`); InvalidInput naming the line."""
    if not isinstance(raw, dict):
        raise InvalidInput(f"line {line_no}: not a JSON object", fix="One object per line.")
    return validate_line(line_no, raw)


def read_items(path: Path) -> list[dict[str, Any]]:
    """Every item of the file, validated (blank lines are skipped): JSON lines, or CSV for
    a ``.csv`` file (columns in :mod:`aura.wardrobe.fields`)."""
    if path.suffix.lower() == ".csv":
        from aura.wardrobe.csvio import parse_csv

        return parse_csv(path.read_text(encoding="utf-8"))
    out = []
    with path.open(encoding="utf-8") as handle:
        for n, line in enumerate(handle, 1):
            if line.strip():
                try:
                    raw = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InvalidInput(
                        f"line {n}: not JSON ({exc.msg})", fix="One object per line."
                    ) from None
                out.append(_clean(n, raw))
    return out


def user_id_of(db: Database, name: str) -> int:
    with db.session() as s:
        user_id = s.scalar(select(User.id).where(User.name == name))
    if user_id is None:
        raise UnknownUser(f"No user named {name!r}.", fix=f"`aura users create {name}` first.")
    return int(user_id)


def _batches(items: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def import_items(
    db: Database,
    embedder: TextEmbedder,
    user_id: int,
    items: list[dict[str, Any]],
    *,
    batch: int = 512,
    progress: Callable[[int], None] = lambda _: None,
) -> tuple[int, float]:
    """Store the items with their embeddings; returns (count, seconds spent embedding)."""
    done, embed_seconds = 0, 0.0
    # A sentence is embedded once per import (a wardrobe repeats itself: "black jeans"):
    # vectors of the first SEEN_MAX distinct sentences are kept, later ones per batch.
    seen: dict[str, np.ndarray] = {}
    extra: dict[str, np.ndarray] = {}
    for part in _batches(items, batch):
        began = time.perf_counter()
        texts = [
            item_text(i["category"], i["colors"], i["pattern"], i["description"]) for i in part
        ]
        new = [t for t in dict.fromkeys(texts) if t not in seen]
        if new:
            for text, vector in zip(new, embedder.embed(new), strict=True):
                if len(seen) < SEEN_MAX:
                    seen[text] = vector
                else:
                    extra[text] = vector
        vectors = np.stack([seen[t] if t in seen else extra[t] for t in texts])
        extra.clear()
        embed_seconds += time.perf_counter() - began
        with db.session() as s:
            rows = []
            for fields in part:
                row = WardrobeItem(
                    user_id=user_id,
                    category=fields["category"],
                    pattern=fields["pattern"],
                    description=fields["description"],
                    attributes=fields["attributes"],
                    purchase_price=fields.get("purchase_price"),
                    purchase_date=fields.get("purchase_date"),
                    laundry=fields.get("laundry", "clean"),
                    source="import",
                )
                row.color_rows = [
                    ItemColor(color=c, position=p) for p, c in enumerate(fields["colors"])
                ]
                rows.append(row)
            s.add_all(rows)
            s.flush()
            changes.insert_new_embeddings(s, embedder.space, user_id, [r.id for r in rows], vectors)
        done += len(part)
        progress(done)
    return done, embed_seconds


def bring_index_up_to_date(
    db: Database, tree: DataTree, settings: Settings, embedder: TextEmbedder, user_id: int
) -> str:
    """Snapshot the importing user's partition of the index, unless a running server holds
    the folder: that server catches up by itself."""
    manager = IndexManager(db, tree, settings, embedder.space)
    try:
        how = manager.open(writer_required=True, background=False)
    except LockHeld:
        return "a running server holds the index; it catches up from the database"
    try:
        manager.current(user_id)
        manifest = manager.snapshot()
        return f"{how}; the user's partition saved ({manifest.get('count')} vectors in all)"
    finally:
        manager.close()


def import_file(
    settings: Settings,
    path: Path,
    user: str,
    *,
    batch: int = 512,
    progress: Callable[[int], None] = lambda _: None,
) -> ImportResult:
    from aura.storage.migrate import upgrade_to_head

    began = time.perf_counter()
    items = read_items(path)  # everything is validated before anything is written
    tree = DataTree(settings)
    db = Database(tree.database_url)
    try:
        upgrade_to_head(db)
        user_id = user_id_of(db, user)
        embedder = TextEmbedder.from_store(settings, import_packaged=True)
        embedder.load()
        count, embed_seconds = import_items(
            db, embedder, user_id, items, batch=batch, progress=progress
        )
        index = bring_index_up_to_date(db, tree, settings, embedder, user_id)
    finally:
        db.close()
    log.info("wardrobe import", extra={"items": count, "user": user, "index": index})
    return ImportResult(count, time.perf_counter() - began, embed_seconds, index)
