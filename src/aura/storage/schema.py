"""The database schema (SQLAlchemy 2 declarative): the source of truth for user data.

Alembic migrations under ``migrations/`` create exactly this schema (a test compares
them). Portable types only, so the same migrations run on SQLite and PostgreSQL.

Item embeddings keep their latest state per (space, item) with a change sequence
``seq``: every upsert and every delete (a tombstone: ``deleted`` true, no vector) takes
the next value of ``change_counters``. Allocating it with ``UPDATE ... RETURNING`` holds
that row's lock until commit, so sequence values become visible strictly in order and a
reader that has applied everything up to ``seq`` can never miss a late commit below it.

Sharding by user (migration 0005, docs/scaling.md "100M users"): every user-owned table
carries ``user_id``, first in its primary key and in each of its unique constraints, and
its foreign keys to other user-owned tables are composite ``(user_id, x_id) -> (user_id,
id)``, so a distributed PostgreSQL (Citus) can shard by ``user_id`` and keep a user's rows
and their joins on one node. ``id`` stays a globally unique number (the routes address rows
by it): PostgreSQL draws it from the column's serial sequence, SQLite takes max + 1 under
its single writer (what its rowid did), see :func:`_next_id`. The ORM maps those tables by
``id`` alone (``__mapper_args__``), so ``session.get(Model, id)`` keeps working.

A composite ``ON DELETE SET NULL`` must null only the id column, never ``user_id``:
PostgreSQL (15+) declares ``SET NULL (x_id)``; SQLite cannot, so migration 0005 adds a
``BEFORE DELETE`` trigger on the parent that nulls the column first (see there).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


def _owner() -> Mapped[int]:
    """``user_id`` of a user-owned table whose primary key starts with it (no index of its
    own: the primary key's serves ``WHERE user_id = ...``)."""
    return mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, nullable=False
    )


def _next_id(table: str) -> Any:
    """The default of ``table.id``, one globally unique number per row.

    PostgreSQL: the column's serial sequence (created with the table by its migration),
    one round trip per statement for all its rows. SQLite: ``max(id) + 1``, the value its
    rowid gave before 0005 made the key ``(user_id, id)``; safe because every SQLite write
    transaction starts with ``BEGIN IMMEDIATE`` (one writer, see db.py). The numbers are
    kept on the statement's execution context, so a many-row insert numbers its rows
    one after the other."""

    def default(context: DefaultExecutionContext) -> int:
        memo: dict[str, list[int]] = context.__dict__.setdefault("_aura_ids", {})
        ids = memo.get(table)
        if not ids:
            conn = context.connection
            if conn.dialect.name == "postgresql":
                rows = max(1, len(context.compiled_parameters or ()))
                ids = list(
                    conn.execute(
                        text(
                            "SELECT nextval(pg_get_serial_sequence(:t, 'id')) "
                            "FROM generate_series(1, :n)"
                        ),
                        {"t": table, "n": rows},
                    ).scalars()
                )
            else:
                top = conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar()
                ids = list(range(int(top) + 1, int(top) + 1 + len(context.compiled_parameters)))
            ids.reverse()  # popped from the end: first row, first number
            memo[table] = ids
        return int(ids.pop())

    return default


def _id(table: str) -> Mapped[int]:
    """``id`` of a user-owned table keyed ``(user_id, id)``: globally unique, indexed (rows
    are addressed by it)."""
    return mapped_column(Integer, primary_key=True, default=_next_id(table), index=True)


BY_ID: dict[str, Any] = {"primary_key": ["id"]}  # the ORM's identity: the global id


def _fk(cols: list[str], parent: str, ondelete: str) -> ForeignKeyConstraint:
    """A composite foreign key ``(user_id, x_id) -> parent(user_id, id)``. A ``SET NULL``
    one is ``SET NULL (x_id)`` on PostgreSQL (``info["postgresql_ondelete"]``, what
    migration 0005 creates and tests/test_db_schema.py checks); the portable metadata
    says ``SET NULL``, what SQLite reflects (its trigger does the rest, see the docstring)."""
    info = {"postgresql_ondelete": f"SET NULL ({cols[0]})"} if ondelete == "SET NULL" else {}
    return ForeignKeyConstraint(
        ["user_id", *cols], [f"{parent}.user_id", f"{parent}.id"], ondelete=ondelete, info=info
    )


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    created_at: Mapped[datetime] = _created()


class ApiKey(Base):
    """Only the sha256 of a key is stored; ``prefix`` lets people tell their keys apart."""

    __tablename__ = "api_keys"
    __table_args__ = (UniqueConstraint("user_id", "key_hash"),)
    __mapper_args__ = BY_ID
    user_id: Mapped[int] = _owner()
    id: Mapped[int] = _id("api_keys")
    # a sha256 of a random key: unique in practice; looked up by it (not per user)
    key_hash: Mapped[str] = mapped_column(String(64), index=True, nullable=False)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = _created()
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Photo(Base):
    """Uploaded photos, content-addressed and deduplicated, inside the database so that a
    database dump is one consistent backup of everything a user sees."""

    __tablename__ = "photos"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = _created()


class UserPhoto(Base):
    """Who uploaded which photo: access to a shared blob is granted per user."""

    __tablename__ = "user_photos"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    sha256: Mapped[str] = mapped_column(
        ForeignKey("photos.sha256", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = _created()


class WardrobeItem(Base):
    __tablename__ = "wardrobe_items"
    __mapper_args__ = BY_ID
    user_id: Mapped[int] = _owner()
    id: Mapped[int] = _id("wardrobe_items")
    category: Mapped[str] = mapped_column(String(50), index=True, nullable=False)
    pattern: Mapped[str | None] = mapped_column(String(50), index=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    image_sha256: Mapped[str | None] = mapped_column(ForeignKey("photos.sha256"))
    source_photo_sha256: Mapped[str | None] = mapped_column(ForeignKey("photos.sha256"))
    bbox: Mapped[list[float] | None] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(20), default="manual", nullable=False)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False
    )
    # wardrobe life (migration 0003): laundry state, purchase, wear counts kept by storage/wear.py
    laundry: Mapped[str] = mapped_column(
        String(20), default="clean", server_default="clean", nullable=False
    )
    purchase_price: Mapped[float | None] = mapped_column(Float)
    purchase_date: Mapped[date | None] = mapped_column(Date)
    times_worn: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    last_worn: Mapped[date | None] = mapped_column(Date)
    color_rows: Mapped[list[ItemColor]] = relationship(
        cascade="all, delete-orphan",
        order_by="ItemColor.position",
        lazy="selectin",
        passive_deletes=True,
    )

    @property
    def colors(self) -> list[str]:
        return [c.color for c in self.color_rows]


class ItemColor(Base):
    """One row per colour, so "items in navy" is an indexed query on both databases."""

    __tablename__ = "wardrobe_item_colors"
    __table_args__ = (_fk(["item_id"], "wardrobe_items", "CASCADE"),)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # set from the item
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    color: Mapped[str] = mapped_column(String(50), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)


class ItemEmbedding(Base):
    """Latest embedding state per (space, item). No foreign key to the item: the row
    outlives it as a tombstone, which is how a delete reaches every index."""

    __tablename__ = "item_embeddings"
    __table_args__ = (
        UniqueConstraint("user_id", "space", "item_id", name="uq_item_embeddings_user_space_item"),
        UniqueConstraint("user_id", "seq", name="uq_item_embeddings_user_seq"),
        Index("ix_item_embeddings_space_seq", "space", "seq"),
        # what the unique (space, item_id) served before 0005: an item's row, and the
        # rebuild's scan of a space in item order
        Index("ix_item_embeddings_space_item", "space", "item_id"),
        Index("ix_item_embeddings_space_user_seq", "space", "user_id", "seq"),
    )
    __mapper_args__ = BY_ID
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[int] = _id("item_embeddings")
    space: Mapped[str] = mapped_column(String(200), nullable=False)
    item_id: Mapped[int] = mapped_column(Integer, nullable=False)
    model_id: Mapped[str] = mapped_column(String(200), nullable=False)
    model_revision: Mapped[str] = mapped_column(String(100), nullable=False)
    dimension: Mapped[int] = mapped_column(Integer, nullable=False)
    vector: Mapped[bytes | None] = mapped_column(LargeBinary)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)  # unique: the one counter
    updated_at: Mapped[datetime] = _created()


class ChangeCounter(Base):
    """Monotonic counters handed out under a row lock (see the module docstring)."""

    __tablename__ = "change_counters"
    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, nullable=False)


class GarmentAnalysis(Base):
    __tablename__ = "garment_analyses"
    __mapper_args__ = BY_ID
    user_id: Mapped[int] = _owner()
    id: Mapped[int] = _id("garment_analyses")
    photo_sha256: Mapped[str | None] = mapped_column(ForeignKey("photos.sha256"))
    model: Mapped[str] = mapped_column(String(200), nullable=False)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = _created()


class Outfit(Base):
    __tablename__ = "outfits"
    __mapper_args__ = BY_ID
    user_id: Mapped[int] = _owner()
    id: Mapped[int] = _id("outfits")
    occasion: Mapped[str | None] = mapped_column(String(100))
    season: Mapped[str | None] = mapped_column(String(20))
    weather: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    score: Mapped[float | None] = mapped_column(Float)
    rating: Mapped[int | None] = mapped_column(Integer)
    times_worn: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    favorite: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_at: Mapped[datetime] = _created()


class OutfitItem(Base):
    __tablename__ = "outfit_items"
    __table_args__ = (
        _fk(["outfit_id"], "outfits", "CASCADE"),
        _fk(["item_id"], "wardrobe_items", "CASCADE"),
    )
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outfit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class Conversation(Base):
    __tablename__ = "conversations"
    __mapper_args__ = BY_ID
    user_id: Mapped[int] = _owner()
    id: Mapped[int] = _id("conversations")
    title: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = _created()


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (_fk(["conversation_id"], "conversations", "CASCADE"),)
    __mapper_args__ = BY_ID
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[int] = _id("messages")
    conversation_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    # what the reply drew on (item and guidance ids, outfits, model): shown with the history
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = _created()


class Feedback(Base):
    __tablename__ = "feedback"
    __mapper_args__ = BY_ID
    user_id: Mapped[int] = _owner()
    id: Mapped[int] = _id("feedback")
    target_type: Mapped[str] = mapped_column(String(50), nullable=False)
    target_id: Mapped[int | None] = mapped_column(Integer)
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()


class StylePreference(Base):
    __tablename__ = "style_preferences"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    __mapper_args__ = BY_ID
    user_id: Mapped[int] = _owner()
    id: Mapped[int] = _id("style_preferences")
    key: Mapped[str] = mapped_column(String(100), nullable=False)
    value: Mapped[Any] = mapped_column(JSON, nullable=False)
    updated_at: Mapped[datetime] = _created()


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__ = (
        _fk(["item_id"], "wardrobe_items", "SET NULL"),
        _fk(["outfit_id"], "outfits", "SET NULL"),
    )
    __mapper_args__ = BY_ID
    user_id: Mapped[int] = _owner()
    id: Mapped[int] = _id("interactions")
    kind: Mapped[str] = mapped_column(String(50), nullable=False)
    item_id: Mapped[int | None] = mapped_column(Integer)
    outfit_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = _created()


# ---- wardrobe life (migration 0003) -------------------------------------------------------


class Wear(Base):
    """One day an outfit or some items were worn; ``wear_items`` names the items."""

    __tablename__ = "wears"
    __table_args__ = (
        Index("ix_wears_user_day", "user_id", "worn_on"),
        _fk(["outfit_id"], "outfits", "SET NULL"),
    )
    __mapper_args__ = BY_ID
    user_id: Mapped[int] = _owner()
    id: Mapped[int] = _id("wears")
    worn_on: Mapped[date] = mapped_column(Date, nullable=False)
    outfit_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()


class WearItem(Base):
    __tablename__ = "wear_items"
    __table_args__ = (
        _fk(["wear_id"], "wears", "CASCADE"),
        # a household member may wear an item shared or lent to them: the key to the item
        # carries its owner (item_user_id), which is not the wearer (user_id) then
        ForeignKeyConstraint(
            ["item_user_id", "item_id"],
            ["wardrobe_items.user_id", "wardrobe_items.id"],
            ondelete="CASCADE",
        ),
    )
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # the wearer
    wear_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    item_user_id: Mapped[int] = mapped_column(Integer, nullable=False)  # the item's owner


class CalendarPlan(Base):
    """An outfit planned for a day, with its context; confirmed, it points at its wear."""

    __tablename__ = "calendar_plans"
    __table_args__ = (
        Index("ix_calendar_plans_user_day", "user_id", "plan_date"),
        _fk(["wear_id"], "wears", "SET NULL"),
    )
    __mapper_args__ = BY_ID
    user_id: Mapped[int] = _owner()
    id: Mapped[int] = _id("calendar_plans")
    plan_date: Mapped[date] = mapped_column(Date, nullable=False)
    occasion: Mapped[str | None] = mapped_column(String(50))
    weather: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    weather_source: Mapped[str] = mapped_column(String(20), default="none", nullable=False)
    item_ids: Mapped[list[int]] = mapped_column(JSON, default=list, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    wear_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = _created()


class Trip(Base):
    """A trip: its days (occasions, weather) and the packing plan computed for them."""

    __tablename__ = "trips"
    __mapper_args__ = BY_ID
    user_id: Mapped[int] = _owner()
    id: Mapped[int] = _id("trips")
    destination: Mapped[str] = mapped_column(String(100), nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False)
    days: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = _created()


class TripItem(Base):
    """The trip's checklist: one row per item to pack."""

    __tablename__ = "trip_items"
    __table_args__ = (
        _fk(["trip_id"], "trips", "CASCADE"),
        _fk(["item_id"], "wardrobe_items", "CASCADE"),
    )
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trip_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    packed: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class Household(Base):
    __tablename__ = "households"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    created_by: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    created_at: Mapped[datetime] = _created()


class HouseholdMember(Base):
    """``share_all``: the member shares their whole wardrobe (read-only) with the household."""

    __tablename__ = "household_members"
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    share_all: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    joined_at: Mapped[datetime] = _created()


class HouseholdInvite(Base):
    """An invite code, stored as its sha256; single use, with an expiry."""

    __tablename__ = "household_invites"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), nullable=False
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_by: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _created()


class ItemShare(Base):
    """One item its owner shares with one household; the row is the owner's (``user_id``:
    the item's owner), mapped by ``(household_id, item_id)`` as before."""

    __tablename__ = "item_shares"
    __table_args__ = (_fk(["item_id"], "wardrobe_items", "CASCADE"),)
    __mapper_args__: ClassVar[dict[str, Any]] = {"primary_key": ["household_id", "item_id"]}
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    created_at: Mapped[datetime] = _created()


class ItemLoan(Base):
    """A shared item lent to a household member; open until ``returned_at`` is set. The
    row is the owner's (``user_id``: the item's owner, not the borrower)."""

    __tablename__ = "item_loans"
    __table_args__ = (_fk(["item_id"], "wardrobe_items", "CASCADE"),)
    __mapper_args__ = BY_ID
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[int] = _id("item_loans")
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), nullable=False
    )
    item_id: Mapped[int] = mapped_column(Integer, index=True, nullable=False)
    borrower_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    lent_at: Mapped[datetime] = _created()
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
