"""Partner access, end to end: decide, fetch, minimize, log durably, and only then answer.

For every call of the data API (DESIGN.md, "What it is"):

1. the token must carry the (category, action, purpose) asked for;
2. the engine decides from its index, which already reflects every committed write;
3. on allow, the data source fetches the records and the obligations filter them;
4. the decision is appended to the transparency log and the append is durable (committed) —
   denied requests are logged too;
5. only then are the records returned, with the entry's log index.

If the log cannot be written, nothing is returned (:class:`Unavailable`): no data leaves without
its log entry.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any, Protocol, TypedDict, Unpack

from consentgate.domain import (
    Action,
    Category,
    DataSource,
    GrantScope,
    Record,
    TokenContext,
    people_in,
)
from consentgate.domain.clock import Clock
from consentgate.errors import Denied, Error, QuotaExceeded, Unavailable
from consentgate.ledger.entries import AccessDecision, format_time
from consentgate.policy import Decision, DecisionRequest, Filtered, apply_obligations
from consentgate.policy.reasons import (
    ENGINE_ERROR,
    QUOTA_EXCEEDED,
    THIRD_PARTY_FILTERED,
    TOKEN_NOT_COVERED,
)
from consentgate.services import metrics
from consentgate.services.decisions import DecisionService
from consentgate.store.history import AccessRow, Subjects

log = logging.getLogger(__name__)


def new_request_id() -> str:
    """A request id for a call that arrived without one: 64 random bits, hex."""
    return secrets.token_hex(8)


class LogAppender(Protocol):
    """What access needs of the log: a durable append that returns the entry's index, blocking
    the calling thread (``append``) or awaited on the event loop (``append_async``)."""

    def append(
        self, data: bytes, timeout: float | None = 30.0, annotation: object = None
    ) -> int: ...

    async def append_async(
        self, data: bytes, timeout: float | None = 30.0, annotation: object = None
    ) -> int: ...


class Page(TypedDict, total=False):
    """Which records of a read (see :meth:`AccessService.prepare_read`)."""

    thread_id: int | None
    limit: int
    offset: int
    request_id: str | None


@dataclass(frozen=True)
class AccessResult:
    """What a partner gets back from an allowed call."""

    log_index: int
    records: tuple[dict[str, Any], ...]
    filtered: int
    out_of_scope: int


@dataclass(frozen=True, slots=True)
class _Call:
    """One partner call: who asks for what, when, and the request id its log entry carries."""

    token: TokenContext
    category: Category
    action: Action
    purpose: str
    now: datetime
    request_id: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """A decided call waiting for its log entry: the entry (with the people in it, written in the
    same commit), and what the partner gets once it is durable — the records, or the refusal."""

    entry: bytes
    people: Subjects
    result: AccessResult | None = None
    refusal: Callable[[int], Error] | None = None

    def finish(self, log_index: int) -> AccessResult:
        """The answer, now that the entry is durable at ``log_index``; raises a refusal."""
        if self.refusal is not None:
            raise self.refusal(log_index)
        if self.result is None:  # an outcome is built with one of the two; fail closed if not
            raise Unavailable("the call has no outcome; nothing was returned")
        return replace(self.result, log_index=log_index)


class AccessService:
    """The data API's use case: every partner call decided, minimized and logged before it answers.

    A read is two steps, so the HTTP edge can run the first where it is cheapest and await the
    second without holding a thread: :meth:`prepare_read` decides, fetches and minimizes (no log
    write yet), and :meth:`commit` or :meth:`commit_async` appends the entry durably and only then
    gives the answer. :meth:`read` does both.
    """

    def __init__(
        self,
        clock: Clock,
        decisions: DecisionService,
        data_source: DataSource,
        log_appender: LogAppender,
        person_ref: Callable[[str], str],
    ) -> None:
        self.clock = clock
        self.decisions = decisions
        self.data_source = data_source
        self.log = log_appender
        #: The keyed hash that stands for a person in log entries (shown to the person).
        self.person_reference = person_ref

    def read(
        self, token: TokenContext, category: Category, purpose: str, **page: Unpack[Page]
    ) -> AccessResult:
        """A partner reads ``category`` of the token's person for ``purpose``."""
        return self.commit(self.prepare_read(token, category, purpose, **page))

    def prepare_read(
        self,
        token: TokenContext,
        category: Category,
        purpose: str,
        *,
        thread_id: int | None = None,
        limit: int = 50,
        offset: int = 0,
        request_id: str | None = None,
    ) -> Outcome:
        """Decide a read and, when allowed, fetch and minimize its records; nothing leaves until
        the outcome is committed. Nothing is fetched for a denied call."""
        call = _Call(
            token, category, Action.READ, purpose, self.clock(), request_id or new_request_id()
        )
        decided = self._decide(call)
        if isinstance(decided, Outcome):
            return decided
        records = self.data_source.fetch(
            token.person_id, category, thread_id=thread_id, limit=limit, offset=offset
        )
        return self._release(call, decided, records)

    def commit(self, outcome: Outcome) -> AccessResult:
        """Append the outcome's entry durably (blocking this thread), then answer."""
        started = time.perf_counter()
        try:
            index = self.log.append(outcome.entry, annotation=outcome.people)
        except Error:
            raise
        except Exception as err:  # any failure to log is a failure to answer: fail closed
            raise Unavailable("the transparency log is unavailable; nothing was returned") from err
        metrics.observe_append("access", started)
        return outcome.finish(index)

    async def commit_async(self, outcome: Outcome) -> AccessResult:
        """:meth:`commit` on the event loop: awaits the durable append without holding a thread."""
        started = time.perf_counter()
        try:
            index = await self.log.append_async(outcome.entry, annotation=outcome.people)
        except Error:
            raise
        except Exception as err:  # fail closed, as commit does
            raise Unavailable("the transparency log is unavailable; nothing was returned") from err
        metrics.observe_append("access", started)
        return outcome.finish(index)

    def write_message(
        self,
        token: TokenContext,
        thread_id: int,
        body: str,
        purpose: str,
        *,
        request_id: str | None = None,
    ) -> AccessResult:
        """A partner sends a message into a thread on the person's behalf.

        The allowed decision is logged before the message is written: nothing a partner does
        happens without its log entry. (A write that then fails, say to a thread the person is
        not in, leaves an entry for an allowed write that wrote nothing, never the reverse.)
        """
        call = _Call(
            token,
            Category.MESSAGES,
            Action.WRITE,
            purpose,
            self.clock(),
            request_id or new_request_id(),
        )
        decided = self._decide(call)
        if isinstance(decided, Outcome):
            self.commit(decided)  # raises the refusal once it is logged
            raise Unavailable("a refused call was not refused; nothing was written")
        codes = tuple(o.code for o in decided.outcomes)
        metrics.DECISIONS.labels("allow", "ok").inc()
        allowed = self._outcome(call, "allow", codes, 1, 0, [])
        index = self.commit(replace(allowed, result=AccessResult(-1, (), 0, 0))).log_index
        record = self.data_source.write_message(
            token.person_id, thread_id, body, token.partner_id, self.clock()
        )
        fields = decided.obligations.fields if decided.obligations else frozenset()
        written = {k: v for k, v in record.fields.items() if k in fields}
        return AccessResult(log_index=index, records=(written,), filtered=0, out_of_scope=0)

    # -- the steps ---------------------------------------------------------------------------------

    def _decide(self, call: _Call) -> Decision | Outcome:
        """The engine's decision when it allows; when not, the outcome that logs the denial and
        then refuses the call."""
        token, category, action, purpose = call.token, call.category, call.action, call.purpose
        if GrantScope(category, action, purpose) not in token.scopes:
            reasons: tuple[str, ...] = (TOKEN_NOT_COVERED,)
            message = f"the token does not carry {category}.{action} for purpose {purpose!r}"
            return self._refused(call, reasons, partial(Denied, message, reasons=reasons))
        asked = DecisionRequest(
            token.partner_id,
            token.person_id,
            category,
            action,
            purpose,
            grant_id=token.grant_id,
            client_id=token.client_id,
        )
        decision = self.decisions.decide(asked, now=call.now)
        if decision.allowed:
            return decision
        failed = decision.failed
        if failed == (QUOTA_EXCEEDED.code,):
            retry = self._retry_after(token, category, action, purpose, call.now)
            quota = partial(
                QuotaExceeded,
                "the agreement's quota for this capability is used up",
                reasons=failed,
                retry_after_seconds=retry,
            )
            return self._refused(call, failed, quota)
        message = "the request is not allowed: " + ", ".join(failed)
        return self._refused(call, failed, partial(Denied, message, reasons=failed))

    def _refused(
        self, call: _Call, reasons: tuple[str, ...], error: Callable[..., Error]
    ) -> Outcome:
        outcome = self._outcome(call, "deny", reasons, 0, 0, [])
        metrics.DECISIONS.labels("deny", reasons[0] if reasons else ENGINE_ERROR).inc()
        return replace(outcome, refusal=lambda index: error(log_index=index))

    def _release(self, call: _Call, decision: Decision, records: list[Record]) -> Outcome:
        obligations = decision.obligations
        if obligations is None:  # an allowed decision always carries them; fail closed if not
            raise Unavailable("the decision carries no obligations; nothing was returned")
        allows = self.decisions.index.allows_via_others
        filtered: Filtered = apply_obligations(obligations, records, allows)
        category = call.category.value
        others = sorted(people_in(records))
        subjects = [(call.token.person_id, "subject")] + [
            (p, "included" if allows(p, category) else "filtered") for p in others
        ]
        outcome = self._outcome(
            call,
            "allow",
            tuple(o.code for o in decision.outcomes) + filtered.reasons,
            len(filtered.records),
            filtered.third_party_filtered,
            subjects,
        )
        allowed = THIRD_PARTY_FILTERED if filtered.third_party_filtered else "ok"
        metrics.DECISIONS.labels("allow", allowed).inc()
        result = AccessResult(
            log_index=-1,
            records=filtered.records,
            filtered=filtered.third_party_filtered,
            out_of_scope=filtered.out_of_scope,
        )
        return replace(outcome, result=result)

    def _outcome(
        self,
        call: _Call,
        decision: str,
        reasons: tuple[str, ...],
        returned: int,
        filtered: int,
        subjects: list[tuple[str, str]],
    ) -> Outcome:
        """The call's access entry and the people in it (the index is set by the append)."""
        token = call.token
        entry = AccessDecision(
            time=format_time(call.now),
            request_id=call.request_id,
            partner=token.partner_id,
            client=token.client_id,
            person_ref=self.person_reference(token.person_id),
            category=call.category.value,
            action=call.action.value,
            purpose=call.purpose,
            decision=decision,
            reasons=reasons,
            records_returned=returned,
            records_filtered=filtered,
            grant_id=token.grant_id,
            receipt_id=token.grant_id,
        )
        if not subjects:
            subjects = [(token.person_id, "subject")]
        people = Subjects(
            tuple(
                AccessRow(
                    -1,
                    person,
                    role,
                    token.partner_id,
                    call.category.value,
                    call.action.value,
                    call.purpose,
                    decision,
                    call.now,
                    reasons,
                    returned,
                )
                for person, role in subjects
            )
        )
        return Outcome(entry.encode(), people)

    def _retry_after(
        self, token: TokenContext, category: Category, action: Action, purpose: str, now: datetime
    ) -> int:
        """The quota's window: the longest a partner may have to wait for the quota to free up."""
        partner = self.decisions.index.partners.get(token.partner_id)
        scope = (category.value, action.value, purpose)
        cap = partner.capability_at(scope, now.timestamp()) if partner else None
        return max(1, math.ceil(cap.quota.window_seconds)) if cap and cap.quota else 60
