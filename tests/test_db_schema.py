"""Migrations create exactly the declared schema, on SQLite and PostgreSQL, idempotently."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from aura.storage.db import Database
from aura.storage.migrate import current_revision, head_revision, upgrade_to_head
from aura.storage.schema import Base

TABLES = {
    "users",
    "api_keys",
    "photos",
    "user_photos",
    "wardrobe_items",
    "wardrobe_item_colors",
    "item_embeddings",
    "change_counters",
    "garment_analyses",
    "outfits",
    "outfit_items",
    "conversations",
    "messages",
    "feedback",
    "style_preferences",
    "interactions",
}


def _fk_key(fk) -> tuple:
    return (fk.table.name, tuple(fk.column_keys), fk.referred_table.name)


def _without_postgres_set_null_columns(dialect: str, diff: list) -> list:
    """PostgreSQL's composite SET NULL keys null only their id column, ``SET NULL (x_id)``
    (schema._fk's ``info["postgresql_ondelete"]``), which the portable metadata cannot say:
    drop exactly those remove/add pairs, after checking the database has that clause."""
    if dialect != "postgresql":
        return diff
    declared = {
        _fk_key(fk): fk.info["postgresql_ondelete"]
        for t in Base.metadata.tables.values()
        for fk in t.foreign_key_constraints
        if "postgresql_ondelete" in fk.info
    }
    removed = {_fk_key(d[1]): d[1].ondelete for d in diff if d[0] == "remove_fk"}
    added = {_fk_key(d[1]) for d in diff if d[0] == "add_fk"}
    same = {k for k, v in declared.items() if removed.get(k) == v and k in added}
    assert same == set(declared), f"PostgreSQL keys without SET NULL (column): {declared}"
    return [d for d in diff if not (d[0] in ("remove_fk", "add_fk") and _fk_key(d[1]) in same)]


def test_migrate_to_head_matches_models(database_url: str) -> None:
    db = Database(database_url)
    try:
        assert current_revision(db) is None
        before, after = upgrade_to_head(db)
        assert (before, after) == (None, head_revision())
        assert upgrade_to_head(db) == (after, after)  # a second start changes nothing
        assert set(inspect(db.engine).get_table_names()) >= TABLES
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
            diff = _without_postgres_set_null_columns(conn.dialect.name, diff)
            assert diff == [], f"migrations and schema.py differ: {diff}"
            counter = conn.execute(text("SELECT value FROM change_counters")).scalar_one()
            assert counter == 0
    finally:
        db.close()


def test_sqlite_connection_settings(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    finally:
        db.close()


def test_foreign_keys_cascade(database_url: str) -> None:
    from aura.storage.schema import ItemColor, User, WardrobeItem

    db = Database(database_url)
    try:
        upgrade_to_head(db)
        with db.session() as s:
            user = User(name="cascade")
            s.add(user)
            s.flush()
            item = WardrobeItem(user_id=user.id, category="shirt")
            item.color_rows = [ItemColor(color="red", position=0)]
            s.add(item)
        with db.session() as s:
            s.execute(text("DELETE FROM users"))
        with db.session() as s:
            assert s.execute(text("SELECT count(*) FROM wardrobe_items")).scalar_one() == 0
            assert s.execute(text("SELECT count(*) FROM wardrobe_item_colors")).scalar_one() == 0
    finally:
        db.close()
