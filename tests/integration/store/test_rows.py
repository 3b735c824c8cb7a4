"""The statements every repository shares (``store.rows``), on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from consentgate.domain import Partner
from consentgate.domain.staff import ApiToken, Role, StaffMember
from consentgate.store import Database, rows
from consentgate.store import partners as partner_store
from consentgate.store import staff as staff_store
from consentgate.store.tables import partners, staff_tokens

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _token(token_id: str, staff_id: str, revoked_at: datetime | None = None) -> ApiToken:
    return ApiToken(
        id=token_id,
        staff_id=staff_id,
        name=token_id,
        role=Role.AUDITOR,
        created_at=T0,
        expires_at=T0 + timedelta(days=30),
        revoked_at=revoked_at,
    )


def test_revoke_stamps_only_the_matching_rows_not_yet_revoked(database: Database) -> None:
    earlier = T0 + timedelta(hours=1)
    later = T0 + timedelta(hours=2)
    with database.begin() as conn:
        for member_id in ("s1", "s2"):
            member = StaffMember(id=member_id, handle=member_id, role=Role.ADMIN, created_at=T0)
            staff_store.insert_staff(conn, member, "hash")
        staff_store.insert_token(conn, _token("t1", "s1"), "h1")
        staff_store.insert_token(conn, _token("t2", "s1", revoked_at=earlier), "h2")
        staff_store.insert_token(conn, _token("t3", "s2"), "h3")

        assert rows.revoke(conn, staff_tokens, later, staff_tokens.c.staff_id == "s1") == 1
        assert rows.revoke(conn, staff_tokens, later, staff_tokens.c.staff_id == "s1") == 0

        revoked = {t.id: t.revoked_at for t in staff_store.tokens_of(conn, "s1")}
        assert revoked == {"t1": later, "t2": earlier}
        assert [t.revoked_at for t in staff_store.tokens_of(conn, "s2")] == [None]


def test_one_finds_a_row_by_its_key_and_every_lists_them_in_order(database: Database) -> None:
    with database.begin() as conn:
        for partner_id in ("zeta", "alpha", "mid"):
            partner_store.insert_partner(conn, Partner(partner_id, partner_id.title(), "app"), T0)

        found = rows.one(conn, partners.c.id, "mid", rows.partner)
        assert found == Partner("mid", "Mid", "app")
        assert rows.one(conn, partners.c.id, "absent", rows.partner) is None

        listed = rows.every(conn, partners, rows.partner, partners.c.id)
        assert [p.id for p in listed] == ["alpha", "mid", "zeta"]
