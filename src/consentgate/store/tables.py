"""The schema: SQLAlchemy Core tables on one ``metadata``. Nothing PostgreSQL- or SQLite-only.

Alembic migrations in ``store/migrations`` create these; the migration tests compare the two.
Identifiers are short strings chosen by the service layer (readable in logs and URLs); reference
data rows (contacts, messages, …) use integers because there are many of them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from consentgate.store.types import NameSet, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(64)
#: A 64-bit integer key (SQLite only autoincrements INTEGER PRIMARY KEY, hence the variant).
BIG_ID = BigInteger().with_variant(Integer, "sqlite")

# --- people and settings -------------------------------------------------------------------------
people = Table(
    "people",
    metadata,
    Column("id", ID, primary_key=True),
    Column("handle", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(200)),
    Column("birth_year", Integer),
    Column("city", String(100)),
    Column("bio", Text),
    Column("created_at", UTCDateTime, nullable=False),
)

privacy_settings = Table(
    "privacy_settings",
    metadata,
    Column("person_id", ID, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("share_with_partners", Boolean, nullable=False, default=False),
    Column("categories", NameSet, nullable=False, default=frozenset()),
    Column("via_others", NameSet, nullable=False, default=frozenset()),
    Column("updated_at", UTCDateTime, nullable=False),
)

# --- partners, purposes, agreements -------------------------------------------------------------
partners = Table(
    "partners",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(100), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

partner_status_history = Table(
    "partner_status_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("partner_id", ID, ForeignKey("partners.id"), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
)

purposes = Table(
    "purposes",
    metadata,
    Column("id", ID, primary_key=True),
    Column("description", Text, nullable=False),
    Column("data_use", String(64), nullable=False),
)

agreements = Table(
    "agreements",
    metadata,
    Column("id", ID, primary_key=True),
    Column("partner_id", ID, ForeignKey("partners.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("valid_from", UTCDateTime, nullable=False),
    Column("valid_until", UTCDateTime, nullable=False),
    Column("retention_days", Integer, nullable=False),
    Column("signed_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    UniqueConstraint("partner_id", "version"),
)

capabilities = Table(
    "capabilities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("agreement_id", ID, ForeignKey("agreements.id"), nullable=False),
    Column("category", String(32), nullable=False),
    Column("action", String(16), nullable=False),
    Column("purpose_id", ID, ForeignKey("purposes.id"), nullable=False),
    Column("fields", NameSet, nullable=False),
    Column("scope", String(32), nullable=False),
    Column("quota_max_requests", Integer),
    Column("quota_window_seconds", Integer),
    UniqueConstraint("agreement_id", "category", "action", "purpose_id"),
)

# --- grants and consent ---------------------------------------------------------------------------
oauth_clients = Table(
    "oauth_clients",
    metadata,
    Column("client_id", ID, primary_key=True),
    Column("partner_id", ID, ForeignKey("partners.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("secret_hash", String(200), nullable=False),
    Column("redirect_uris", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("secret_rotated_at", UTCDateTime),
)

grants = Table(
    "grants",
    metadata,
    Column("id", ID, primary_key=True),
    Column("person_id", ID, ForeignKey("people.id"), nullable=False, index=True),
    Column("partner_id", ID, ForeignKey("partners.id"), nullable=False, index=True),
    Column("client_id", ID, ForeignKey("oauth_clients.client_id")),
    Column("agreement_id", ID, ForeignKey("agreements.id"), nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    # Indexed: the expiry sweeper asks for the next grant to end, and for those that ended.
    Column("expires_at", UTCDateTime, nullable=False, index=True),
    Column("revoked_at", UTCDateTime),
    Column("receipt_hash", String(64), nullable=False),
    Column("receipt_text", Text, nullable=False),
)

grant_scopes = Table(
    "grant_scopes",
    metadata,
    Column("grant_id", ID, ForeignKey("grants.id", ondelete="CASCADE"), primary_key=True),
    Column("category", String(32), primary_key=True),
    Column("action", String(16), primary_key=True),
    Column("purpose_id", ID, ForeignKey("purposes.id"), primary_key=True),
    # Set when the scope lapsed unused (migration 0010): the grant no longer covers it.
    Column("lapsed_at", UTCDateTime),
)

oauth_codes = Table(
    "oauth_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("client_id", ID, ForeignKey("oauth_clients.client_id"), nullable=False),
    Column("person_id", ID, ForeignKey("people.id"), nullable=False),
    Column("grant_id", ID, ForeignKey("grants.id"), nullable=False),
    Column("redirect_uri", Text, nullable=False),
    Column("code_challenge", String(128), nullable=False),
    Column("code_challenge_method", String(16), nullable=False),
    Column("authorization_details", Text, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
)

oauth_tokens = Table(
    "oauth_tokens",
    metadata,
    Column("id", ID, primary_key=True),
    Column("access_token_hash", String(64), nullable=False, unique=True),
    Column("refresh_token_hash", String(64), unique=True),
    Column("family_id", ID, nullable=False, index=True),
    Column("client_id", ID, ForeignKey("oauth_clients.client_id"), nullable=False),
    Column("person_id", ID, ForeignKey("people.id"), nullable=False),
    Column("grant_id", ID, ForeignKey("grants.id"), nullable=False, index=True),
    Column("authorization_details", Text, nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("access_expires_at", UTCDateTime, nullable=False),
    Column("refresh_expires_at", UTCDateTime),
    Column("refresh_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)

deletion_obligations = Table(
    "deletion_obligations",
    metadata,
    Column("id", ID, primary_key=True),
    Column("partner_id", ID, ForeignKey("partners.id"), nullable=False, index=True),
    Column("person_id", ID, ForeignKey("people.id"), nullable=False, index=True),
    Column("grant_id", ID, ForeignKey("grants.id"), nullable=False),
    Column("category", String(32), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("confirmed_at", UTCDateTime),
    UniqueConstraint("grant_id", "category"),
)

#: The change feed: every write that can change a decision appends a row here in the same
#: transaction, so other server processes can bring their decision index up to date.
changes = Table(
    "changes",
    metadata,
    Column("seq", BIG_ID, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("person_id", ID),
    Column("partner_id", ID),
    Column("ref_id", ID),
    Column("at", UTCDateTime, nullable=False),
)

# --- the reference data source --------------------------------------------------------------------
contacts = Table(
    "contacts",
    metadata,
    Column("id", BIG_ID, primary_key=True),
    Column("owner_id", ID, ForeignKey("people.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("email", String(200)),
    Column("phone", String(40)),
    Column("linked_person_id", ID, ForeignKey("people.id")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by_partner", ID, ForeignKey("partners.id")),
)

friendships = Table(
    "friendships",
    metadata,
    Column("person_id", ID, ForeignKey("people.id"), primary_key=True),
    Column("friend_id", ID, ForeignKey("people.id"), primary_key=True),
    Column("since", UTCDateTime, nullable=False),
)

threads = Table(
    "threads",
    metadata,
    Column("id", BIG_ID, primary_key=True),
    Column("subject", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by_partner", ID, ForeignKey("partners.id")),
)

thread_participants = Table(
    "thread_participants",
    metadata,
    Column(
        "thread_id",
        BIG_ID,
        ForeignKey("threads.id"),
        primary_key=True,
    ),
    Column("person_id", ID, ForeignKey("people.id"), primary_key=True),
    Index("ix_thread_participants_person", "person_id"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", BIG_ID, primary_key=True),
    Column(
        "thread_id",
        BIG_ID,
        ForeignKey("threads.id"),
        nullable=False,
    ),
    Column("sender_id", ID, ForeignKey("people.id"), nullable=False),
    Column("body", Text, nullable=False),
    Column("sent_at", UTCDateTime, nullable=False),
    Column("created_by_partner", ID, ForeignKey("partners.id")),
    Index("ix_messages_thread_sent", "thread_id", "sent_at"),
)

events = Table(
    "events",
    metadata,
    Column("id", BIG_ID, primary_key=True),
    Column("owner_id", ID, ForeignKey("people.id"), nullable=False, index=True),
    Column("title", String(200), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("location", String(200)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by_partner", ID, ForeignKey("partners.id")),
)

event_attendees = Table(
    "event_attendees",
    metadata,
    Column("id", BIG_ID, primary_key=True),
    Column(
        "event_id",
        BIG_ID,
        ForeignKey("events.id"),
        nullable=False,
        index=True,
    ),
    Column("person_id", ID, ForeignKey("people.id")),
    Column("name", String(200), nullable=False),
    Column("email", String(200)),
)


# --- the transparency log (store/log.py) ---------------------------------------------------------
#: Log indexes and sizes are 64-bit; on SQLite an INTEGER primary key is the fast rowid.
INDEX = BigInteger().with_variant(Integer, "sqlite")

log_entries = Table(
    "log_entries",
    metadata,
    Column("idx", INDEX, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

log_tiles = Table(
    "log_tiles",
    metadata,
    Column("level", Integer, nullable=False),
    Column("idx", BigInteger, nullable=False),
    Column("width", Integer, nullable=False),
    Column("hashes", LargeBinary, nullable=False),
    Column("inner", LargeBinary, nullable=False),
    PrimaryKeyConstraint("level", "idx"),
)

log_checkpoints = Table(
    "log_checkpoints",
    metadata,
    Column("size", INDEX, primary_key=True, autoincrement=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("note", LargeBinary, nullable=False),
    Column("signed_at", UTCDateTime, nullable=False),
)


# --- who was in each access, the index behind a person's history (store/history.py) ---------------
access_subjects = Table(
    "access_subjects",
    metadata,
    Column("log_index", BigInteger, primary_key=True),
    Column("person_id", ID, primary_key=True),
    Column("role", String(16), nullable=False),
    Column("partner_id", ID, nullable=False),
    Column("category", String(32), nullable=False),
    Column("action", String(16), nullable=False),
    Column("purpose", ID, nullable=False),
    Column("decision", String(8), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    # Copied from the access entry (migration 0007); null on rows written before it.
    Column("reasons", Text),
    Column("records_returned", Integer),
    Index("ix_access_subjects_person_index", "person_id", "log_index"),
    # The console's last access and activity per partner, and the findings' aggregates
    # (migration 0009).
    Index("ix_access_subjects_partner_at", "partner_id", "at"),
)


# --- sign-in state shared by every server process (store/signin.py) -----------------------------
sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("subject_kind", String(16), nullable=False),
    Column("subject_id", ID, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_sessions_subject", "subject_kind", "subject_id"),
)

login_throttle = Table(
    "login_throttle",
    metadata,
    Column("scope", String(16), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", UTCDateTime, nullable=False),
    Index("ix_login_throttle_last_failure_at", "last_failure_at"),
)


# --- staff accounts, their API tokens and the audit trail (store/staff.py) -------------------------
staff = Table(
    "staff",
    metadata,
    Column("id", ID, primary_key=True),
    Column("handle", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(256), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime),
)

staff_tokens = Table(
    "staff_tokens",
    metadata,
    Column("id", ID, primary_key=True),
    Column("staff_id", ID, ForeignKey("staff.id"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    # SHA-256 of the token: a copy of the table opens nothing.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    UniqueConstraint("staff_id", "name"),
)

#: Every write asked of the admin API or the console by a staff member or token, done or refused.
staff_audit = Table(
    "staff_audit",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(160), nullable=False),
    Column("role", String(16), nullable=False),
    Column("method", String(16), nullable=False),
    Column("target", String(512), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("status", Integer, nullable=False),
)

#: Full verifications of the log run from the console: when, by whom, and what they found.
log_verifications = Table(
    "log_verifications",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("started_by", String(160), nullable=False),
    Column("finished_at", UTCDateTime),
    Column("size", BigInteger),
    Column("ok", Boolean),
    Column("message", Text),
)


# --- findings, certifications and exposure snapshots (store/findings.py, migration 0010) --------
findings = Table(
    "findings",
    metadata,
    Column("id", ID, primary_key=True),
    Column("rule", String(40), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("subject_kind", String(16), nullable=False),
    Column("subject_id", ID, nullable=False),
    Column("partner_id", ID, nullable=False, index=True),
    Column("key", String(200), nullable=False),
    Column("summary", Text, nullable=False),
    Column("suggested_action", Text, nullable=False),
    # JSON: {"counts": {...}, "log_indexes": [...], "refs": [...]}
    Column("evidence", Text, nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime),
    Column("ack_by", String(200)),
    Column("ack_at", UTCDateTime),
    Column("ack_note", Text),
)

finding_runs = Table(
    "finding_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("observed", Integer, nullable=False),
    Column("seconds", Float, nullable=False),
)

certifications = Table(
    "certifications",
    metadata,
    Column("id", ID, primary_key=True),
    Column("partner_id", ID, ForeignKey("partners.id"), nullable=False, index=True),
    Column("agreement_id", ID, ForeignKey("agreements.id"), nullable=False),
    Column("certified_at", UTCDateTime, nullable=False),
    Column("via", String(16), nullable=False),
)

certified_uses = Table(
    "certified_uses",
    metadata,
    Column(
        "certification_id",
        ID,
        ForeignKey("certifications.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("category", String(32), primary_key=True),
    Column("action", String(16), primary_key=True),
    Column("purpose_id", ID, primary_key=True),
    Column("why", Text, nullable=False),
    Column("monthly_requests", Integer),
)

#: How many people a partner could reach per category at a moment (the exposure_spike rule).
exposure_snapshots = Table(
    "exposure_snapshots",
    metadata,
    Column("partner_id", ID, primary_key=True),
    Column("category", String(32), primary_key=True),
    Column("taken_at", UTCDateTime, primary_key=True),
    Column("people", Integer, nullable=False),
)
