"""findings, certifications, exposure snapshots; grant scopes can lapse

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import consentgate.store.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_ID = sa.String(length=64)
_TIME = consentgate.store.types.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("grant_scopes") as batch:
        batch.add_column(sa.Column("lapsed_at", _TIME(), nullable=True))
    op.create_table(
        "findings",
        sa.Column("id", _ID, nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", _ID, nullable=False),
        sa.Column("partner_id", _ID, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("suggested_action", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("first_seen", _TIME(), nullable=False),
        sa.Column("last_seen", _TIME(), nullable=False),
        sa.Column("resolved_at", _TIME(), nullable=True),
        sa.Column("ack_by", sa.String(length=200), nullable=True),
        sa.Column("ack_at", _TIME(), nullable=True),
        sa.Column("ack_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    op.create_index("ix_findings_partner_id", "findings", ["partner_id"], unique=False)
    op.create_table(
        "finding_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", _TIME(), nullable=False),
        sa.Column("observed", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_runs")),
    )
    op.create_table(
        "certifications",
        sa.Column("id", _ID, nullable=False),
        sa.Column("partner_id", _ID, nullable=False),
        sa.Column("agreement_id", _ID, nullable=False),
        sa.Column("certified_at", _TIME(), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_certifications_agreement_id_agreements"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_certifications_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certifications")),
    )
    op.create_index("ix_certifications_partner_id", "certifications", ["partner_id"], unique=False)
    op.create_table(
        "certified_uses",
        sa.Column("certification_id", _ID, nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("purpose_id", _ID, nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("monthly_requests", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["certification_id"],
            ["certifications.id"],
            name=op.f("fk_certified_uses_certification_id_certifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "certification_id", "category", "action", "purpose_id", name=op.f("pk_certified_uses")
        ),
    )
    op.create_table(
        "exposure_snapshots",
        sa.Column("partner_id", _ID, nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("taken_at", _TIME(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "partner_id", "category", "taken_at", name=op.f("pk_exposure_snapshots")
        ),
    )


def downgrade() -> None:
    op.drop_table("exposure_snapshots")
    op.drop_table("certified_uses")
    op.drop_index("ix_certifications_partner_id", table_name="certifications")
    op.drop_table("certifications")
    op.drop_table("finding_runs")
    op.drop_index("ix_findings_partner_id", table_name="findings")
    op.drop_table("findings")
    with op.batch_alter_table("grant_scopes") as batch:
        batch.drop_column("lapsed_at")
