"""access history keeps each access's reason codes and how many records it let out

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("access_subjects") as batch:
        batch.add_column(sa.Column("reasons", sa.Text(), nullable=True))
        batch.add_column(sa.Column("records_returned", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("access_subjects") as batch:
        batch.drop_column("records_returned")
        batch.drop_column("reasons")
