"""item_embeddings by (space, user_id, seq): one user's partition of a space is loaded, and
caught up after its snapshot, by an index range scan over that user's rows only, whatever
the number of users.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 17:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_item_embeddings_space_user_seq", "item_embeddings", ["space", "user_id", "seq"]
    )


def downgrade() -> None:
    op.drop_index("ix_item_embeddings_space_user_seq", table_name="item_embeddings")
