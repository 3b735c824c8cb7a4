"""``consentgate demo replay``: the 2010–2018 story, request by request, through consentgate.

The replay builds the story's world (:mod:`consentgate.demo.story`, :mod:`consentgate.demo.world`)
in a fresh database and moves a simulated clock a month at a time from 2010 to 2018. At each tick,
what happened then happens through consentgate's services: agreements are signed and ended,
partners suspended, people switch sharing off, app users go through the consent screen (a grant,
logged) and the partners make the requests the story says they made. Each request is a call of
:class:`~consentgate.services.access.AccessService`, the data API's own use case: the engine
decides from its index, the obligations filter other people's data, and the decision is appended
to the transparency log, durably, before anything is counted as having left.

The 2017 platform's answer to the same request is counted from the world itself: everything the
person had in that category at that moment (:class:`~consentgate.demo.world.Legacy`).

Determinism: everything comes from the seed; within a tick, grants and writes run one by one, and
only reads (which change nothing another read of the same tick sees) run on a few threads.
"""

from __future__ import annotations

import random
import secrets
from bisect import insort
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from consentgate.config import Settings
from consentgate.demo.replay_rows import Outcome, Table
from consentgate.demo.story import GRANT_DAYS, START, Ask, StoryPartner, months, partners
from consentgate.demo.story import purposes as story_purposes
from consentgate.demo.timeline import READ_LIMIT, ReplayClock, TimedDataSource
from consentgate.demo.world import SESSION_MONTHS, World, build_world
from consentgate.domain import Action, GrantScope, PartnerStatus, TokenContext
from consentgate.errors import Conflict, Denied, Error, InvalidInput, QuotaExceeded
from consentgate.policy.reasons import THIRD_PARTY_FILTERED
from consentgate.services.wiring import Running, Services
from consentgate.store import Database
from consentgate.store.bulk import holds_data, insert_rows
from consentgate.store.migrate import upgrade
from consentgate.store.records import StoreDataSource

#: The size of the default world: the replay runs in under two minutes on two cores.
DEFAULT_PEOPLE = 300
#: The origin line of the replay's log: not the server's log, and signed with its own key.
REPLAY_ORIGIN = "replay.consentgate.invalid/log"
#: Threads that send a tick's reads (their log appends share commits).
READERS = 8
#: Tables of the world, in the order their foreign keys need.
_TABLES = (
    "people",
    "privacy_settings",
    "friendships",
    "contacts",
    "threads",
    "thread_participants",
    "messages",
    "events",
    "event_attendees",
)


@dataclass(frozen=True)
class RaisedFinding:
    """A finding about a partner, as the replay shows it: its rule and the partner."""

    rule: str
    partner_id: str


class FindingsSource(Protocol):
    """The findings consentgate raises at ``at`` (computed by the findings service)."""

    def __call__(self, services: Services, at: datetime) -> Iterable[RaisedFinding]: ...


#: Progress: (ticks done, ticks in all, what the tick is).
Progress = Callable[[int, int, str], None]


@dataclass
class ReplayResult:
    table: Table
    seed: int
    people: int
    partners: int
    log_size: int
    ticks: int


def validate_replay_args(people: int, seed: int) -> None:
    """Refuse a world size or seed out of range, before anything is written."""
    if not 20 <= people <= 100_000:
        raise InvalidInput("--people must be between 20 and 100,000")
    if seed < 0:
        raise InvalidInput("--seed must not be negative")


def open_fresh(settings: Settings) -> Database:
    """The database of ``settings``, migrated, if it holds nothing yet; else :class:`Conflict`."""
    db = Database.connect(settings.database_url)
    with db.read() as conn:
        used = holds_data(conn)
    if used:
        db.dispose()
        raise Conflict(
            "the database is not empty; the replay needs a fresh one: "
            "give --database URL of an empty database (e.g. sqlite:///var/replay.db)"
        )
    upgrade(db)
    return db


@dataclass
class _Grant:
    id: str
    until: datetime


class _Replay:
    """One run: the services on the simulated clock, and the grants each pair holds."""

    def __init__(self, services: Services, clock: ReplayClock, world: World, seed: int) -> None:
        self.services = services
        self.clock = clock
        self.world = world
        self.seed = seed
        self.table = Table()
        self.grants: dict[tuple[str, str], _Grant] = {}
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
        # The replay opens deletion obligations itself, at each tick of its clock (the sweeper's
        # thread would wake at moments of real time, not of the story's).
        running.expiry.stop()
        return running

    # -- one tick ------------------------------------------------------------------------------

    def events(self, cast: list[StoryPartner], now: datetime, pool: ThreadPoolExecutor) -> None:
        """What the partners' deals and the people's settings did at ``now``."""
        partners = self.services.partners
        signing = [
            (p, t) for p in cast for t in p.terms if t.start == now
        ]  # one version per partner at a time: independent of one another
        for _ in pool.map(
            lambda job: partners.sign_agreement(
                job[0].id, job[0].capabilities, valid_from=job[1].start, valid_until=job[1].until
            ),
            signing,
        ):
            pass
        for partner in cast:
            for term in partner.terms:
                if term.ended == now:
                    current = partners.agreements_of(partner.id)[-1]
                    partners.end_agreement(current.id)
                    self._drop_grants(partner.id)
            if partner.suspended == now:
                partners.set_status(partner.id, PartnerStatus.SUSPENDED, "agreement ended early")
                self._drop_grants(partner.id)
        for person, when in sorted(self.world.switch_off.items()):
            if when == now:
                self.services.people.set_settings(person, share_with_partners=False)

    def _drop_grants(self, partner_id: str) -> None:
        now = self.clock()
        for key, grant in self.grants.items():
            if key[0] == partner_id and grant.until > now:
                grant.until = now

    def consent(self, partner: StoryPartner, person: str) -> None:
        """The app user goes through the consent screen for what the agreement in force covers."""
        now = self.clock()
        held = self.grants.get((partner.id, person))
        if held is not None and held.until > now:
            return
        asked = {
            GrantScope(a.category, a.action, a.purpose) for a in partner.asks if a.whose == "user"
        }
        offered = frozenset(
            s
            for s in asked
            if any(c.key == (s.category, s.action, s.purpose) for c in partner.capabilities)
            and any(
                t.start <= now < t.until and (t.ended is None or now < t.ended)
                for t in partner.terms
            )
        )
        if not offered or (partner.suspended is not None and now >= partner.suspended):
            return
        text = f"{partner.name} asks to use: " + "; ".join(sorted(str(s) for s in offered))
        try:
            grant = self.services.grants.record_grant(
                person, partner.id, offered, receipt_text=text, days=GRANT_DAYS
            )
        except Error:  # the consent screen refused it (no agreement covers it): no grant
            return
        self.grants[(partner.id, person)] = _Grant(grant.id, grant.expires_at)

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
        assert self.running is not None
        now = self.clock()
        insort(self.world.legacy.thread_times[thread], now.timestamp())  # 2017: every write went in
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


def _sessions(
    cast: list[StoryPartner], world: World, tick: int
) -> Iterator[tuple[StoryPartner, str]]:
    for partner in cast:
        for person, first in world.users[partner.id]:
            if tick >= first and (tick - first) % SESSION_MONTHS == 0:
                yield partner, person


def _requests(
    replay: _Replay, partner: StoryPartner, user: str, tick: int
) -> Iterator[tuple[Ask, str]]:
    """The requests of one session: (ask, whose data)."""
    world = replay.world
    rng = random.Random(f"{replay.seed}/{partner.id}/{user}/{tick}")
    for ask in partner.asks:
        if ask.whose == "user":
            yield ask, user
            continue
        others = [f for f in world.friends.get(user, []) if f not in replay.users[partner.id]]
        if others:
            yield ask, rng.choice(others)


def run_replay(
    settings: Settings,
    *,
    seed: int,
    people: int,
    small_partners: int = 150,
    progress: Progress | None = None,
    findings: FindingsSource | None = None,
) -> ReplayResult:
    """Replay the story into the fresh database of ``settings`` (see the module's docstring)."""
    validate_replay_args(people, seed)
    db = open_fresh(settings)
    cast = partners(seed, small_partners)
    world = build_world(seed, people, cast)
    clock = ReplayClock(START - timedelta(days=1))
    services = Services(
        settings, db, clock=clock, data_source=TimedDataSource(StoreDataSource(db), clock)
    )
    replay = _Replay(services, clock, world, seed)
    ticks = months()
    try:
        running = replay.setup(cast)
        with ThreadPoolExecutor(READERS, thread_name_prefix="replay-read") as pool:
            for i, now in enumerate(ticks):
                clock.move_to(now)
                replay.events(cast, now, pool)
                running.expiry.sweep()
                _tick(replay, cast, i, pool)
                if now.month == 12 and findings is not None:
                    _findings(replay, findings, now)
                if progress is not None:
                    progress(i + 1, len(ticks), now.strftime("%Y-%m"))
        replay.table.findings_computed = findings is not None
        running.log.integrate()
        log_size = running.log.checkpoint().size
    finally:
        if replay.running is not None:
            replay.running.stop()
        db.dispose()
    return ReplayResult(replay.table, seed, people, len(cast), log_size, len(ticks))


def _tick(replay: _Replay, cast: list[StoryPartner], tick: int, pool: ThreadPoolExecutor) -> None:
    now = replay.clock()
    sessions = list(_sessions(cast, replay.world, tick))
    # Each session's consent is its own (partner, person): they may run side by side.
    for _ in pool.map(lambda job: replay.consent(*job), sessions):
        pass
    reads: list[tuple[StoryPartner, str, Ask]] = []
    for partner, user in sessions:
        for ask, whose in _requests(replay, partner, user, tick):
            if ask.action is Action.READ:
                reads.append((partner, whose, ask))
                continue
            threads = replay.world.legacy.threads_of.get(whose)
            if threads:  # a partner writes into a conversation the person takes part in
                outcome = replay.write(partner, whose, ask, threads[0])
                replay.table.row(partner, ask.category.value, ask.action.value, ask.purpose).add(
                    outcome, now
                )
                replay.table.count_year(now, outcome)
    outcomes = pool.map(lambda job: replay.read(*job), reads)
    for (partner, _, ask), outcome in zip(reads, outcomes, strict=True):
        replay.table.row(partner, ask.category.value, ask.action.value, ask.purpose).add(
            outcome, now
        )
        replay.table.count_year(now, outcome)


def _findings(replay: _Replay, findings: FindingsSource, at: datetime) -> None:
    for found in findings(replay.services, at):
        replay.table.raise_finding(found.partner_id, found.rule, replay.clock().year)
