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
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from consentgate.config import Settings
from consentgate.demo.replay_rows import Table
from consentgate.demo.replay_run import ReplayRun
from consentgate.demo.story import START, Ask, StoryPartner, months, partners
from consentgate.demo.timeline import ReplayClock, TimedDataSource
from consentgate.demo.world import SESSION_MONTHS, World, build_world
from consentgate.domain import Action
from consentgate.errors import Conflict, InvalidInput
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.store.bulk import holds_data
from consentgate.store.migrate import upgrade
from consentgate.store.records import StoreDataSource

#: The size of the default world: the replay runs in under two minutes on two cores.
DEFAULT_PEOPLE = 150
#: The origin line of the replay's log: not the server's log, and signed with its own key.
REPLAY_ORIGIN = "replay.consentgate.invalid/log"
#: Days a granted scope may go unused before it lapses, in the replay (see :func:`run_replay`).
LAPSE_DAYS = 200
#: Findings are evaluated every this many months (in January and July).
EVALUATE_MONTHS = 6
#: Threads that send a tick's reads (their log appends share commits).
READERS = 8


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


def validate_replay_args(people: int, seed: int, small_partners: int = 150) -> None:
    """Refuse a world size or seed out of range, before anything is written."""
    if not 20 <= people <= 100_000:
        raise InvalidInput("--people must be between 20 and 100,000")
    if seed < 0:
        raise InvalidInput("--seed must not be negative")
    if not 0 <= small_partners <= 1000:
        raise InvalidInput("--smaller-partners must be between 0 and 1,000")


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


def _sessions(
    cast: list[StoryPartner], world: World, tick: int
) -> Iterator[tuple[StoryPartner, str]]:
    for partner in cast:
        for person, first in world.users[partner.id]:
            if tick >= first and (tick - first) % SESSION_MONTHS == 0:
                yield partner, person


def _requests(
    replay: ReplayRun, partner: StoryPartner, user: str, tick: int
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
) -> ReplayResult:
    """Replay the story into the fresh database of ``settings`` (see the module's docstring)."""
    validate_replay_args(people, seed, small_partners)
    # A session every six months stands for an app in use all along: its scopes lapse only when
    # unused for longer than that (the server's default is 90 days).
    settings = settings.model_copy(update={"scope_lapse_days": LAPSE_DAYS})
    db = open_fresh(settings)
    cast = partners(seed, small_partners)
    world = build_world(seed, people, cast)
    clock = ReplayClock(START - timedelta(days=1))
    services = Services(
        settings, db, clock=clock, data_source=TimedDataSource(StoreDataSource(db), clock)
    )
    run = ReplayRun(services, clock, world, seed)
    ticks = months()
    try:
        running = run.setup(cast)
        with ThreadPoolExecutor(READERS, thread_name_prefix="replay") as pool:
            for i, now in enumerate(ticks):
                clock.move_to(now)
                run.events(cast, now, pool)
                running.expiry.sweep()
                _tick(run, cast, i, pool)
                if now.month % EVALUATE_MONTHS == 1:
                    run.evaluate(now)
                if progress is not None:
                    progress(i + 1, len(ticks), now.strftime("%Y-%m"))
        running.log.integrate()
        log_size = running.log.checkpoint().size
    finally:
        if run.running is not None:
            run.running.stop()
        db.dispose()
    return ReplayResult(run.table, seed, people, len(cast), log_size, len(ticks))


def _tick(replay: ReplayRun, cast: list[StoryPartner], tick: int, pool: ThreadPoolExecutor) -> None:
    now = replay.clock()
    sessions = list(_sessions(cast, replay.world, tick))
    for partner, user in sessions:
        replay.consent(partner, user)
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
