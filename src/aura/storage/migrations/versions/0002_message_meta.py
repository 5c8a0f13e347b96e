"""messages.meta: what an assistant reply drew on (item ids, guidance ids, outfits, model),
so a conversation read back after a restart still says which of the user's items it used.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 12:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a nullable column needs no table rebuild on SQLite: plain ADD COLUMN on both databases
    op.add_column("messages", sa.Column("meta", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("meta")
