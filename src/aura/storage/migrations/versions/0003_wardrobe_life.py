"""wardrobe life: laundry state, purchase and wear counts on items; the wear log, calendar
plans, trips with their checklists, households (members, invites, shared items, loans)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _created(name: str = "created_at") -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _fk(column: str, table: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id" if "." not in target else target],
        name=op.f(f"fk_{table}_{column}_{target.split('.')[0]}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    # nullable columns, or NOT NULL with a constant default: plain ADD COLUMN on both databases
    op.add_column(
        "wardrobe_items",
        sa.Column("laundry", sa.String(length=20), server_default="clean", nullable=False),
    )
    op.add_column("wardrobe_items", sa.Column("purchase_price", sa.Float(), nullable=True))
    op.add_column("wardrobe_items", sa.Column("purchase_date", sa.Date(), nullable=True))
    op.add_column(
        "wardrobe_items",
        sa.Column("times_worn", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column("wardrobe_items", sa.Column("last_worn", sa.Date(), nullable=True))

    op.create_table(
        "wears",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("worn_on", sa.Date(), nullable=False),
        sa.Column("outfit_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _created(),
        _fk("user_id", "wears", "users", "CASCADE"),
        _fk("outfit_id", "wears", "outfits", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wears")),
    )
    op.create_index(op.f("ix_wears_user_id"), "wears", ["user_id"])
    op.create_index("ix_wears_user_day", "wears", ["user_id", "worn_on"])
    op.create_table(
        "wear_items",
        sa.Column("wear_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        _fk("wear_id", "wear_items", "wears", "CASCADE"),
        _fk("item_id", "wear_items", "wardrobe_items", "CASCADE"),
        sa.PrimaryKeyConstraint("wear_id", "item_id", name=op.f("pk_wear_items")),
    )
    op.create_index(op.f("ix_wear_items_item_id"), "wear_items", ["item_id"])

    op.create_table(
        "calendar_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("plan_date", sa.Date(), nullable=False),
        sa.Column("occasion", sa.String(length=50), nullable=True),
        sa.Column("weather", sa.JSON(), nullable=True),
        sa.Column("weather_source", sa.String(length=20), nullable=False),
        sa.Column("item_ids", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("wear_id", sa.Integer(), nullable=True),
        _created(),
        _fk("user_id", "calendar_plans", "users", "CASCADE"),
        _fk("wear_id", "calendar_plans", "wears", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_plans")),
    )
    op.create_index(op.f("ix_calendar_plans_user_id"), "calendar_plans", ["user_id"])
    op.create_index("ix_calendar_plans_user_day", "calendar_plans", ["user_id", "plan_date"])

    op.create_table(
        "trips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("destination", sa.String(length=100), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        _created(),
        _fk("user_id", "trips", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trips")),
    )
    op.create_index(op.f("ix_trips_user_id"), "trips", ["user_id"])
    op.create_table(
        "trip_items",
        sa.Column("trip_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("packed", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _fk("trip_id", "trip_items", "trips", "CASCADE"),
        _fk("item_id", "trip_items", "wardrobe_items", "CASCADE"),
        sa.PrimaryKeyConstraint("trip_id", "item_id", name=op.f("pk_trip_items")),
    )

    op.create_table(
        "households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        _created(),
        _fk("created_by", "households", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
    )
    op.create_table(
        "household_members",
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("share_all", sa.Boolean(), nullable=False),
        _created("joined_at"),
        _fk("household_id", "household_members", "households", "CASCADE"),
        _fk("user_id", "household_members", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("household_id", "user_id", name=op.f("pk_household_members")),
    )
    op.create_index(op.f("ix_household_members_user_id"), "household_members", ["user_id"])
    op.create_table(
        "household_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_by", sa.Integer(), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        _created(),
        _fk("household_id", "household_invites", "households", "CASCADE"),
        _fk("created_by", "household_invites", "users", "CASCADE"),
        _fk("used_by", "household_invites", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_invites")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_household_invites_code_hash")),
    )
    op.create_table(
        "item_shares",
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        _created(),
        _fk("household_id", "item_shares", "households", "CASCADE"),
        _fk("item_id", "item_shares", "wardrobe_items", "CASCADE"),
        sa.PrimaryKeyConstraint("household_id", "item_id", name=op.f("pk_item_shares")),
    )
    op.create_index(op.f("ix_item_shares_item_id"), "item_shares", ["item_id"])
    op.create_table(
        "item_loans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("borrower_id", sa.Integer(), nullable=False),
        _created("lent_at"),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        _fk("household_id", "item_loans", "households", "CASCADE"),
        _fk("item_id", "item_loans", "wardrobe_items", "CASCADE"),
        _fk("borrower_id", "item_loans", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_loans")),
    )
    op.create_index(op.f("ix_item_loans_item_id"), "item_loans", ["item_id"])


def downgrade() -> None:
    for table in (
        "item_loans",
        "item_shares",
        "household_invites",
        "household_members",
        "households",
        "trip_items",
        "trips",
        "calendar_plans",
        "wear_items",
        "wears",
    ):
        op.drop_table(table)
    with op.batch_alter_table("wardrobe_items", schema=None) as batch_op:
        for column in ("last_worn", "times_worn", "purchase_date", "purchase_price", "laundry"):
            batch_op.drop_column(column)
