"""initial schema: users and keys, photos, wardrobe, embeddings and their change counter,
analyses, outfits, conversations, feedback, preferences, interactions

Revision ID: 0001
Revises:
Create Date: 2026-11-26 10:35:08.701341
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_counters",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_change_counters")),
    )
    op.bulk_insert(
        sa.table(
            "change_counters", sa.column("name", sa.String), sa.column("value", sa.BigInteger)
        ),
        [{"name": "item_embeddings", "value": 0}],
    )
    op.create_table(
        "item_embeddings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space", sa.String(length=200), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.String(length=200), nullable=False),
        sa.Column("model_revision", sa.String(length=100), nullable=False),
        sa.Column("dimension", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_embeddings")),
        sa.UniqueConstraint("seq", name=op.f("uq_item_embeddings_seq")),
        sa.UniqueConstraint("space", "item_id", name=op.f("uq_item_embeddings_space")),
    )
    with op.batch_alter_table("item_embeddings", schema=None) as batch_op:
        batch_op.create_index("ix_item_embeddings_space_seq", ["space", "seq"], unique=False)

    op.create_table(
        "photos",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_photos")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_user_id"), ["user_id"], unique=False)

    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_conversations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversations_user_id"), ["user_id"], unique=False)

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("target_type", sa.String(length=50), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_feedback_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_user_id"), ["user_id"], unique=False)

    op.create_table(
        "garment_analyses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("photo_sha256", sa.String(length=64), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["photo_sha256"],
            ["photos.sha256"],
            name=op.f("fk_garment_analyses_photo_sha256_photos"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_garment_analyses_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_garment_analyses")),
    )
    with op.batch_alter_table("garment_analyses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_garment_analyses_user_id"), ["user_id"], unique=False)

    op.create_table(
        "outfits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("occasion", sa.String(length=100), nullable=True),
        sa.Column("season", sa.String(length=20), nullable=True),
        sa.Column("weather", sa.JSON(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("times_worn", sa.Integer(), nullable=False),
        sa.Column("favorite", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_outfits_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outfits")),
    )
    with op.batch_alter_table("outfits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outfits_user_id"), ["user_id"], unique=False)

    op.create_table(
        "style_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_style_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_style_preferences")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_style_preferences_user_id")),
    )
    with op.batch_alter_table("style_preferences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_style_preferences_user_id"), ["user_id"], unique=False)

    op.create_table(
        "user_photos",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["photos.sha256"],
            name=op.f("fk_user_photos_sha256_photos"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_photos_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "sha256", name=op.f("pk_user_photos")),
    )
    op.create_table(
        "wardrobe_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("pattern", sa.String(length=50), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("image_sha256", sa.String(length=64), nullable=True),
        sa.Column("source_photo_sha256", sa.String(length=64), nullable=True),
        sa.Column("bbox", sa.JSON(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["image_sha256"], ["photos.sha256"], name=op.f("fk_wardrobe_items_image_sha256_photos")
        ),
        sa.ForeignKeyConstraint(
            ["source_photo_sha256"],
            ["photos.sha256"],
            name=op.f("fk_wardrobe_items_source_photo_sha256_photos"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_wardrobe_items_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wardrobe_items")),
    )
    with op.batch_alter_table("wardrobe_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wardrobe_items_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_wardrobe_items_pattern"), ["pattern"], unique=False)
        batch_op.create_index(batch_op.f("ix_wardrobe_items_user_id"), ["user_id"], unique=False)

    op.create_table(
        "interactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("outfit_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["wardrobe_items.id"],
            name=op.f("fk_interactions_item_id_wardrobe_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["outfit_id"],
            ["outfits.id"],
            name=op.f("fk_interactions_outfit_id_outfits"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_interactions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interactions")),
    )
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interactions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("completion_tokens", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_messages_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_messages_conversation_id"), ["conversation_id"], unique=False
        )

    op.create_table(
        "outfit_items",
        sa.Column("outfit_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["wardrobe_items.id"],
            name=op.f("fk_outfit_items_item_id_wardrobe_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outfit_id"],
            ["outfits.id"],
            name=op.f("fk_outfit_items_outfit_id_outfits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("outfit_id", "item_id", name=op.f("pk_outfit_items")),
    )
    op.create_table(
        "wardrobe_item_colors",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("color", sa.String(length=50), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["wardrobe_items.id"],
            name=op.f("fk_wardrobe_item_colors_item_id_wardrobe_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", "color", name=op.f("pk_wardrobe_item_colors")),
    )
    with op.batch_alter_table("wardrobe_item_colors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wardrobe_item_colors_color"), ["color"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("wardrobe_item_colors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wardrobe_item_colors_color"))

    op.drop_table("wardrobe_item_colors")
    op.drop_table("outfit_items")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_conversation_id"))

    op.drop_table("messages")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interactions_user_id"))

    op.drop_table("interactions")
    with op.batch_alter_table("wardrobe_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wardrobe_items_user_id"))
        batch_op.drop_index(batch_op.f("ix_wardrobe_items_pattern"))
        batch_op.drop_index(batch_op.f("ix_wardrobe_items_category"))

    op.drop_table("wardrobe_items")
    op.drop_table("user_photos")
    with op.batch_alter_table("style_preferences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_style_preferences_user_id"))

    op.drop_table("style_preferences")
    with op.batch_alter_table("outfits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outfits_user_id"))

    op.drop_table("outfits")
    with op.batch_alter_table("garment_analyses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_garment_analyses_user_id"))

    op.drop_table("garment_analyses")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_user_id"))

    op.drop_table("feedback")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversations_user_id"))

    op.drop_table("conversations")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_user_id"))

    op.drop_table("api_keys")
    op.drop_table("users")
    op.drop_table("photos")
    with op.batch_alter_table("item_embeddings", schema=None) as batch_op:
        batch_op.drop_index("ix_item_embeddings_space_seq")

    op.drop_table("item_embeddings")
    op.drop_table("change_counters")
