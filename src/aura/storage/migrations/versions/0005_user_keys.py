"""user_id in every user-owned table's keys, so a distributed PostgreSQL (Citus) can shard
by it: primary keys become (user_id, id) or (user_id, parent_id, child_id); unique
constraints start with user_id; foreign keys between user-owned tables become composite,
(user_id, x_id) -> parent(user_id, id). Child tables (item colours, outfit items, messages,
wear items, trip items, item shares, item loans) get user_id, backfilled from the parent.
A wear may name an item shared or lent by another household member, so wear_items also
gets item_user_id (the item's owner) for its key to the item; every other key to a parent
is the row's own user's, and the migration refuses rows that join two users' rows.

``id`` values are unchanged and stay globally unique (the serial sequences on PostgreSQL
are kept; SQLite numbers new rows max + 1, see schema._next_id).

ON DELETE SET NULL of a composite key must null only the id column: PostgreSQL 15+ says
``SET NULL (x_id)``; SQLite cannot, so there a BEFORE DELETE trigger on the parent nulls
the column first and the key's own action finds nothing left to do. (A later migration
that rebuilds wardrobe_items, outfits or wears on SQLite must create these triggers again:
a table rebuild drops them; tests/storage/test_user_keys.py checks the behaviour.)

Runs inside one transaction; on SQLite aura.storage.migrate turns foreign key enforcement
off for the rebuilds and env.py runs ``PRAGMA foreign_key_check`` before the commit.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 00:30:00
"""

# no `from __future__ import annotations`: Alembic loads this module outside sys.modules,
# where dataclasses cannot resolve string annotations
from dataclasses import dataclass, field

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


@dataclass
class Table:
    name: str
    pk: list[str]  # the new primary key (user_id first)
    old_pk: list[str]
    # child tables: (parent table, column naming the parent): user_id comes from there
    backfill: tuple[str, str] | None = None
    # old single-column foreign keys: (column, parent, ondelete); each becomes composite
    fks: list[tuple[str, str, str]] = field(default_factory=list)
    id_index: bool = False  # ix_<table>_id on the global id (rows are addressed by it)
    drop_user_index: bool = False  # ix_<table>_user_id: the primary key's prefix now
    # unique constraints: (old name, old columns) -> (new name, new columns)
    uniques: list[tuple[str, list[str], str, list[str]]] = field(default_factory=list)


def _surrogate(name: str, **kw: object) -> Table:
    return Table(name, ["user_id", "id"], ["id"], id_index=True, **kw)  # type: ignore[arg-type]


TABLES = [
    _surrogate(
        "api_keys",
        drop_user_index=True,
        uniques=[
            ("uq_api_keys_key_hash", ["key_hash"], "uq_api_keys_user_id", ["user_id", "key_hash"])
        ],
    ),
    _surrogate("wardrobe_items", drop_user_index=True),
    Table(
        "wardrobe_item_colors",
        ["user_id", "item_id", "color"],
        ["item_id", "color"],
        backfill=("wardrobe_items", "item_id"),
        fks=[("item_id", "wardrobe_items", "CASCADE")],
    ),
    _surrogate(
        "item_embeddings",
        uniques=[
            (
                "uq_item_embeddings_space",
                ["space", "item_id"],
                "uq_item_embeddings_user_space_item",
                ["user_id", "space", "item_id"],
            ),
            ("uq_item_embeddings_seq", ["seq"], "uq_item_embeddings_user_seq", ["user_id", "seq"]),
        ],
    ),
    _surrogate("garment_analyses", drop_user_index=True),
    _surrogate("outfits", drop_user_index=True),
    Table(
        "outfit_items",
        ["user_id", "outfit_id", "item_id"],
        ["outfit_id", "item_id"],
        backfill=("outfits", "outfit_id"),
        fks=[("outfit_id", "outfits", "CASCADE"), ("item_id", "wardrobe_items", "CASCADE")],
    ),
    _surrogate("conversations", drop_user_index=True),
    _surrogate(
        "messages",
        backfill=("conversations", "conversation_id"),
        fks=[("conversation_id", "conversations", "CASCADE")],
    ),
    _surrogate("feedback", drop_user_index=True),
    _surrogate("style_preferences", drop_user_index=True),
    _surrogate(
        "interactions",
        drop_user_index=True,
        fks=[("item_id", "wardrobe_items", "SET NULL"), ("outfit_id", "outfits", "SET NULL")],
    ),
    _surrogate("wears", drop_user_index=True, fks=[("outfit_id", "outfits", "SET NULL")]),
    Table(
        "wear_items",
        ["user_id", "wear_id", "item_id"],
        ["wear_id", "item_id"],
        backfill=("wears", "wear_id"),
        fks=[("wear_id", "wears", "CASCADE"), ("item_id", "wardrobe_items", "CASCADE")],
    ),
    _surrogate("calendar_plans", drop_user_index=True, fks=[("wear_id", "wears", "SET NULL")]),
    _surrogate("trips", drop_user_index=True),
    Table(
        "trip_items",
        ["user_id", "trip_id", "item_id"],
        ["trip_id", "item_id"],
        backfill=("trips", "trip_id"),
        fks=[("trip_id", "trips", "CASCADE"), ("item_id", "wardrobe_items", "CASCADE")],
    ),
    Table(
        "item_shares",
        ["user_id", "household_id", "item_id"],
        ["household_id", "item_id"],
        backfill=("wardrobe_items", "item_id"),
        fks=[("item_id", "wardrobe_items", "CASCADE")],
    ),
    _surrogate(
        "item_loans",
        backfill=("wardrobe_items", "item_id"),
        fks=[("item_id", "wardrobe_items", "CASCADE")],
    ),
]

# A wear may name an item another household member shares or lends: its key to the item
# carries the item owner's id (item_user_id), not the wearer's (the row's user_id).
OWNER_COLUMN = {("wear_items", "item_id"): "item_user_id"}

# SQLite: what ON DELETE SET NULL (x_id) does on PostgreSQL, per parent table
SET_NULL_TRIGGERS = {
    "wardrobe_items": [("interactions", "item_id")],
    "outfits": [("interactions", "outfit_id"), ("wears", "outfit_id")],
    "wears": [("calendar_plans", "wear_id")],
}


def _old_fk(table: str, column: str, parent: str) -> str:
    return f"fk_{table}_{column}_{parent}"


def _owner(table: str, column: str) -> str:
    return OWNER_COLUMN.get((table, column), "user_id")


def _new_fk(table: str, column: str, parent: str) -> str:
    return f"fk_{table}_{_owner(table, column)}_{parent}"


def _ondelete(action: str, column: str, postgres: bool) -> str:
    return f"SET NULL ({column})" if action == "SET NULL" and postgres else action


def _check_versions(conn: sa.Connection) -> bool:
    """Whether this is PostgreSQL (which must be 15+ for SET NULL (column))."""
    if conn.dialect.name != "postgresql":
        return False
    version = conn.dialect.server_version_info or (0,)
    if version < (15,):
        raise RuntimeError(
            f"migration 0005 needs PostgreSQL 15 or newer (ON DELETE SET NULL (column)); "
            f"this server is {'.'.join(map(str, version))}: upgrade PostgreSQL, then start again"
        )
    return True


def _backfill(conn: sa.Connection, t: Table) -> None:
    assert t.backfill is not None
    parent, column = t.backfill
    conn.execute(
        sa.text(
            f"UPDATE {t.name} SET user_id = (SELECT p.user_id FROM {parent} p "
            f"WHERE p.id = {t.name}.{column})"
        )
    )
    orphans = conn.execute(sa.text(f"SELECT count(*) FROM {t.name} WHERE user_id IS NULL")).scalar()
    if orphans:
        raise RuntimeError(
            f"migration 0005: {orphans} row(s) of {t.name} name a missing {parent} row; "
            f"delete them (SELECT * FROM {t.name} WHERE {column} NOT IN "
            f"(SELECT id FROM {parent})), then start again"
        )


def _check_crossed(conn: sa.Connection, t: Table) -> None:
    """A row must not join two users' rows: every parent it names (but the one it took its
    user_id from) must be the same user's, or its composite key could not be created."""
    for col, other, _ in t.fks:
        if t.backfill == (other, col) or _owner(t.name, col) != "user_id":
            continue
        crossed = conn.execute(
            sa.text(
                f"SELECT count(*) FROM {t.name} c JOIN {other} p ON p.id = c.{col} "
                f"WHERE p.user_id <> c.user_id"
            )
        ).scalar()
        if crossed:
            raise RuntimeError(
                f"migration 0005: {crossed} row(s) of {t.name} join a {other} row of another "
                f"user; fix or delete them, then start again"
            )


def upgrade() -> None:
    conn = op.get_bind()
    postgres = _check_versions(conn)
    for t in TABLES:
        if t.backfill is not None:
            op.add_column(t.name, sa.Column("user_id", sa.Integer(), nullable=True))
            _backfill(conn, t)
        _check_crossed(conn, t)
        for col, parent, _ in t.fks:
            owner = _owner(t.name, col)
            if owner != "user_id":  # the referenced row's owner, from that row
                op.add_column(t.name, sa.Column(owner, sa.Integer(), nullable=True))
                conn.execute(
                    sa.text(
                        f"UPDATE {t.name} SET {owner} = (SELECT p.user_id FROM {parent} p "
                        f"WHERE p.id = {t.name}.{col})"
                    )
                )
    if postgres:  # the parents' primary keys change under these: drop them first
        for t in TABLES:
            for col, parent, _ in t.fks:
                op.drop_constraint(_old_fk(t.name, col, parent), t.name, type_="foreignkey")
    for t in TABLES:
        with op.batch_alter_table(t.name, recreate="always" if not postgres else "auto") as b:
            if t.backfill is not None:
                b.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
            for col, _, _ in t.fks:
                if _owner(t.name, col) != "user_id":
                    b.alter_column(_owner(t.name, col), existing_type=sa.Integer(), nullable=False)
            if not postgres:
                for col, parent, _ in t.fks:
                    b.drop_constraint(_old_fk(t.name, col, parent), type_="foreignkey")
            b.drop_constraint(f"pk_{t.name}", type_="primary")
            b.create_primary_key(f"pk_{t.name}", t.pk)
            for old, _, new, cols in t.uniques:
                b.drop_constraint(old, type_="unique")
                b.create_unique_constraint(new, cols)
            if t.drop_user_index:
                b.drop_index(f"ix_{t.name}_user_id")
            if t.id_index:
                b.create_index(f"ix_{t.name}_id", ["id"])
            if t.name == "api_keys":
                b.create_index("ix_api_keys_key_hash", ["key_hash"])
            if t.name == "item_embeddings":  # what the unique (space, item_id) served
                b.create_index("ix_item_embeddings_space_item", ["space", "item_id"])
            if not postgres:
                for col, parent, action in t.fks:
                    b.create_foreign_key(
                        _new_fk(t.name, col, parent),
                        parent,
                        [_owner(t.name, col), col],
                        ["user_id", "id"],
                        ondelete=action,
                    )
    if postgres:
        for t in TABLES:
            for col, parent, action in t.fks:
                op.create_foreign_key(
                    _new_fk(t.name, col, parent),
                    t.name,
                    parent,
                    [_owner(t.name, col), col],
                    ["user_id", "id"],
                    ondelete=_ondelete(action, col, postgres),
                )
    else:
        for parent, children in SET_NULL_TRIGGERS.items():
            body = "".join(
                f" UPDATE {child} SET {col} = NULL WHERE user_id = OLD.user_id AND {col} = OLD.id;"
                for child, col in children
            )
            op.execute(
                f"CREATE TRIGGER trg_{parent}_set_null BEFORE DELETE ON {parent} "
                f"FOR EACH ROW BEGIN{body} END"
            )


def downgrade() -> None:
    conn = op.get_bind()
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        for t in TABLES:
            for col, parent, _ in t.fks:
                op.drop_constraint(_new_fk(t.name, col, parent), t.name, type_="foreignkey")
    else:
        for parent in SET_NULL_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS trg_{parent}_set_null")
    for t in TABLES:
        with op.batch_alter_table(t.name, recreate="always" if not postgres else "auto") as b:
            if not postgres:
                for col, parent, _ in t.fks:
                    b.drop_constraint(_new_fk(t.name, col, parent), type_="foreignkey")
            if t.name == "api_keys":
                b.drop_index("ix_api_keys_key_hash")
            if t.name == "item_embeddings":
                b.drop_index("ix_item_embeddings_space_item")
            if t.id_index:
                b.drop_index(f"ix_{t.name}_id")
            if t.drop_user_index:
                b.create_index(f"ix_{t.name}_user_id", ["user_id"])
            for old, old_cols, new, _ in t.uniques:
                b.drop_constraint(new, type_="unique")
                b.create_unique_constraint(old, old_cols)
            b.drop_constraint(f"pk_{t.name}", type_="primary")
            b.create_primary_key(f"pk_{t.name}", t.old_pk)
            if t.backfill is not None:
                b.drop_column("user_id")
            for col, _, _ in t.fks:
                if _owner(t.name, col) != "user_id":
                    b.drop_column(_owner(t.name, col))
            if not postgres:
                for col, parent, action in t.fks:
                    b.create_foreign_key(
                        _old_fk(t.name, col, parent), parent, [col], ["id"], ondelete=action
                    )
    if postgres:
        for t in TABLES:
            for col, parent, action in t.fks:
                op.create_foreign_key(
                    _old_fk(t.name, col, parent), t.name, parent, [col], ["id"], ondelete=action
                )
