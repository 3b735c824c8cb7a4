"""many server processes on one database: the log's head row, integration lease and key, and
quota counts shared by every process

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_INDEX = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", _INDEX, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_head")),
    )
    # The head starts where the entries written before this migration end.
    op.execute(
        "INSERT INTO log_head (id, size) SELECT 1, COALESCE(MAX(idx) + 1, 0) FROM log_entries"
    )
    op.create_table(
        "log_lease",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("expires_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_log_lease")),
    )
    op.create_table(
        "log_identity",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("vkey", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_identity")),
    )
    op.create_table(
        "quota_usage",
        sa.Column("agreement_id", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("period", sa.BigInteger(), nullable=False),
        sa.Column("used", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("agreement_id", "scope", "period", name=op.f("pk_quota_usage")),
    )


def downgrade() -> None:
    op.drop_table("quota_usage")
    op.drop_table("log_identity")
    op.drop_table("log_lease")
    op.drop_table("log_head")
