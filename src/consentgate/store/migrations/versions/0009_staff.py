"""staff accounts, their API tokens, the audit trail, log verification runs; access by partner

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import consentgate.store.types

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("handle", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("created_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("disabled_at", consentgate.store.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("handle", name=op.f("uq_staff_handle")),
    )
    op.create_table(
        "staff_tokens",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", consentgate.store.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_staff_tokens_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_tokens")),
        sa.UniqueConstraint("staff_id", "name", name=op.f("uq_staff_tokens_staff_id_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_tokens_token_hash")),
    )
    op.create_table(
        "staff_audit",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=160), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=512), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_audit")),
    )
    op.create_table(
        "log_verifications",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("started_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("started_by", sa.String(length=160), nullable=False),
        sa.Column("finished_at", consentgate.store.types.UTCDateTime(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_verifications")),
    )
    op.create_index(
        "ix_access_subjects_partner_at", "access_subjects", ["partner_id", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_access_subjects_partner_at", table_name="access_subjects")
    op.drop_table("log_verifications")
    op.drop_table("staff_audit")
    op.drop_table("staff_tokens")
    op.drop_table("staff")
