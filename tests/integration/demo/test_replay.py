"""``consentgate demo replay``: the story's partners get what consentgate decides, and the numbers
are the world's own.

Every expectation here is computed from the story and the world the replay starts from (who used
which app when, who switched sharing off when, which records existed when), never copied from a
run's output.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consentgate.config import Settings
from consentgate.demo.replay import ReplayResult, run_replay
from consentgate.demo.replay_report import replay_html, replay_json
from consentgate.demo.replay_rows import Row
from consentgate.demo.story import Ask, StoryPartner, at, months, partners
from consentgate.demo.world import SESSION_MONTHS, World, build_world
from consentgate.domain import Action, Category
from consentgate.errors import Conflict
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.store.tables import people

#: A small world whose device maker has users who switch sharing off.
SEED, PEOPLE, SMALL = 6, 40, 12
TICKS = months()


def replay(url: str, data_dir: Path, seed: int = SEED) -> ReplayResult:
    settings = Settings(database_url=url, data_dir=data_dir, log_origin="replay.test/log")
    return run_replay(settings, seed=seed, people=PEOPLE, small_partners=SMALL)


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> ReplayResult:
    where = tmp_path_factory.mktemp("replay")
    return replay(f"sqlite:///{where / 'replay.db'}", where / "state")


@pytest.fixture(scope="module")
def cast() -> dict[str, StoryPartner]:
    return {p.id: p for p in partners(SEED, SMALL)}


@pytest.fixture(scope="module")
def world(cast: dict[str, StoryPartner]) -> World:
    return build_world(SEED, PEOPLE, list(cast.values()))


def sessions(world: World, partner_id: str) -> list[tuple[str, datetime]]:
    """(app user, when) of every session with ``partner_id``'s app."""
    return [
        (user, TICKS[i])
        for user, first in world.users[partner_id]
        for i in range(first, len(TICKS), SESSION_MONTHS)
    ]


def row(result: ReplayResult, partner: str, category: str, action: str = "read") -> Row:
    (found,) = [
        r
        for r in result.table.rows.values()
        if (r.partner_id, r.category, r.action) == (partner, category, action)
    ]
    return found


def sharing_off(world: World, person: str, when: datetime) -> bool:
    (settings,) = [r for r in world.rows["privacy_settings"] if r["person_id"] == person]
    switched = world.switch_off.get(person)
    return not settings["share_with_partners"] or (switched is not None and switched <= when)


def test_the_search_engine_gets_nothing_from_its_suspension_on(
    replayed: ReplayResult, world: World
) -> None:
    findit = row(replayed, "findit", "friends")
    after = [s for s in sessions(world, "findit") if s[1] >= at(2014, 7)]
    assert after
    assert findit.requests == len(sessions(world, "findit"))
    assert findit.reasons["partner.suspended"] == len(after)
    assert findit.reasons["agreement.ended"] == len(after)
    assert findit.allowed_now <= findit.requests - len(after)
    assert findit.after_end_since == 2014


def test_the_video_streamer_reads_no_message_after_its_deal_ended_in_2015(
    replayed: ReplayResult, world: World
) -> None:
    reelview = row(replayed, "reelview", "messages")
    after = [s for s in sessions(world, "reelview") if s[1] >= at(2015, 7)]
    assert after
    assert reelview.reasons["agreement.ended"] == len(after)
    assert reelview.after_end_since == 2015
    assert "access_after_agreement_end on the 2017 platform (2015)" in reelview.findings_raised()


@pytest.mark.parametrize("category", ["contacts", "calendar"])
def test_the_device_maker_gets_nothing_of_people_who_switched_sharing_off(
    replayed: ReplayResult, world: World, category: str
) -> None:
    handset = row(replayed, "handset", category)
    off = [s for s in sessions(world, "handset") if sharing_off(world, *s)]
    assert off, "the world has device maker users who switched sharing off"
    assert handset.reasons["settings.sharing_off"] == len(off)
    assert handset.allowed_now <= handset.requests - len(off)
    assert handset.allowed_now > 0  # the others, who share, still sync


def test_the_retailer_gets_filtered_friend_lists_and_no_contact_details_of_friends(
    replayed: ReplayResult,
) -> None:
    contacts = row(replayed, "shopmart", "contacts")
    assert contacts.requests > 0
    assert contacts.allowed_now == 0
    assert contacts.reasons["agreement.not_covered"] == contacts.requests
    assert contacts.reasons["grant.missing"] == contacts.requests
    friends = row(replayed, "shopmart", "friends")
    assert friends.allowed_now > 0
    assert friends.records_now + friends.out_of_scope <= friends.records_2017


def test_the_bank_reads_messages_since_the_grant_and_writes_none(replayed: ReplayResult) -> None:
    writes = row(replayed, "northbank", "messages", "write")
    assert writes.requests > 0
    assert writes.allowed_now == 0
    assert writes.reasons["agreement.not_covered"] == writes.requests
    reads = row(replayed, "northbank", "messages")
    assert reads.allowed_now > 0
    assert reads.records_now + reads.out_of_scope <= reads.records_2017
    assert reads.records_now < reads.records_2017


def test_the_music_streamer_reads_only_the_messages_it_created(replayed: ReplayResult) -> None:
    tunes = row(replayed, "tunes", "messages")
    assert tunes.allowed_now > 0
    assert tunes.out_of_scope > 0
    assert tunes.records_now + tunes.out_of_scope <= tunes.records_2017
    assert not [code for code in tunes.reasons if code.startswith("agreement.")]


def test_smaller_partners_are_refused_after_their_deal_and_beyond_their_feature(
    replayed: ReplayResult, world: World, cast: dict[str, StoryPartner]
) -> None:
    checked = 0
    for r in replayed.table.rows.values():
        partner = cast[r.partner_id]
        if partner.named:
            continue
        over = partner.terms[-1].until
        late = [s for s in sessions(world, partner.id) if s[1] >= over]
        if r.category in ("profile", "friends") and r.purpose == "app.login":
            assert r.reasons["agreement.expired"] == len(late)
            checked += len(late)
        if r.purpose == "ads.targeting":  # the "specific feature" was signing in
            assert r.allowed_now == 0
            assert (
                r.reasons["purpose.mismatch"]
                + r.reasons["agreement.not_covered"]
                + r.reasons["agreement.expired"]
                >= r.requests
            )
    assert checked > 0


def _created(world: World, table: str, owner: str, key: str, when: datetime) -> int:
    return sum(1 for r in world.rows[table] if r[owner[0]] == owner[1] and r[key] <= when)


def _records_then(world: World, person: str, ask: Ask, when: datetime) -> int:
    """What the 2017 platform handed out: every record of the category the person had then."""
    match ask.category:
        case Category.PROFILE:
            return _created(world, "people", ("id", person), "created_at", when)
        case Category.FRIENDS:
            return _created(world, "friendships", ("person_id", person), "since", when)
        case Category.CONTACTS:
            return _created(world, "contacts", ("owner_id", person), "created_at", when)
        case Category.CALENDAR:
            return _created(world, "events", ("owner_id", person), "created_at", when)
    raise AssertionError(f"not counted here: {ask.category}")


def test_requests_and_records_that_left_in_2017_are_the_worlds_own(
    replayed: ReplayResult, world: World, cast: dict[str, StoryPartner]
) -> None:
    """Every read of the person's own profile, friends, contacts or calendar: one request per
    session, and as many records as the person had then."""
    compared = 0
    for partner in cast.values():
        for ask in partner.asks:
            if ask.whose != "user" or ask.action is not Action.READ:
                continue
            if ask.category is Category.MESSAGES:
                continue  # messages grow with the replay's own writes
            had = sessions(world, partner.id)
            if not had:
                continue
            found = replayed.table.rows[(partner.id, ask.category.value, "read", ask.purpose)]
            assert found.requests == len(had)
            assert found.records_2017 == sum(_records_then(world, p, ask, t) for p, t in had)
            compared += 1
    assert compared >= 8
    totals = replayed.table.totals()
    rows = replayed.table.rows.values()
    assert totals["records_left_2017"] == sum(r.records_2017 for r in rows)
    assert totals["records_left_now"] == sum(r.records_now for r in rows)
    assert totals["records_left_now"] < totals["records_left_2017"]


def _document(result: ReplayResult) -> dict[str, object]:
    return replay_json(
        result.table,
        seed=result.seed,
        people=result.people,
        partners=result.partners,
        log_size=result.log_size,
    )


def test_the_same_seed_gives_the_same_rows_and_totals(
    replayed: ReplayResult, database_url: str, tmp_path: Path
) -> None:
    """On a second fresh database (SQLite, and PostgreSQL when configured)."""
    again = replay(database_url, tmp_path / "state")
    first, second = _document(replayed), _document(again)
    assert second["totals"] == first["totals"]
    assert second["rows"] == first["rows"]
    assert again.log_size == replayed.log_size


def test_another_seed_gives_another_world(replayed: ReplayResult, tmp_path: Path) -> None:
    other = replay(f"sqlite:///{tmp_path / 'other.db'}", tmp_path / "state", seed=SEED + 1)
    assert other.table.totals() != replayed.table.totals()


def test_a_database_that_is_not_empty_is_refused_and_left_as_it_was(
    services: Services, database: Database, settings: Settings, tmp_path: Path
) -> None:
    services.people.register_person("someone", "Someone")
    with pytest.raises(Conflict, match="not empty"):
        run_replay(settings, seed=1, people=PEOPLE, small_partners=SMALL)
    out = tmp_path / "out"
    cli = subprocess.run(
        [sys.executable, "-c", "from consentgate.cli.main import main; main()", "demo", "replay",
         "--database", settings.database_url, "--out", str(out), "--people", "20"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert cli.returncode == 1
    (line,) = cli.stderr.strip().splitlines()[-1:]
    assert line.startswith("consentgate: error: the database is not empty")
    assert "--database" in line
    assert not out.exists()
    with database.read() as conn:
        assert conn.execute(select(func.count()).select_from(people)).scalar_one() == 1


def test_the_json_has_rows_and_totals(replayed: ReplayResult) -> None:
    doc = json.loads(json.dumps(_document(replayed)))
    assert {"records_left_2017", "records_left_now", "third_party_filtered"} <= set(doc["totals"])
    assert doc["rows"][0]["named_in_story"] is True
    assert all({"reasons", "records_left_now", "findings"} <= set(r) for r in doc["rows"])


def test_the_report_of_a_replay_is_well_formed(replayed: ReplayResult) -> None:
    html = replay_html(
        replayed.table, seed=SEED, people=PEOPLE, partners=replayed.partners, log_size=1
    )
    root = ET.fromstring(html.removeprefix("<!DOCTYPE html>\n"))  # noqa: S314 - the report this test made
    names = {"".join(td.itertext()) for td in root.iter("{http://www.w3.org/1999/xhtml}td")}
    assert any(name.startswith("FindIt Search") for name in names)


def test_the_command_prints_json_and_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cli = subprocess.run(
        [sys.executable, "-c", "from consentgate.cli.main import main; main()", "demo", "replay",
         "--json", "--people", "20", "--seed", "3", "--smaller-partners", "5", "--out", str(out),
         "--database", f"sqlite:///{tmp_path / 'replay.db'}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    doc = json.loads(cli.stdout)
    assert doc["seed"] == 3
    assert doc["partners"] == 6 + 5
    assert doc["totals"]["requests"] == sum(r["requests"] for r in doc["rows"])
    assert json.loads((out / "replay.json").read_text()) == doc
    html = (out / "replay.html").read_text()
    assert ET.fromstring(html.removeprefix("<!DOCTYPE html>\n")) is not None  # noqa: S314 - the report this test made
    assert (out / "state" / "log-ed25519.key").stat().st_mode & 0o077 == 0


def test_consentgate_never_raises_access_after_agreement_end_where_the_2017_platform_would(
    replayed: ReplayResult,
) -> None:
    """The 2017 platform answered after deals were over; consentgate's findings service, which
    raises ``access_after_agreement_end`` for any allowed access after an agreement ended, finds
    none: the engine denied every one of them."""
    rows = list(replayed.table.rows.values())
    assert {"reelview", "findit"} <= {r.partner_id for r in rows if r.after_end_since}
    assert not [r for r in rows if "access_after_agreement_end" in r.findings]
    assert "deletion_overdue" in row(replayed, "reelview", "messages").findings


def test_a_partner_whose_deal_expired_cannot_certify_and_is_suspended(
    replayed: ReplayResult, world: World, cast: dict[str, StoryPartner]
) -> None:
    """Its certification falls due a year after the last one; with no agreement in force it cannot
    certify, and an evaluation after the notice period (30 days; evaluations every six months)
    suspends it."""
    checked = 0
    for r in replayed.table.rows.values():
        partner = cast[r.partner_id]
        if partner.named or r.purpose != "app.login":
            continue
        over = partner.terms[-1].until
        # Due at most a year after the deal, suspended by the first evaluation (every six months)
        # after the 30 days' notice.
        surely = over.replace(year=over.year + 1, month=over.month + 8)
        late = [s for s in sessions(world, partner.id) if s[1] >= surely]
        assert r.reasons["partner.suspended"] >= len(late)
        checked += len(late)
    assert checked > 0
