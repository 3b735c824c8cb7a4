"""transparency log: entries, hash tiles, signed checkpoints

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import consentgate.store.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_INDEX = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "log_entries",
        sa.Column("idx", _INDEX, autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("idx", name=op.f("pk_log_entries")),
    )
    op.create_table(
        "log_tiles",
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("hashes", sa.LargeBinary(), nullable=False),
        sa.Column("inner", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_log_tiles")),
    )
    op.create_table(
        "log_checkpoints",
        sa.Column("size", _INDEX, autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.LargeBinary(), nullable=False),
        sa.Column("signed_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_log_checkpoints")),
    )


def downgrade() -> None:
    op.drop_table("log_checkpoints")
    op.drop_table("log_tiles")
    op.drop_table("log_entries")
