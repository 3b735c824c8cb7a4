"""grant expiry index: the expiry sweeper finds the next grant to end without a scan

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_grants_expires_at"), "grants", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_grants_expires_at"), table_name="grants")
