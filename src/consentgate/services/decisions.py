"""The decision service: owns the in-memory decision index and keeps it coherent with the store.

- :meth:`DecisionService.load` builds the index from the store in bulk (at start);
- :meth:`DecisionService.apply_changes` is the write-through hook (a ``ChangeListener``): the
  services hand it each committed transaction's changes, so the very next decision in this
  process sees the write (no stale window);
- once following the store (:meth:`start`), :meth:`decide` first reads the change feed's
  high-water mark (one cheap read, :class:`~consentgate.store.changes.FeedWatermark`) and catches
  up when another process committed a change, so a decision reflects every write committed in
  any process before it was asked for: no stale window. A background thread also reads the feed
  every ``change_poll_seconds``, so an idle process does not fall far behind;
- :meth:`explain` and the exposure queries read the index only;
- when the index may have missed a write (a write-through that failed, or a feed that cannot be
  read), :meth:`decide` denies with ``engine.error`` until it has caught up: fail closed.

Failing closed lives here, not in the engine: the engine is typed and raises on what it cannot
evaluate, and :meth:`decide` and :meth:`explain` turn any exception into an ``engine.error`` deny.
Every exception that leads to such a deny is logged with its cause, so operators see why.

Applying a change re-reads the current state of the keys it names (a partner, a person's settings,
a person's grants to a partner), so applying a change twice or out of order is harmless; changes
are applied under one lock so an older read never overwrites a newer one.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection

from consentgate.domain import Category, parse_action, parse_category
from consentgate.domain.clock import Clock, system_clock
from consentgate.errors import InvalidInput, NotFound
from consentgate.policy import (
    Access,
    Decision,
    DecisionIndex,
    DecisionRequest,
    Engine,
    ExposurePage,
    GrantRow,
    QuotaCounter,
    partner_exposure_count,
    partner_exposure_page,
    partner_grantees,
    person_exposure,
)
from consentgate.policy.decision import ERROR
from consentgate.policy.explain import Explanation, explain, unevaluated
from consentgate.policy.index import settings_masks
from consentgate.services import metrics
from consentgate.services.base import ChangeKind
from consentgate.store import Database
from consentgate.store import policy_source as source
from consentgate.store.changes import (
    FEED_PAGE,
    Change,
    FeedWatermark,
    changes_after,
    last_seq,
)

#: Above this many people's grants to one partner in one batch, re-read the partner's grants at once.
_BULK_PAIRS = 50
#: From this many people on, the loaded index is frozen out of the garbage collector's sight.
_FREEZE_PEOPLE = 100_000
#: The largest page of an exposure list.
MAX_LIMIT = 1000

log = logging.getLogger(__name__)

#: Changes that no decision depends on.
_NOT_DECISIONS = frozenset({ChangeKind.OBLIGATION, ChangeKind.FINDING, ChangeKind.CERTIFICATION})


class DecisionService:
    """Decisions, explanations and exposure, from an index that follows the store."""

    def __init__(
        self,
        db: Database,
        clock: Clock = system_clock,
        *,
        poll_seconds: float = 0.25,
        index: DecisionIndex | None = None,
        quotas: QuotaCounter | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.index = index if index is not None else DecisionIndex()
        self.engine = Engine(self.index, quotas)
        self._watermark: FeedWatermark | None = None  # set while following the store
        self._lock = threading.RLock()
        self._seq = 0  # every change up to here is applied
        self._applied: set[int] = set()  # changes above ``_seq`` applied by write-through
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: Set when a committed change could not be applied: deny until a sync catches up.
        self._behind = False
        self._last_sync = time.monotonic()

    # -- loading and following the store -----------------------------------------------------

    def load(self) -> None:
        """Build the whole index from the store (at start)."""
        with self._lock, self.db.read() as conn:
            seq = last_seq(conn)  # first: anything later is replayed by the feed
            index = DecisionIndex()
            index.put_purposes(source.purpose_ids(conn))
            for pid, status, agreements in source.partner_states(conn):
                index.put_partner(pid, status, agreements)
            index.load_settings(settings_masks(source.person_settings(conn)))
            index.load_grants(source.grant_rows(conn))
            index.prime(self.clock().timestamp())
            self._swap(index)
            self._seq, self._applied = seq, set()
        if len(index.settings) >= _FREEZE_PEOPLE:
            # A big index lives as long as the process: move it out of the collector's way, so
            # full collections do not walk millions of entries (and pause decisions) again.
            gc.collect()
            gc.freeze()

    def load_keys(
        self,
        *,
        people: Iterable[str] = (),
        partners: Iterable[str] = (),
        all_partners: bool = False,
    ) -> None:
        """Load only what decisions about ``people`` and ``partners`` need (the CLI's quick path)."""
        with self._lock, self.db.read() as conn:
            self._seq = last_seq(conn)
            self.index.put_purposes(source.purpose_ids(conn))
            partner_ids = set(partners)
            if all_partners:
                for pid, status, agreements in source.partner_states(conn):
                    self.index.put_partner(pid, status, agreements)
            for pid in partner_ids:
                self._reload_partner(conn, pid)
                for person_id, mask in settings_masks(source.settings_of_partner_people(conn, pid)):
                    self.index.set_mask(person_id, mask)
                rows = list(source.grant_rows(conn, partner_id=pid))
                self.index.grants.get(pid, {}).clear()
                self.index.load_grants(rows)
            for person in people:
                self._reload_person(conn, person, None)

    def _swap(self, index: DecisionIndex) -> None:
        # The engine reads ``self.index`` through ``engine.index``: one assignment switches both.
        self.index = index
        self.engine.index = index

    def apply_changes(self, changes: Iterable[Change]) -> None:
        """Write-through hook (a ``ChangeListener``): apply committed changes now (coalesced: each
        key is re-read once)."""
        changes = list(changes)
        if not changes:
            return
        try:
            with self._lock, self.db.read() as conn:
                self._apply(conn, changes)
                for change in changes:
                    if change.seq > self._seq:
                        self._applied.add(change.seq)
                self._advance()
        except Exception:  # the write is committed; the index is not: fail closed until a sync
            self._behind = True
            log.exception(
                "committed changes (seq %s) could not reach the decision index; every decision is "
                "denied with engine.error until the change feed catches up",
                ", ".join(str(c.seq) for c in changes),
            )

    def sync(self, trigger: str = "poll") -> int:
        """Apply every change in the feed not applied yet; returns how many were applied.
        ``trigger`` names what asked, for the catch-up count (``services.metrics``)."""
        applied = 0
        with self._lock, self.db.read() as conn:
            while True:  # page by page, in one snapshot, until the feed's end
                read = changes_after(conn, self._seq)
                fresh = [c for c in read if c.seq not in self._applied]
                self._apply(conn, fresh)
                applied += len(fresh)
                if read:
                    # Feed rows commit in sequence order (store.changes): a number below the
                    # highest one read that is not there was rolled back; it is skipped at once.
                    self._seq = read[-1].seq
                    self._applied = {seq for seq in self._applied if seq > self._seq}
                if len(read) < FEED_PAGE:
                    break
            self._advance()
            self._behind = False
            self._last_sync = time.monotonic()
        if applied:
            metrics.FRESHNESS_CATCHUPS.labels(trigger).inc()
        return applied

    def refresh(self) -> None:
        """Catch up with every change committed in any process before now: one read of the
        feed's high-water mark, and a :meth:`sync` only when it moved, or when changes applied
        by write-through wait above a gap. :class:`Unavailable` when the feed cannot be read."""
        watermark = self._watermark
        if watermark is None:
            return
        top = watermark.read()
        if top > self._seq or self._applied or self._behind:
            self.sync("request")
        self._last_sync = time.monotonic()

    @property
    def current(self) -> bool:
        """Whether decisions may be trusted: no failed write-through, and (when following the
        feed) a successful read of it within ``max(2 s, 8 polls)``."""
        if self._behind:
            return False
        if self._thread is None:
            return True
        return time.monotonic() - self._last_sync <= max(2.0, 8 * self.poll_seconds)

    def _advance(self) -> None:
        """Move ``_seq`` over the changes write-through applied in order. One applied above a
        gap (another thread's commit whose hook has not run yet) waits for the next
        :meth:`sync`, which reads the feed and settles the gap: the next :meth:`refresh` asks
        for one while any wait."""
        while self._seq + 1 in self._applied:
            self._seq += 1
            self._applied.discard(self._seq)

    def _apply(self, conn: Connection, changes: list[Change]) -> None:
        partners: set[str] = set()
        people: set[str] = set()  # settings and every grant re-read
        pairs: dict[str, set[str]] = {}  # partner → people whose grants to it are re-read
        purposes = False
        for c in changes:
            if c.kind in _NOT_DECISIONS:
                continue  # deletion obligations, findings and certifications decide nothing
            if c.kind == ChangeKind.PURPOSE or (c.person_id is None and c.partner_id is None):
                purposes = True
            if c.partner_id is not None and c.person_id is None:
                partners.add(c.partner_id)
            if c.person_id is not None:
                if c.kind == ChangeKind.GRANT and c.partner_id is not None:
                    pairs.setdefault(c.partner_id, set()).add(c.person_id)
                else:
                    people.add(c.person_id)
        if purposes:
            self.index.put_purposes(source.purpose_ids(conn))
        for pid in partners:
            self._reload_partner(conn, pid)
        for person in people:
            self._reload_person(conn, person, None)
        for partner_id, persons in pairs.items():
            self._reload_grants(conn, partner_id, persons - people)

    def _reload_grants(self, conn: Connection, partner_id: str, persons: set[str]) -> None:
        """Re-read the grants ``persons`` gave ``partner_id``: one query for many (a suspension
        revokes every grant of a partner at once), one query per person for a few."""
        if len(persons) > _BULK_PAIRS:
            rows: dict[str, list[GrantRow]] = {}
            for row in source.grant_rows(conn, partner_id=partner_id):
                if row.person_id in persons:
                    rows.setdefault(row.person_id, []).append(row)
            for person in persons:
                self.index.put_grants(person, partner_id, rows.get(person, []))
            return
        for person in persons:
            found = list(source.grant_rows(conn, person_id=person, partner_id=partner_id))
            self.index.put_grants(person, partner_id, found)

    def _reload_partner(self, conn: Connection, partner_id: str) -> None:
        state = source.partner_state(conn, partner_id)
        if state is None:
            self.index.remove_partner(partner_id)
        else:
            self.index.put_partner(partner_id, *state)

    def _reload_person(self, conn: Connection, person_id: str, partner_id: str | None) -> None:
        masks = list(settings_masks(source.person_settings(conn, person_id)))
        if not masks:
            self.index.remove_person(person_id)
            return
        self.index.set_mask(person_id, masks[0][1])
        rows = list(source.grant_rows(conn, person_id=person_id, partner_id=partner_id))
        partner_ids = {partner_id} if partner_id is not None else set(self.index.grants)
        partner_ids |= {r.partner_id for r in rows}
        for pid in partner_ids:
            self.index.put_grants(person_id, pid, [r for r in rows if r.partner_id == pid])

    def start(self) -> None:
        """Follow the change feed in a background thread (other processes' writes)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._last_sync = time.monotonic()
        self._watermark = FeedWatermark(self.db)
        self._thread = threading.Thread(target=self._follow, name="decision-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop following the feed (waits for the thread)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._watermark is not None:
            self._watermark.close()
            self._watermark = None

    def _follow(self) -> None:
        failing = 0  # failed reads in a row: the first is logged with its cause, then the recovery
        while not self._stop.wait(self.poll_seconds):
            try:
                self.sync()
            except Exception:  # the database may be briefly unavailable; retry next tick
                if not failing:
                    log.exception(
                        "reading the change feed failed; decisions are denied with engine.error "
                        "once it has not been read for %.1f s, retrying every %.2f s",
                        max(2.0, 8 * self.poll_seconds),
                        self.poll_seconds,
                    )
                failing += 1
                continue
            if failing:
                log.warning("the change feed is read again, after %d failed reads", failing)
                failing = 0

    # -- decisions -------------------------------------------------------------------------------

    def decide(self, request: DecisionRequest, *, now: datetime | None = None) -> Decision:
        """Decide one partner request now (using quota). Malformed category/action: InvalidInput."""
        parse_category(request.category)
        parse_action(request.action)
        try:
            self.refresh()
        except Exception:  # the feed cannot be read: another process may have revoked
            log.exception("the change feed could not be read; denied with engine.error")
            return ERROR
        if not self.current:
            return ERROR  # the index may have missed a revocation: deny, never guess
        try:
            return self.engine.decide(request, now if now is not None else self.clock())
        except Exception:  # fail closed: a request the engine cannot evaluate is a deny
            log.exception("the engine could not evaluate %r; denied with engine.error", request)
            return ERROR

    def explain(
        self,
        partner_id: str,
        person_id: str,
        category: str,
        action: str,
        purpose: str,
        *,
        at: datetime | None = None,
    ) -> Explanation:
        """Every rule's outcome for a request at ``at`` (default now), without using quota."""
        cat, act = parse_category(category), parse_action(action)
        self._known(partner_id=partner_id, person_id=person_id, purpose=purpose)
        request = DecisionRequest(partner_id, person_id, cat, act, purpose)
        when = at if at is not None else self.clock()
        try:
            return explain(self.engine, request, when)
        except Exception:  # fail closed, as decide does: explained as engine.error
            log.exception("the engine could not explain %r; shown as engine.error", request)
            return unevaluated(request, when)

    def exposure_of_person(
        self, person_id: str, category: str | None = None, *, at: datetime | None = None
    ) -> tuple[Access, ...]:
        """Which partners can access ``person_id``'s data (of ``category``) now, and how."""
        cat = parse_category(category).value if category is not None else None
        self._known(person_id=person_id)
        return person_exposure(self.index, person_id, (at or self.clock()).timestamp(), cat)

    def exposure_count(self, partner_id: str, category: str, *, at: datetime | None = None) -> int:
        """How many people's ``category`` data ``partner_id`` can access now."""
        cat = parse_category(category).value
        self._known(partner_id=partner_id)
        return partner_exposure_count(self.index, partner_id, cat, (at or self.clock()).timestamp())

    def reach_of_partner(
        self, partner_id: str, *, at: datetime | None = None
    ) -> tuple[int, dict[str, int]]:
        """How many people hold an active grant to ``partner_id``, and per category how many
        people's data it can access now (the console's partners list)."""
        self._known(partner_id=partner_id)
        at_ts = (at or self.clock()).timestamp()
        grantees = partner_grantees(self.index, partner_id, at_ts)
        if not grantees:  # no one holds an active grant: no one is reachable
            return 0, {c.value: 0 for c in Category}
        counts = {
            c.value: partner_exposure_count(self.index, partner_id, c.value, at_ts)
            for c in Category
        }
        return grantees, counts

    def exposure_of_partner(
        self,
        partner_id: str,
        category: str,
        *,
        page: int = 1,
        limit: int = 100,
        at: datetime | None = None,
    ) -> ExposurePage:
        """One page of the people whose ``category`` data ``partner_id`` can access now."""
        if page < 1 or not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput(f"page starts at 1 and limit is between 1 and {MAX_LIMIT}")
        cat = parse_category(category).value
        self._known(partner_id=partner_id)
        at_ts = (at or self.clock()).timestamp()
        return partner_exposure_page(self.index, partner_id, cat, at_ts, page, limit)

    def _known(
        self,
        *,
        partner_id: str | None = None,
        person_id: str | None = None,
        purpose: str | None = None,
    ) -> None:
        if partner_id is not None and partner_id not in self.index.partners:
            raise NotFound(f"unknown partner {partner_id!r}")
        if person_id is not None and person_id not in self.index.settings:
            raise NotFound(f"unknown person {person_id!r}")
        if purpose is not None and purpose not in self.index.purposes:
            known = ", ".join(sorted(self.index.purposes)) or "none registered"
            raise InvalidInput(f"purpose {purpose!r} is not registered (known: {known})")
