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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from consentgate.domain import Action, Category, DataSource, GrantScope, Record, TokenContext
from consentgate.domain.clock import Clock
from consentgate.errors import Denied, Error, QuotaExceeded, Unavailable
from consentgate.ledger.entries import AccessDecision, format_time
from consentgate.policy import Decision, DecisionRequest, Filtered, apply_obligations
from consentgate.policy.reasons import QUOTA_EXCEEDED, TOKEN_NOT_COVERED
from consentgate.services.decisions import DecisionService
from consentgate.store.history import AccessRow, Subjects

log = logging.getLogger(__name__)

#: Reason code of a call whose token does not carry the scope it uses.


class LogAppender(Protocol):
    """What access needs of the log: a durable append that returns the entry's index."""

    def append(
        self, data: bytes, timeout: float | None = 30.0, annotation: object = None
    ) -> int: ...


@dataclass(frozen=True)
class AccessResult:
    """What a partner gets back from an allowed call."""

    log_index: int
    records: tuple[dict[str, Any], ...]
    filtered: int
    out_of_scope: int


class AccessService:
    """The data API's use case: every partner call decided, minimized and logged before it answers."""

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
        self,
        token: TokenContext,
        category: Category,
        purpose: str,
        *,
        thread_id: int | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> AccessResult:
        """A partner reads ``category`` of the token's person for ``purpose``."""
        decision = self._decide(token, category, Action.READ, purpose)
        records = self.data_source.fetch(
            token.person_id, category, thread_id=thread_id, limit=limit, offset=offset
        )
        return self._release(token, category, Action.READ, purpose, decision, records)

    def write_message(
        self, token: TokenContext, thread_id: int, body: str, purpose: str
    ) -> AccessResult:
        """A partner sends a message into a thread on the person's behalf.

        The allowed decision is logged before the message is written: nothing a partner does
        happens without its log entry. (A write that then fails, say to a thread the person is
        not in, leaves an entry for an allowed write that wrote nothing, never the reverse.)
        """
        decision = self._decide(token, Category.MESSAGES, Action.WRITE, purpose)
        index = self._append(
            token,
            Category.MESSAGES,
            Action.WRITE,
            purpose,
            "allow",
            tuple(o.code for o in decision.outcomes),
            1,
            0,
            self.clock(),
            [],
        )
        record = self.data_source.write_message(
            token.person_id, thread_id, body, token.partner_id, self.clock()
        )
        fields = decision.obligations.fields if decision.obligations else frozenset()
        written = {k: v for k, v in record.fields.items() if k in fields}
        return AccessResult(log_index=index, records=(written,), filtered=0, out_of_scope=0)

    # -- the steps ---------------------------------------------------------------------------------

    def _decide(
        self, token: TokenContext, category: Category, action: Action, purpose: str
    ) -> Decision:
        """Decide, and on a denial log it and raise: nothing is fetched for a denied call."""
        now = self.clock()
        if GrantScope(category, action, purpose) not in token.scopes:
            reasons: tuple[str, ...] = (TOKEN_NOT_COVERED,)
            index = self._append(token, category, action, purpose, "deny", reasons, 0, 0, now, [])
            raise Denied(
                f"the token does not carry {category}.{action} for purpose {purpose!r}",
                reasons=reasons,
                log_index=index,
            )
        asked = DecisionRequest(
            token.partner_id,
            token.person_id,
            category,
            action,
            purpose,
            grant_id=token.grant_id,
            client_id=token.client_id,
        )
        decision = self.decisions.decide(asked, now=now)
        if decision.allowed:
            return decision
        failed = decision.failed
        index = self._append(token, category, action, purpose, "deny", failed, 0, 0, now, [])
        if failed == (QUOTA_EXCEEDED.code,):
            raise QuotaExceeded(
                "the agreement's quota for this capability is used up",
                reasons=failed,
                retry_after_seconds=self._retry_after(token, category, action, purpose, now),
                log_index=index,
            )
        raise Denied(
            "the request is not allowed: " + ", ".join(failed), reasons=failed, log_index=index
        )

    def _release(
        self,
        token: TokenContext,
        category: Category,
        action: Action,
        purpose: str,
        decision: Decision,
        records: list[Record],
    ) -> AccessResult:
        obligations = decision.obligations
        if obligations is None:  # an allowed decision always carries them; fail closed if not
            raise Unavailable("the decision carries no obligations; nothing was returned")
        allows = self.decisions.index.allows_via_others
        filtered: Filtered = apply_obligations(obligations, records, allows)
        others = sorted({p for r in records for p in r.people()})
        subjects = [(token.person_id, "subject")] + [
            (p, "included" if allows(p, category.value) else "filtered") for p in others
        ]
        index = self._append(
            token,
            category,
            action,
            purpose,
            "allow",
            tuple(o.code for o in decision.outcomes) + filtered.reasons,
            len(filtered.records),
            filtered.third_party_filtered,
            self.clock(),
            subjects,
        )
        return AccessResult(
            log_index=index,
            records=tuple(dict(r) for r in filtered.records),
            filtered=filtered.third_party_filtered,
            out_of_scope=filtered.out_of_scope,
        )

    def _append(
        self,
        token: TokenContext,
        category: Category,
        action: Action,
        purpose: str,
        decision: str,
        reasons: tuple[str, ...],
        returned: int,
        filtered: int,
        now: datetime,
        subjects: list[tuple[str, str]],
    ) -> int:
        entry = AccessDecision(
            time=format_time(now),
            request_id=secrets.token_hex(8),
            partner=token.partner_id,
            client=token.client_id,
            person_ref=self.person_reference(token.person_id),
            category=category.value,
            action=action.value,
            purpose=purpose,
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
                    category.value,
                    action.value,
                    purpose,
                    decision,
                    now,
                    reasons,
                    returned,
                )
                for person, role in subjects
            )
        )
        try:
            # The people in this access are written in the log append's own transaction.
            return self.log.append(entry.encode(), annotation=people)
        except Error:
            raise
        except Exception as err:  # any failure to log is a failure to answer: fail closed
            raise Unavailable("the transparency log is unavailable; nothing was returned") from err

    def _retry_after(
        self, token: TokenContext, category: Category, action: Action, purpose: str, now: datetime
    ) -> int:
        """The quota's window: the longest a partner may have to wait for the quota to free up."""
        partner = self.decisions.index.partners.get(token.partner_id)
        scope = (category.value, action.value, purpose)
        cap = partner.capability_at(scope, now.timestamp()) if partner else None
        return max(1, math.ceil(cap.quota.window_seconds)) if cap and cap.quota else 60
