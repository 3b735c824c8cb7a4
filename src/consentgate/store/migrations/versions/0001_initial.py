"""initial schema: people, partners, agreements, grants, oauth, reference data

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import consentgate.store.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("partner_id", sa.String(length=64), nullable=True),
        sa.Column("ref_id", sa.String(length=64), nullable=True),
        sa.Column("at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_changes")),
    )
    op.create_table(
        "partners",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("handle", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("bio", sa.Text(), nullable=True),
        sa.Column("created_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("handle", name=op.f("uq_people_handle")),
    )
    op.create_table(
        "purposes",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("data_use", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purposes")),
    )
    op.create_table(
        "agreements",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("valid_from", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("valid_until", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("signed_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("ended_at", consentgate.store.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_agreements_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
        sa.UniqueConstraint("partner_id", "version", name=op.f("uq_agreements_partner_id_version")),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("linked_person_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("created_by_partner", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_partner"],
            ["partners.id"],
            name=op.f("fk_contacts_created_by_partner_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["linked_person_id"], ["people.id"], name=op.f("fk_contacts_linked_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["people.id"], name=op.f("fk_contacts_owner_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("ends_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("created_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("created_by_partner", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_partner"],
            ["partners.id"],
            name=op.f("fk_events_created_by_partner_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["people.id"], name=op.f("fk_events_owner_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "friendships",
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("friend_id", sa.String(length=64), nullable=False),
        sa.Column("since", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["friend_id"], ["people.id"], name=op.f("fk_friendships_friend_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_friendships_person_id_people")
        ),
        sa.PrimaryKeyConstraint("person_id", "friend_id", name=op.f("pk_friendships")),
    )
    op.create_table(
        "oauth_clients",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("secret_hash", sa.String(length=200), nullable=False),
        sa.Column("redirect_uris", sa.Text(), nullable=False),
        sa.Column("created_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("secret_rotated_at", consentgate.store.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_oauth_clients_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_oauth_clients")),
    )
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oauth_clients_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "partner_status_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_status_history_partner_id_partners"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_status_history")),
    )
    with op.batch_alter_table("partner_status_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_partner_status_history_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "privacy_settings",
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("share_with_partners", sa.Boolean(), nullable=False),
        sa.Column("categories", consentgate.store.types.NameSet(), nullable=False),
        sa.Column("via_others", consentgate.store.types.NameSet(), nullable=False),
        sa.Column("updated_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_privacy_settings_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_privacy_settings")),
    )
    op.create_table(
        "threads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("created_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("created_by_partner", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_partner"],
            ["partners.id"],
            name=op.f("fk_threads_created_by_partner_partners"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threads")),
    )
    op.create_table(
        "capabilities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("agreement_id", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("purpose_id", sa.String(length=64), nullable=False),
        sa.Column("fields", consentgate.store.types.NameSet(), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("quota_max_requests", sa.Integer(), nullable=True),
        sa.Column("quota_window_seconds", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_capabilities_agreement_id_agreements"),
        ),
        sa.ForeignKeyConstraint(
            ["purpose_id"], ["purposes.id"], name=op.f("fk_capabilities_purpose_id_purposes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capabilities")),
        sa.UniqueConstraint(
            "agreement_id",
            "category",
            "action",
            "purpose_id",
            name=op.f("uq_capabilities_agreement_id_category_action_purpose_id"),
        ),
    )
    op.create_table(
        "event_attendees",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_attendees_event_id_events")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_event_attendees_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_attendees")),
    )
    with op.batch_alter_table("event_attendees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_attendees_event_id"), ["event_id"], unique=False)

    op.create_table(
        "grants",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("agreement_id", sa.String(length=64), nullable=False),
        sa.Column("issued_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", consentgate.store.types.UTCDateTime(), nullable=True),
        sa.Column("receipt_hash", sa.String(length=64), nullable=False),
        sa.Column("receipt_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_grants_agreement_id_agreements")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oauth_clients.client_id"],
            name=op.f("fk_grants_client_id_oauth_clients"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_grants_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_grants_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grants")),
    )
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grants_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grants_person_id"), ["person_id"], unique=False)

    op.create_table(
        "messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "thread_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("sender_id", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sent_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("created_by_partner", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_partner"],
            ["partners.id"],
            name=op.f("fk_messages_created_by_partner_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["people.id"], name=op.f("fk_messages_sender_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name=op.f("fk_messages_thread_id_threads")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index("ix_messages_thread_sent", ["thread_id", "sent_at"], unique=False)

    op.create_table(
        "thread_participants",
        sa.Column(
            "thread_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_thread_participants_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name=op.f("fk_thread_participants_thread_id_threads")
        ),
        sa.PrimaryKeyConstraint("thread_id", "person_id", name=op.f("pk_thread_participants")),
    )
    with op.batch_alter_table("thread_participants", schema=None) as batch_op:
        batch_op.create_index("ix_thread_participants_person", ["person_id"], unique=False)

    op.create_table(
        "deletion_obligations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("grant_id", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("opened_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("due_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", consentgate.store.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["grants.id"], name=op.f("fk_deletion_obligations_grant_id_grants")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_deletion_obligations_partner_id_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_deletion_obligations_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deletion_obligations")),
        sa.UniqueConstraint(
            "grant_id", "category", name=op.f("uq_deletion_obligations_grant_id_category")
        ),
    )
    with op.batch_alter_table("deletion_obligations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deletion_obligations_partner_id"), ["partner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_deletion_obligations_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "grant_scopes",
        sa.Column("grant_id", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("purpose_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["grants.id"],
            name=op.f("fk_grant_scopes_grant_id_grants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["purpose_id"], ["purposes.id"], name=op.f("fk_grant_scopes_purpose_id_purposes")
        ),
        sa.PrimaryKeyConstraint(
            "grant_id", "category", "action", "purpose_id", name=op.f("pk_grant_scopes")
        ),
    )
    op.create_table(
        "oauth_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("grant_id", sa.String(length=64), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("code_challenge_method", sa.String(length=16), nullable=False),
        sa.Column("authorization_details", sa.Text(), nullable=False),
        sa.Column("expires_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("used_at", consentgate.store.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oauth_clients.client_id"],
            name=op.f("fk_oauth_codes_client_id_oauth_clients"),
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["grants.id"], name=op.f("fk_oauth_codes_grant_id_grants")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_oauth_codes_person_id_people")
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_oauth_codes")),
    )
    op.create_table(
        "oauth_tokens",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("access_token_hash", sa.String(length=64), nullable=False),
        sa.Column("refresh_token_hash", sa.String(length=64), nullable=True),
        sa.Column("family_id", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("grant_id", sa.String(length=64), nullable=False),
        sa.Column("authorization_details", sa.Text(), nullable=False),
        sa.Column("issued_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("access_expires_at", consentgate.store.types.UTCDateTime(), nullable=False),
        sa.Column("refresh_expires_at", consentgate.store.types.UTCDateTime(), nullable=True),
        sa.Column("refresh_used_at", consentgate.store.types.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", consentgate.store.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["oauth_clients.client_id"],
            name=op.f("fk_oauth_tokens_client_id_oauth_clients"),
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["grants.id"], name=op.f("fk_oauth_tokens_grant_id_grants")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_oauth_tokens_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_tokens")),
        sa.UniqueConstraint("access_token_hash", name=op.f("uq_oauth_tokens_access_token_hash")),
        sa.UniqueConstraint("refresh_token_hash", name=op.f("uq_oauth_tokens_refresh_token_hash")),
    )
    with op.batch_alter_table("oauth_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oauth_tokens_family_id"), ["family_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_oauth_tokens_grant_id"), ["grant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("oauth_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_tokens_grant_id"))
        batch_op.drop_index(batch_op.f("ix_oauth_tokens_family_id"))

    op.drop_table("oauth_tokens")
    op.drop_table("oauth_codes")
    op.drop_table("grant_scopes")
    with op.batch_alter_table("deletion_obligations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deletion_obligations_person_id"))
        batch_op.drop_index(batch_op.f("ix_deletion_obligations_partner_id"))

    op.drop_table("deletion_obligations")
    with op.batch_alter_table("thread_participants", schema=None) as batch_op:
        batch_op.drop_index("ix_thread_participants_person")

    op.drop_table("thread_participants")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_thread_sent")

    op.drop_table("messages")
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grants_person_id"))
        batch_op.drop_index(batch_op.f("ix_grants_partner_id"))

    op.drop_table("grants")
    with op.batch_alter_table("event_attendees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_attendees_event_id"))

    op.drop_table("event_attendees")
    op.drop_table("capabilities")
    op.drop_table("threads")
    op.drop_table("privacy_settings")
    with op.batch_alter_table("partner_status_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_status_history_partner_id"))

    op.drop_table("partner_status_history")
    with op.batch_alter_table("oauth_clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_clients_partner_id"))

    op.drop_table("oauth_clients")
    op.drop_table("friendships")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_owner_id"))

    op.drop_table("events")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_owner_id"))

    op.drop_table("contacts")
    op.drop_table("agreements")
    op.drop_table("purposes")
    op.drop_table("people")
    op.drop_table("partners")
    op.drop_table("changes")
