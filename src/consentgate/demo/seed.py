"""``consentgate demo seed``: load the demo population into an empty store, all or nothing.

The whole load is one transaction, so a failed seed leaves the database as it was.
"""

from __future__ import annotations

import itertools
import multiprocessing
import random
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from consentgate.demo import findings_world, population
from consentgate.demo.partners import (
    BIG_PARTNERS,
    PURPOSES,
    DemoPartner,
    agreement_terms,
    small_partners,
)
from consentgate.demo.people import DEMO_PEOPLE, load_demo_people
from consentgate.domain import Action, Capability, PartnerStatus
from consentgate.errors import Conflict, InvalidInput
from consentgate.services.grants import receipt_hash
from consentgate.store import Database
from consentgate.store import rows as row_codec
from consentgate.store.bulk import insert_rows, is_empty

#: The demo people a newcomer can sign in as (handle, password, what they show).
Progress = Callable[[str, int], None]
#: One chunk of generated rows: (stage, chunk number, generator, its arguments).
Job = tuple[str, int, Callable[..., population.Rows], tuple[object, ...]]


@dataclass(frozen=True)
class SeedReport:
    people: int
    partners: int
    agreements: int
    grants: int
    rows: int


def validate_seed_args(people: int, seed: int) -> None:
    """Refuse a population size or seed out of range, before anything is written."""
    if not 1 <= people <= 10_000_000:
        raise InvalidInput("--people must be between 1 and 10,000,000")
    if seed < 0:
        raise InvalidInput("--seed must not be negative")


def demo_partners(seed: int) -> list[DemoPartner]:
    """The demo's partners for ``seed``: the story's six, and the smaller ones."""
    rng = random.Random(f"{seed}/partners")
    return findings_world.standing_out([*BIG_PARTNERS, *small_partners(rng)])


def seed_demo(
    db: Database,
    *,
    people: int,
    seed: int,
    as_of: datetime,
    progress: Progress | None = None,
) -> SeedReport:
    """Load the demo population into ``db``; refuse a store that already holds people."""
    validate_seed_args(people, seed)
    report = progress or (lambda _stage, _n: None)
    partners = demo_partners(seed)
    counted = 0
    with db.begin() as conn:
        if not is_empty(conn):
            raise Conflict("the database already holds people; the demo seeds only an empty store")
        counted += _load_partners(conn, partners, as_of)
        report("partners", len(partners))
        record_partners = [p.id for p in BIG_PARTNERS[:2]]
        jobs: list[Job] = [
            ("people", chunk, population.people_rows, (seed, chunk, people, as_of))
            for chunk in population.chunks(people)
        ]
        jobs += [
            (
                "records",
                chunk,
                population.record_rows,
                (seed, chunk, people, as_of, record_partners),
            )
            for chunk in population.chunks(people)
        ]
        for (stage, chunk, _, _), batch in zip(jobs, _generated(jobs), strict=True):
            counted += _insert(conn, batch)
            report(stage, population.chunk_size(chunk, people))
        counted += load_demo_people(conn, as_of, people)
        grants = _load_grants(conn, seed, people, partners, as_of)
        counted += grants
        report("grants", grants)
        # Something for every findings rule to show (demo/findings_world.py).
        counted += _insert(conn, findings_world.certification_rows(partners, as_of))
        counted += _insert(conn, findings_world.grant_rows(seed, people, partners, as_of))
        findings_world.exposure_baseline(conn, as_of)
    agreements = sum(len(agreement_terms(p, as_of)) for p in partners)
    return SeedReport(people + len(DEMO_PEOPLE), len(partners), agreements, grants, counted)


#: How many chunks the generator process may run ahead of the inserts (bounds memory).
_AHEAD = 2


def _generated(jobs: list[Job]) -> Iterator[population.Rows]:
    """The jobs' rows, in order, generated in a second process while this one inserts.

    Generating and inserting take about as long as each other, so on two cores the load takes
    about half the time. Each chunk's rows depend only on (seed, chunk), so the result is the same.
    """
    if len(jobs) <= 2:  # a small population: not worth a process
        for _, _, make, args in jobs:
            yield make(*args)
        return
    with ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        pending: deque[Future[population.Rows]] = deque()
        queued = iter(jobs)
        for _, _, make, args in itertools.islice(queued, _AHEAD):
            pending.append(pool.submit(make, *args))
        while pending:
            rows = pending.popleft().result()
            for _, _, make, args in itertools.islice(queued, 1):
                pending.append(pool.submit(make, *args))
            yield rows


def _insert(conn: Connection, batch: population.Rows) -> int:
    for table, rows in batch.items():
        insert_rows(conn, table, rows)
    return sum(len(r) for r in batch.values())


def _load_partners(conn: Connection, partners: list[DemoPartner], as_of: datetime) -> int:
    rows: population.Rows = {
        k: []
        for k in ("purposes", "partners", "partner_status_history", "agreements", "capabilities")
    }
    rows["purposes"] = [{"id": i, "description": d, "data_use": u} for i, d, u in PURPOSES]
    for p in partners:
        status = PartnerStatus.SUSPENDED if p.ended else PartnerStatus.ACTIVE
        created = as_of.replace(year=p.since, month=1, day=1)
        rows["partners"].append(
            {
                "id": p.id,
                "name": p.name,
                "kind": p.kind,
                "status": status.value,
                "created_at": created,
            }
        )
        rows["partner_status_history"].append(
            {"partner_id": p.id, "status": "active", "reason": "registered", "at": created}
        )
        terms = agreement_terms(p, as_of)
        for version, (start, until) in enumerate(terms, start=1):
            agreement_id = f"agr_{p.id}_v{version}"
            current = version == len(terms)
            ended_at = as_of - timedelta(days=1) if current and p.ended else None
            rows["agreements"].append(
                {
                    "id": agreement_id,
                    "partner_id": p.id,
                    "version": version,
                    "valid_from": start,
                    "valid_until": until,
                    "retention_days": 30,
                    "signed_at": start,
                    "ended_at": ended_at,
                }
            )
            rows["capabilities"].extend(
                row_codec.capability_row(agreement_id, c) for c in p.capabilities
            )
        if p.ended:
            rows["partner_status_history"].append(
                {
                    "partner_id": p.id,
                    "status": status.value,
                    "reason": "agreement ended",
                    "at": as_of - timedelta(days=1),
                }
            )
    return _insert(conn, rows)


def _grant(
    gid: str,
    person: str,
    partner: DemoPartner,
    as_of: datetime,
    issued_days_ago: int,
    scopes: list[Any],
) -> population.Rows:
    agreement_id = f"agr_{partner.id}_v{len(agreement_terms(partner, as_of))}"
    issued = as_of - timedelta(days=issued_days_ago)
    text = f"{partner.name} asks to use: " + "; ".join(
        f"{c.category}.{c.action} for {c.purpose}" for c in scopes
    )
    return {
        "grants": [
            {
                "id": gid,
                "person_id": person,
                "partner_id": partner.id,
                "client_id": None,
                "agreement_id": agreement_id,
                "issued_at": issued,
                "expires_at": issued + timedelta(days=90),
                "revoked_at": None,
                "receipt_hash": receipt_hash(text),
                "receipt_text": text,
            }
        ],
        "grant_scopes": [
            {
                "grant_id": gid,
                "category": c.category.value,
                "action": c.action.value,
                "purpose_id": c.purpose,
            }
            for c in scopes
        ],
    }


def _reads(partner: DemoPartner) -> list[Capability]:
    return [c for c in partner.capabilities if c.action is Action.READ]


def _load_grants(
    conn: Connection, seed: int, total: int, partners: list[DemoPartner], as_of: datetime
) -> int:
    rng = random.Random(f"{seed}/grants")
    by_id = {p.id: p for p in partners}
    batch: population.Rows = {"grants": [], "grant_scopes": []}

    def add(rows: population.Rows) -> None:
        for k, v in rows.items():
            batch[k].extend(v)

    add(
        _grant(
            "grant_demo_alice_tunes",
            "p-alice",
            by_id["tunes"],
            as_of,
            10,
            list(by_id["tunes"].capabilities),
        )
    )
    add(
        _grant(
            "grant_demo_alice_handset",
            "p-alice",
            by_id["handset"],
            as_of,
            20,
            _reads(by_id["handset"]),
        )
    )
    add(
        _grant(
            "grant_demo_carol_handset",
            "p-carol",
            by_id["handset"],
            as_of,
            60,
            _reads(by_id["handset"]),
        )
    )
    add(
        _grant(
            "grant_demo_dave_findit", "p-dave", by_id["findit"], as_of, 40, _reads(by_id["findit"])
        )
    )
    active = [p for p in BIG_PARTNERS if not p.ended]
    count = 4
    for n in range(total):
        if rng.random() < 0.3:
            for partner in rng.sample(active, k=rng.randint(1, 2)):
                caps = _reads(partner)
                chosen = rng.sample(caps, k=rng.randint(1, len(caps)))
                add(
                    _grant(
                        f"grant_demo_{n}_{partner.id}",
                        population.person_id(n),
                        partner,
                        as_of,
                        rng.randint(0, 80),
                        chosen,
                    )
                )
                count += 1
        if len(batch["grants"]) >= population.CHUNK:
            _insert(conn, batch)
            batch = {"grants": [], "grant_scopes": []}
    _insert(conn, batch)
    return count
