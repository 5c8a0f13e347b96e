"""Sharding by user (migration 0005): every table is classified; a user-owned table has
``user_id`` first in its primary key and in every unique constraint, and its foreign keys
to other user-owned tables carry ``user_id`` (so Citus can co-locate them). Checked on the
metadata and on migrated SQLite and PostgreSQL databases; and 0005 itself on a database
with rows in every table: up, down and up again, every row kept with the right user."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, delete, inspect, select, text
from sqlalchemy.exc import IntegrityError

from aura.storage.db import Database
from aura.storage.migrate import migrate_to, upgrade_to_head
from aura.storage.schema import Base, Interaction, Outfit, WardrobeItem

# Every table of the schema, in one of three kinds (docs/scaling.md "100M users" says why).
# A new table must be added here: the test below fails for a table that is not.
USER_OWNED = {  # distributed by user_id
    "api_keys",
    "wardrobe_items",
    "wardrobe_item_colors",
    "item_embeddings",
    "garment_analyses",
    "outfits",
    "outfit_items",
    "conversations",
    "messages",
    "feedback",
    "interactions",
    "style_preferences",
    "user_photos",
    "wears",
    "wear_items",
    "calendar_plans",
    "trips",
    "trip_items",
    "item_shares",  # the item owner's row
    "item_loans",  # the item owner's row
}
# keys from a user-owned table to another user's row, on purpose: (table, owner column)
CROSS_USER_KEYS = {("wear_items", "item_user_id")}  # a wear of a shared or borrowed item
REFERENCE = {"photos"}  # content-addressed, shared by every user: replicated to every node
GLOBAL = {  # not sharded by user_id (see docs/scaling.md for each)
    "users",  # distributed by its own id (= user_id)
    "change_counters",  # the one gapless change counter: coordinator-local
    "households",  # the household group: distributed by household id
    "household_members",
    "household_invites",
}


def _rules(tables: dict[str, dict[str, Any]]) -> list[str]:
    """What breaks the rules; ``tables``: name -> {pk, uniques, fks} (metadata or reflected)."""
    broken = []
    known = USER_OWNED | REFERENCE | GLOBAL
    assert not (USER_OWNED & REFERENCE or USER_OWNED & GLOBAL or REFERENCE & GLOBAL)
    for name in sorted(set(tables) - known):
        broken.append(f"{name}: not classified (add it to USER_OWNED, REFERENCE or GLOBAL)")
    for name in sorted(known - set(tables)):
        broken.append(f"{name}: classified but not in the schema")
    for name in sorted(USER_OWNED & set(tables)):
        t = tables[name]
        if t["pk"][:1] != ["user_id"]:
            broken.append(f"{name}: primary key {t['pk']} does not start with user_id")
        if not t["user_id_not_null"]:
            broken.append(f"{name}: user_id missing or nullable")
        for cols in t["uniques"]:
            if cols[:1] != ["user_id"]:
                broken.append(f"{name}: unique {cols} does not start with user_id")
        for cols, parent, refs in t["fks"]:
            pairs = list(zip(cols, refs, strict=True))
            if any((name, c) in CROSS_USER_KEYS and r == "user_id" for c, r in pairs):
                continue
            if parent in USER_OWNED and ("user_id", "user_id") not in pairs:
                broken.append(f"{name}: key {cols} -> {parent}{refs} without user_id")
    return broken


def _from_metadata() -> dict[str, dict[str, Any]]:
    out = {}
    for t in Base.metadata.tables.values():
        user = t.c.get("user_id")
        out[t.name] = {
            "pk": [c.name for c in t.primary_key.columns],
            "user_id_not_null": user is not None and not user.nullable,
            "uniques": [
                [c.name for c in u.columns]
                for u in t.constraints
                if type(u).__name__ == "UniqueConstraint"
            ]
            + [[c.name for c in i.columns] for i in t.indexes if i.unique]
            + [[c.name] for c in t.columns if c.unique],
            "fks": [
                (
                    [c.name for c in fk.columns],
                    fk.referred_table.name,
                    [e.column.name for e in fk.elements],
                )
                for fk in t.foreign_key_constraints
            ],
        }
    return out


def _from_database(engine: Engine) -> dict[str, dict[str, Any]]:
    insp = inspect(engine)
    out = {}
    for name in insp.get_table_names():
        if name == "alembic_version":
            continue
        columns = {c["name"]: c for c in insp.get_columns(name)}
        user = columns.get("user_id")
        out[name] = {
            "pk": insp.get_pk_constraint(name)["constrained_columns"],
            "user_id_not_null": user is not None and not user["nullable"],
            "uniques": [u["column_names"] for u in insp.get_unique_constraints(name)]
            + [i["column_names"] for i in insp.get_indexes(name) if i["unique"]],
            "fks": [
                (f["constrained_columns"], f["referred_table"], f["referred_columns"])
                for f in insp.get_foreign_keys(name)
            ],
        }
    return out


def test_every_table_is_classified_and_user_owned_keys_lead_with_user_id() -> None:
    assert _rules(_from_metadata()) == []


def test_the_rules_catch_a_table_that_breaks_them() -> None:
    tables = _from_metadata()
    tables["new_table"] = {"pk": ["id"], "user_id_not_null": False, "uniques": [], "fks": []}
    bad = dict(tables["outfit_items"])
    bad["fks"] = [(["item_id"], "wardrobe_items", ["id"])]
    bad["uniques"] = [["item_id"]]
    tables["outfit_items"] = bad
    broken = _rules(tables)
    assert any(b.startswith("new_table: not classified") for b in broken)
    assert "outfit_items: unique ['item_id'] does not start with user_id" in broken
    assert any(b.startswith("outfit_items: key ['item_id']") for b in broken)


def test_migrated_databases_follow_the_rules(database_url: str) -> None:
    db = Database(database_url)
    try:
        upgrade_to_head(db)
        assert _rules(_from_database(db.engine)) == []
        if db.is_sqlite:  # the migration ran with enforcement off: no connection keeps it so
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        db.close()


# ---- 0005 on a database with data ------------------------------------------------------

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
# user 1 owns the odd ids and user 2 the even ones, so a backfill from the wrong parent shows
ROWS: dict[str, list[dict[str, Any]]] = {
    "users": [{"id": u, "name": f"u{u}", "created_at": NOW} for u in (1, 2)],
    "photos": [
        {"sha256": "a" * 64, "content": b"jpeg", "content_type": "image/jpeg", "size": 4}
        | {"created_at": NOW}
    ],
    "user_photos": [{"user_id": u, "sha256": "a" * 64, "created_at": NOW} for u in (1, 2)],
    "api_keys": [
        {"id": u, "user_id": u, "key_hash": f"{u}" * 64, "prefix": "ak", "created_at": NOW}
        for u in (1, 2)
    ],
    "wardrobe_items": [
        {
            "id": i,
            "user_id": 2 - i % 2,
            "category": "shirt",
            "attributes": {"n": i},
            "description": f"item {i}",
            "image_sha256": "a" * 64,
            "source": "manual",
            "created_at": NOW,
            "updated_at": NOW,
        }
        for i in (1, 2, 3, 4)
    ],
    "wardrobe_item_colors": [
        {"item_id": i, "color": c, "position": p}
        for i in (1, 2, 3, 4)
        for p, c in enumerate(("navy", "white"))
    ],
    "item_embeddings": [
        {
            "id": i,
            "space": "m@r/2",
            "item_id": i,
            "user_id": 2 - i % 2,
            "model_id": "m",
            "model_revision": "r",
            "dimension": 2,
            "vector": b"\0" * 8,
            "deleted": False,
            "seq": i,
            "updated_at": NOW,
        }
        for i in (1, 2, 3, 4)
    ],
    "garment_analyses": [
        {"id": u, "user_id": u, "photo_sha256": "a" * 64, "model": "m", "result": {}}
        | {"created_at": NOW}
        for u in (1, 2)
    ],
    "outfits": [
        {"id": o, "user_id": o, "times_worn": 0, "favorite": False, "created_at": NOW}
        for o in (1, 2)
    ],
    "outfit_items": [
        {"outfit_id": 1, "item_id": 1, "position": 0},
        {"outfit_id": 1, "item_id": 3, "position": 1},
        {"outfit_id": 2, "item_id": 2, "position": 0},
    ],
    "conversations": [{"id": c, "user_id": c, "title": "t", "created_at": NOW} for c in (1, 2)],
    "messages": [
        {"id": m, "conversation_id": 2 - m % 2, "role": "user", "content": f"m{m}"}
        | {"meta": {"m": m}, "created_at": NOW}
        for m in (1, 2, 3)
    ],
    "feedback": [
        {"id": u, "user_id": u, "target_type": "outfit", "created_at": NOW} for u in (1, 2)
    ],
    "style_preferences": [
        {"id": u, "user_id": u, "key": "fit", "value": {"v": u}, "updated_at": NOW} for u in (1, 2)
    ],
    "interactions": [
        {"id": u, "user_id": u, "kind": "wear", "item_id": u, "outfit_id": u, "created_at": NOW}
        for u in (1, 2)
    ],
    "wears": [
        {"id": u, "user_id": u, "worn_on": date(2026, 11, u), "outfit_id": u, "created_at": NOW}
        for u in (1, 2)
    ],
    "wear_items": [
        {"wear_id": 1, "item_id": 1},
        {"wear_id": 1, "item_id": 3},
        {"wear_id": 2, "item_id": 2},
        {"wear_id": 1, "item_id": 4},  # user 2's item, lent to user 1 (item_loans)
    ],
    "calendar_plans": [
        {
            "id": u,
            "user_id": u,
            "plan_date": date(2026, 12, u),
            "weather_source": "none",
            "item_ids": [u],
            "wear_id": u,
            "created_at": NOW,
        }
        for u in (1, 2)
    ],
    "trips": [
        {
            "id": u,
            "user_id": u,
            "destination": "Oslo",
            "start_date": date(2026, 12, 10),
            "end_date": date(2026, 12, 12),
            "days": [],
            "plan": {},
            "created_at": NOW,
        }
        for u in (1, 2)
    ],
    "trip_items": [
        {"trip_id": 1, "item_id": 3, "packed": True, "position": 0},
        {"trip_id": 2, "item_id": 4, "packed": False, "position": 0},
    ],
    "households": [{"id": 1, "name": "home", "created_by": 1, "created_at": NOW}],
    "household_members": [
        {"household_id": 1, "user_id": u, "share_all": False, "joined_at": NOW} for u in (1, 2)
    ],
    "household_invites": [
        {"id": 1, "household_id": 1, "code_hash": "c" * 64, "created_by": 1}
        | {"expires_at": NOW, "used_by": 2, "used_at": NOW, "created_at": NOW}
    ],
    "item_shares": [{"household_id": 1, "item_id": 4, "created_at": NOW}],
    "item_loans": [{"id": 1, "household_id": 1, "item_id": 4, "borrower_id": 1, "lent_at": NOW}],
}
# the owner each child row must get from its parent
CHILD_OWNER = {
    "wardrobe_item_colors": lambda r: 2 - r["item_id"] % 2,
    "outfit_items": lambda r: r["outfit_id"],
    "messages": lambda r: 2 - r["id"] % 2,
    "wear_items": lambda r: r["wear_id"],  # the wearer (item_user_id: the item's owner)
    "trip_items": lambda r: r["trip_id"],
    "item_shares": lambda r: 2,  # item 4 is user 2's
    "item_loans": lambda r: 2,
}


def _snapshot(engine: Engine, drop_user_id: bool = False) -> dict[str, list[dict[str, Any]]]:
    meta = MetaData()
    meta.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for name in ROWS:
            t = meta.tables[name]
            rows = [dict(r._mapping) for r in conn.execute(select(t))]
            if drop_user_id and name in CHILD_OWNER:
                for r in rows:
                    r.pop("user_id")
                    r.pop("item_user_id", None)
            out[name] = sorted(rows, key=repr)
    return out


def test_0005_keeps_every_row_with_its_user_both_ways(database_url: str) -> None:
    db = Database(database_url)
    try:
        assert migrate_to(db, "0004") == (None, "0004")
        meta = MetaData()
        meta.reflect(db.engine)
        with db.engine.begin() as conn:
            for name, rows in ROWS.items():
                conn.execute(meta.tables[name].insert(), rows)
            if conn.dialect.name == "postgresql":  # explicit ids: move the sequences past them
                for name in ROWS:
                    if "id" in meta.tables[name].c:
                        conn.execute(
                            text(
                                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                f"(SELECT max(id) FROM {name}))"
                            )
                        )
        before = _snapshot(db.engine)

        assert migrate_to(db, "head") == ("0004", "0005")
        after = _snapshot(db.engine)
        for name, rows in after.items():
            assert len(rows) == len(ROWS[name]), name
            for row in rows:
                if name in CHILD_OWNER:
                    assert row["user_id"] == CHILD_OWNER[name](row), (name, row)
                if name == "wear_items":
                    assert row["item_user_id"] == 2 - row["item_id"] % 2, row
        assert _snapshot(db.engine, drop_user_id=True) == before  # nothing else changed
        assert _rules(_from_database(db.engine)) == []

        assert migrate_to(db, "0004") == ("0005", "0004")  # down: the 0004 rows exactly
        assert _snapshot(db.engine) == before
        assert "user_id" not in {c["name"] for c in inspect(db.engine).get_columns("messages")}
        assert migrate_to(db, "head") == ("0004", "0005")
        assert _snapshot(db.engine) == after
        _behaves_at_0005(db)
    finally:
        db.close()


def _behaves_at_0005(db: Database) -> None:
    """New ids continue the global numbering; SET NULL nulls only the id column; deleting
    a parent cascades to its children; a foreign key across users is refused."""
    with db.session() as s:
        new = [WardrobeItem(user_id=u, category="coat") for u in (1, 2, 1)]
        s.add_all(new)
        s.flush()
        assert [i.id for i in new] == [5, 6, 7]
        assert s.get(WardrobeItem, 6).user_id == 2  # addressed by id alone, as before
    with db.session() as s:
        s.execute(delete(WardrobeItem).where(WardrobeItem.id == 1))
        s.execute(delete(Outfit).where(Outfit.id == 1))
    with db.engine.connect() as conn:
        row = conn.execute(
            text("SELECT user_id, item_id, outfit_id FROM interactions WHERE id = 1")
        )
        assert tuple(row.one()) == (1, None, None)
        assert conn.execute(text("SELECT outfit_id FROM wears WHERE id = 1")).scalar() is None
        gone = "SELECT count(*) FROM {} WHERE item_id = 1"
        for table in ("wardrobe_item_colors", "outfit_items", "wear_items"):
            assert conn.execute(text(gone.format(table))).scalar() == 0, table
        assert conn.execute(text("SELECT count(*) FROM outfit_items")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM wardrobe_item_colors")).scalar() == 6
    with db.session() as s:
        s.execute(text("DELETE FROM wears WHERE id = 2"))
    with db.engine.connect() as conn:
        assert (
            conn.execute(text("SELECT wear_id FROM calendar_plans WHERE id = 2")).scalar() is None
        )
        assert conn.execute(text("SELECT user_id FROM calendar_plans WHERE id = 2")).scalar() == 2
    with pytest.raises(IntegrityError, match=r"(?i)foreign key"), db.session() as s:
        s.add(Interaction(user_id=1, kind="wear", item_id=2))  # item 2 is user 2's
    with db.session() as s:
        s.execute(text("DELETE FROM users WHERE id = 2"))
    with db.engine.connect() as conn:
        for table in CHILD_OWNER:
            n = conn.execute(text(f"SELECT count(*) FROM {table} WHERE user_id = 2")).scalar()
            assert n == 0, table


def test_0005_refuses_a_row_joining_two_users_and_changes_nothing(database_url: str) -> None:
    db = Database(database_url)
    try:
        migrate_to(db, "0004")
        meta = MetaData()
        meta.reflect(db.engine)
        with db.engine.begin() as conn:
            for name in ("users", "photos", "wardrobe_items", "outfits"):
                conn.execute(meta.tables[name].insert(), ROWS[name])
            # user 1's outfit holding user 2's item
            row = {"outfit_id": 1, "item_id": 2, "position": 0}
            conn.execute(meta.tables["outfit_items"].insert(), [row])
        with pytest.raises(RuntimeError, match=r"1 row.* of outfit_items join a wardrobe_items"):
            migrate_to(db, "head")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0004"
        assert "user_id" not in {c["name"] for c in inspect(db.engine).get_columns("outfit_items")}
    finally:
        db.close()
