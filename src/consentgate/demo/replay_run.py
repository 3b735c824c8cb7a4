"""One replay run: consentgate's services on the simulated clock, and what each step does to them.

Every step goes through the services a server uses: agreements are signed and ended and partners
suspended by :class:`~consentgate.services.partners.PartnerService`; partners certify their use
through :class:`~consentgate.services.certifications.CertificationService`; people switch sharing
off through :class:`~consentgate.services.people.PeopleService` and consent through
:class:`~consentgate.services.grants.GrantService`; partners' requests go through
:class:`~consentgate.services.access.AccessService`; and findings are evaluated by
:class:`~consentgate.services.findings.FindingsService`, which also lets unused scopes lapse and
suspends partners whose certification is overdue, as it does in a server.
"""

from __future__ import annotations

import secrets
from bisect import insort
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from consentgate.demo.population import RECORD_TABLES
from consentgate.demo.replay_rows import Outcome, Table
from consentgate.demo.story import GRANT_DAYS, Ask, StoryPartner
from consentgate.demo.story import purposes as story_purposes
from consentgate.demo.timeline import READ_LIMIT, ReplayClock
from consentgate.demo.world import World
from consentgate.domain import Category, GrantScope, PartnerStatus, TokenContext
from consentgate.domain.findings import CertifiedUse
from consentgate.errors import Denied, Error, QuotaExceeded
from consentgate.policy.reasons import THIRD_PARTY_FILTERED
from consentgate.services.wiring import Running, Services
from consentgate.store.bulk import insert_rows

#: Tables of the world, in the order their foreign keys need.
_TABLES = ("people", "privacy_settings", *RECORD_TABLES)
#: A partner certifies again this long after its last certification (it is due after a year).
_RECERTIFY = timedelta(days=365)


@dataclass
class _Grant:
    id: str
    until: datetime


def certified_uses(partner: StoryPartner) -> tuple[CertifiedUse, ...]:
    """What the partner says it uses: its agreement's capabilities, or, for a partner that said it
    used the data only for a specific feature, only that feature's (its profile reads)."""
    return tuple(
        CertifiedUse(c.category, c.action, c.purpose, partner.story)
        for c in partner.capabilities
        if not partner.feature_only or c.category is Category.PROFILE
    )


class ReplayRun:
    """The services on the simulated clock, the grants each (partner, person) holds, the table."""

    def __init__(self, services: Services, clock: ReplayClock, world: World, seed: int) -> None:
        self.services = services
        self.clock = clock
        self.world = world
        self.seed = seed
        self.table = Table()
        self.grants: dict[tuple[str, str], _Grant] = {}
        self.certified: dict[str, datetime] = {}
        self.running: Running | None = None
        #: Each partner's app users, for telling its users from their friends.
        self.users = {pid: {p for p, _ in found} for pid, found in world.users.items()}

    # -- setting up ---------------------------------------------------------------------------

    def setup(self, cast: list[StoryPartner]) -> Running:
        for pid, description, use in story_purposes():
            self.services.partners.register_purpose(pid, description, use)
        for partner in cast:
            self.services.partners.register_partner(partner.id, partner.name, partner.kind)
        with self.services.db.begin() as conn:
            for table in _TABLES:
                insert_rows(conn, table, self.world.rows.get(table, []))
        running = self.running = self.services.start()
        running.decisions.load()  # the people were loaded in bulk, behind the change feed
        # The replay opens deletion obligations and evaluates findings itself, at each tick of its
        # clock: the server's threads would run at moments of real time, not of the story's.
        running.expiry.stop()
        running.findings.stop()
        return running

    # -- the partners' side -------------------------------------------------------------------

    def events(self, cast: list[StoryPartner], now: datetime, pool: ThreadPoolExecutor) -> None:
        """What the partners' deals and the people's settings did at ``now``."""
        partners = self.services.partners
        # One version per partner at a time: the signings are independent of one another.
        signing = [(p, t) for p in cast for t in p.terms if t.start == now]
        for _ in pool.map(
            lambda job: partners.sign_agreement(
                job[0].id, job[0].capabilities, valid_from=job[1].start, valid_until=job[1].until
            ),
            signing,
        ):
            pass
        for partner in cast:
            if any(t.ended == now for t in partner.terms):
                partners.end_agreement(partners.agreements_of(partner.id)[-1].id)
                self._drop_grants(partner.id)
            if partner.suspended == now:
                partners.set_status(partner.id, PartnerStatus.SUSPENDED, "agreement ended early")
                self._drop_grants(partner.id)
        for partner in cast:
            self.certify(partner)
        for person, when in sorted(self.world.switch_off.items()):
            if when == now:
                self.services.people.set_settings(person, share_with_partners=False)

    def certify(self, partner: StoryPartner) -> None:
        """The partner's yearly certification, when it is due and it has an agreement to certify
        against (a partner whose deal is over cannot certify, and is suspended for it)."""
        now = self.clock()
        last = self.certified.get(partner.id)
        if last is not None and now < last + _RECERTIFY:
            return
        if not any(t.start <= now < (t.ended or t.until) for t in partner.terms):
            return  # no agreement in force to certify against (the service would refuse)
        try:
            self.services.certifications.certify(partner.id, certified_uses(partner))
        except Error:  # no agreement in force: nothing to certify against
            return
        self.certified[partner.id] = now

    def evaluate(self, now: datetime) -> None:
        """Evaluate the findings at ``now``; each one raised is shown from the year first seen."""
        evaluation = self.services.findings.evaluate(now)
        for partner_id in evaluation.suspended:
            self._drop_grants(partner_id)
        for finding in evaluation.findings:
            self.table.raise_finding(
                finding.partner_id, finding.rule.value, finding.first_seen.year
            )

    def _drop_grants(self, partner_id: str) -> None:
        now = self.clock()
        for key, grant in self.grants.items():
            if key[0] == partner_id and grant.until > now:
                grant.until = now

    # -- the people's side --------------------------------------------------------------------

    def consent(self, partner: StoryPartner, person: str) -> None:
        """The app user goes through the consent screen for what the agreement in force covers,
        unless their grant still holds all of it (scopes unused for long lapse: then the app asks
        again)."""
        now = self.clock()
        offered = self._offered(partner, now)
        held = self.grants.get((partner.id, person))
        if not offered:
            return
        if (
            held is not None
            and held.until > now
            and offered <= self.services.grants.get_grant(held.id).scopes
        ):
            return
        text = f"{partner.name} asks to use: " + "; ".join(sorted(str(s) for s in offered))
        try:
            grant = self.services.grants.record_grant(
                person, partner.id, offered, receipt_text=text, days=GRANT_DAYS
            )
        except Error:  # the consent screen refused it (partner suspended, nothing covered)
            return
        self.grants[(partner.id, person)] = _Grant(grant.id, grant.expires_at)

    @staticmethod
    def _offered(partner: StoryPartner, now: datetime) -> frozenset[GrantScope]:
        """The scopes the partner asks its users for that an agreement in force at ``now`` has."""
        if not any(t.start <= now < (t.ended or t.until) for t in partner.terms):
            return frozenset()
        agreed = {c.key for c in partner.capabilities}
        return frozenset(
            GrantScope(a.category, a.action, a.purpose)
            for a in partner.asks
            if a.whose == "user" and (a.category, a.action, a.purpose) in agreed
        )

    # -- the requests -------------------------------------------------------------------------

    def token(self, partner: StoryPartner, person: str, ask: Ask) -> TokenContext:
        """The token the partner calls with: the person's latest grant to it, or none at all."""
        held = self.grants.get((partner.id, person))
        return TokenContext(
            token_id=secrets.token_hex(8),
            client_id=f"{partner.id}-app",
            partner_id=partner.id,
            person_id=person,
            grant_id=held.id if held else None,
            scopes=frozenset({GrantScope(ask.category, ask.action, ask.purpose)}),
            expires_at=self.clock() + timedelta(minutes=10),
        )

    def read(self, partner: StoryPartner, person: str, ask: Ask) -> Outcome:
        """One read: the 2017 platform's answer counted from the world, consentgate's decided."""
        now = self.clock()
        before = self.world.legacy.count(person, ask.category.value, now)
        assert self.running is not None
        try:
            got = self.running.access.read(
                self.token(partner, person, ask), ask.category, ask.purpose, limit=READ_LIMIT
            )
        except (Denied, QuotaExceeded) as refused:
            return Outcome(before, False, refused.reasons)
        reasons = (THIRD_PARTY_FILTERED,) if got.filtered else ()
        return Outcome(before, True, reasons, len(got.records), got.filtered, got.out_of_scope)

    def write(self, partner: StoryPartner, person: str, ask: Ask, thread: int) -> Outcome:
        """One message sent into ``thread``: the 2017 platform let every write in."""
        assert self.running is not None
        insort(self.world.legacy.thread_times[thread], self.clock().timestamp())
        try:
            self.running.access.write_message(
                self.token(partner, person, ask),
                thread,
                f"sent through {partner.name}",
                ask.purpose,
            )
        except (Denied, QuotaExceeded) as refused:
            return Outcome(0, False, refused.reasons)
        return Outcome(0, True, ())
