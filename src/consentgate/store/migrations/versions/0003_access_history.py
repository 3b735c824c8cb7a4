"""access history: who was in each logged access

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import consentgate.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_subjects",
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("log_index", "person_id", name=op.f("pk_access_subjects")),
    )
    op.create_index(
        "ix_access_subjects_person_index",
        "access_subjects",
        ["person_id", "log_index"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_access_subjects_person_index", table_name="access_subjects")
    op.drop_table("access_subjects")
