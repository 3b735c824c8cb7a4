"""What the demo adds so that every findings rule but ``access_after_agreement_end`` has something
to show in the console after ``make run``.

- Three small partners stand out: one's agreement ends in 20 days, one has not signed a new version
  for 400 days, one last certified 370 days ago (overdue, inside the notice period).
- Every other active partner certified 60 days ago what its agreement allows; ``northbank`` left
  out the profiles it reads (a mismatch), ``handset`` promised far more calendar use than it makes.
- ``handset`` holds year-long grants issued 120 days ago whose calendar scope it never reads (they
  lapse at the first evaluation); ``shopmart`` owes deletions 20 days overdue; ``reelview`` ran a
  sign-up campaign this week (its reach in messages doubled since the snapshot of a week ago).
- :func:`play_activity` then sends a month of partner requests through the real decision path on
  a simulated clock, ending now: reads by ``tunes``, ``handset`` and ``northbank``, and
  ``shopmart``'s steady trickle of refused requests, then a burst of them in the last two hours.
"""

from __future__ import annotations

import random
from contextlib import suppress
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from consentgate.demo import population
from consentgate.demo.partners import DemoPartner, agreement_terms
from consentgate.demo.timeline import ReplayClock
from consentgate.domain import Action, Category, GrantScope, TokenContext
from consentgate.errors import Denied, QuotaExceeded
from consentgate.services.grants import receipt_hash
from consentgate.services.wiring import Services
from consentgate.store import finding_facts as fact_rows
from consentgate.store.tables import grant_scopes, grants

#: Small partners that stand out, by their place among the active small partners.
ENDING_SOON, UNREVIEWED, UNCERTIFIED = 0, 1, 2


def standing_out(partners: list[DemoPartner]) -> list[DemoPartner]:
    """The partners with three active small ones changed (see the module's docstring)."""
    small = [i for i, p in enumerate(partners) if p.id.startswith("partner-") and not p.ended]
    changed = list(partners)
    changed[small[ENDING_SOON]] = replace(partners[small[ENDING_SOON]], current_ends_in_days=20)
    changed[small[UNREVIEWED]] = replace(
        partners[small[UNREVIEWED]], current_signed_days_ago=400, current_ends_in_days=600
    )
    return changed


def uncertified(partners: list[DemoPartner]) -> str:
    """The small partner whose certification is overdue."""
    return [p.id for p in partners if p.id.startswith("partner-") and not p.ended][UNCERTIFIED]


def _term_at(p: DemoPartner, as_of: datetime, at: datetime) -> str:
    """The id of ``p``'s agreement version in force at ``at`` (the current one if none was)."""
    terms = agreement_terms(p, as_of)
    for version, (start, until) in enumerate(terms, start=1):
        if start <= at < until:
            return f"agr_{p.id}_v{version}"
    return f"agr_{p.id}_v{len(terms)}"


def certification_rows(partners: list[DemoPartner], as_of: datetime) -> population.Rows:
    """Every active partner's latest certification (see the module's docstring)."""
    rows: population.Rows = {"certifications": [], "certified_uses": []}
    late = uncertified(partners)
    for p in partners:
        if p.ended:
            continue
        at = as_of - timedelta(days=370 if p.id == late else 60)
        cid = f"cert_demo_{p.id}"
        rows["certifications"].append(
            {
                "id": cid,
                "partner_id": p.id,
                "agreement_id": _term_at(p, as_of, at),
                "certified_at": at,
                "via": "partner",
            }
        )
        for c in p.capabilities:
            if p.id == "northbank" and c.category is Category.PROFILE:
                continue  # it reads profiles all the same
            monthly = 5000 if (p.id, c.category) == ("handset", Category.CALENDAR) else None
            rows["certified_uses"].append(
                {
                    "certification_id": cid,
                    "category": c.category.value,
                    "action": c.action.value,
                    "purpose_id": c.purpose,
                    "why": f"{p.name} uses {c.category} for {c.purpose}",
                    "monthly_requests": monthly,
                }
            )
    return rows


def _grant(
    gid: str,
    person: str,
    p: DemoPartner,
    as_of: datetime,
    issued: datetime,
    days: int,
    scopes: list[tuple[Category, Action, str]],
    revoked: datetime | None = None,
) -> population.Rows:
    text = f"{p.name} asks to use: " + "; ".join(f"{c}.{a} for {u}" for c, a, u in scopes)
    return {
        "grants": [
            {
                "id": gid,
                "person_id": person,
                "partner_id": p.id,
                "client_id": None,
                "agreement_id": _term_at(p, as_of, issued),
                "issued_at": issued,
                "expires_at": issued + timedelta(days=days),
                "revoked_at": revoked,
                "receipt_hash": receipt_hash(text),
                "receipt_text": text,
            }
        ],
        "grant_scopes": [
            {"grant_id": gid, "category": c.value, "action": a.value, "purpose_id": u}
            for c, a, u in scopes
        ],
    }


def grant_rows(
    seed: int, people: int, partners: list[DemoPartner], as_of: datetime
) -> population.Rows:
    """Year-long ``handset`` grants, ``reelview``'s campaign, and ``shopmart``'s ended grants with
    their overdue deletion obligations."""
    rng = random.Random(f"{seed}/findings")
    by_id = {p.id: p for p in partners}
    rows: population.Rows = {"grants": [], "grant_scopes": [], "deletion_obligations": []}

    def add(found: population.Rows) -> None:
        for k, v in found.items():
            rows[k].extend(v)

    R = Action.READ
    for n in rng.sample(range(people), k=min(people, 20)):
        scopes = [(Category.CONTACTS, R, "device.sync"), (Category.CALENDAR, R, "device.sync")]
        issued = as_of - timedelta(days=120)
        add(_grant(f"grant_demo_long_{n}", population.person_id(n), by_id["handset"], as_of,
                   issued, 300, scopes))  # fmt: skip
    campaign = max(12, people * 8 // 100)
    for n in rng.sample(range(people), k=min(people, campaign)):
        issued = as_of - timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 20))
        scopes = [(Category.MESSAGES, R, "video.watch_party")]
        add(_grant(f"grant_demo_campaign_{n}", population.person_id(n), by_id["reelview"], as_of,
                   issued, 90, scopes))  # fmt: skip
    for n in rng.sample(range(people), k=min(people, 5)):
        issued, revoked = as_of - timedelta(days=100), as_of - timedelta(days=50)
        gid = f"grant_demo_ended_{n}"
        scopes = [(Category.PROFILE, R, "retail.recommendations")]
        add(_grant(gid, population.person_id(n), by_id["shopmart"], as_of, issued, 90, scopes,
                   revoked))  # fmt: skip
        rows["deletion_obligations"].append(
            {
                "id": f"del_demo_{n}",
                "partner_id": "shopmart",
                "person_id": population.person_id(n),
                "grant_id": gid,
                "category": Category.PROFILE.value,
                "reason": "grant.revoked",
                "opened_at": revoked,
                "due_at": revoked + timedelta(days=30),
                "confirmed_at": None,
            }
        )
    return rows


def exposure_baseline(conn: Connection, as_of: datetime) -> None:
    """The exposure snapshot of a week ago, as the grants stood then (the findings compare with it)."""
    week_ago = as_of - timedelta(days=7)
    fact_rows.save_snapshot(conn, fact_rows.exposure(conn, week_ago), week_ago)


# --- a month of partner requests -------------------------------------------------------------------
#: (partner, category read, purpose, how many grants, every how many days).
_READERS = (
    ("tunes", Category.MESSAGES, "music.share", 12, 4),
    ("handset", Category.CONTACTS, "device.sync", 30, 6),
    ("northbank", Category.MESSAGES, "bank.payments", 8, 7),
    ("northbank", Category.PROFILE, "bank.payments", 8, 7),
)
#: The prober: it asks for messages, which its grants never carry (``token.not_covered``).
_PROBER = ("shopmart", Category.MESSAGES, "retail.recommendations")
_BURST = 60


def _tokens(
    conn: Connection, partner: str, category: Category, purpose: str, start: datetime, end: datetime
) -> list[TokenContext]:
    """Tokens for grants of ``partner`` covering ``category`` read for ``purpose`` over
    ``[start, end]`` (oldest grants first)."""
    g, gs = grants.c, grant_scopes.c
    query = (
        select(g.id, g.person_id, g.expires_at)
        .join(grant_scopes, gs.grant_id == g.id)
        .where(
            g.partner_id == partner,
            gs.category == category.value,
            gs.action == Action.READ.value,
            gs.purpose_id == purpose,
            g.issued_at <= start,
            g.expires_at > end,
            g.revoked_at.is_(None),
        )
        .order_by(g.issued_at, g.id)
    )
    return [
        TokenContext(
            token_id=f"demo-{gid}",
            client_id=f"{partner}-demo",
            partner_id=partner,
            person_id=person,
            grant_id=gid,
            scopes=frozenset({GrantScope(category, Action.READ, purpose)}),
            expires_at=expires,
        )
        for gid, person, expires in conn.execute(query)
    ]


def _schedule(
    services: Services, now: datetime
) -> list[tuple[datetime, TokenContext, Category, str]]:
    start = now - timedelta(days=28)
    plan: list[tuple[datetime, TokenContext, Category, str]] = []
    with services.db.read() as conn:
        for partner, category, purpose, count, every in _READERS:
            for n, token in enumerate(
                _tokens(conn, partner, category, purpose, start, now)[:count]
            ):
                at = start + timedelta(hours=n)
                while at < now - timedelta(hours=3):
                    plan.append((at, token, category, purpose))
                    at += timedelta(days=every)
        partner, category, purpose = _PROBER
        probe = next(iter(_tokens(conn, partner, Category.PROFILE, purpose, start, now)), None)
    if probe is not None:
        plan += [(start + timedelta(days=d, hours=9), probe, category, purpose) for d in range(27)]
        burst = now - timedelta(hours=2)
        plan += [
            (burst + timedelta(seconds=60 * i), probe, category, purpose) for i in range(_BURST)
        ]
    return sorted(plan, key=lambda item: item[0])


def play_activity(services: Services, now: datetime) -> int:
    """Send a month of partner requests ending at ``now`` through the decision path on a
    simulated clock, then evaluate findings at ``now``; returns how many requests were sent."""
    plan = _schedule(services, now)
    clock = ReplayClock(now - timedelta(days=29))
    simulated = Services(services.settings, services.db, clock=clock, data_source=None)
    running = simulated.start()
    try:
        for at, token, category, purpose in plan:
            clock.move_to(at)
            with suppress(Denied, QuotaExceeded):  # refused and logged: the findings read it
                running.access.read(token, category, purpose)
        clock.move_to(now)
        simulated.findings.evaluate(now)
    finally:
        running.stop()
    return len(plan)


__all__ = [
    "certification_rows",
    "exposure_baseline",
    "grant_rows",
    "play_activity",
    "standing_out",
    "uncertified",
]
