"""The benchmark world of ``consentgate bench policy``, and each peer's best setup for it.

World (issue 3): people, 20 partners each with one agreement in force covering
{messages, contacts, calendar, friends} × read × that partner's purpose; each person grants 0–3
random partners a random subset of those categories for the partner's purpose; about 20% of the
people have sharing off, the rest switch each category on with probability 0.8. Queries: half
from existing grants, half random (random person, partner, category and purpose).

Every peer gets the same decision logic (grant covers the scope, master and category switch on),
pre-parsed and indexed the way its documentation recommends.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from consentgate.domain import Action, Agreement, Capability, Category, PartnerStatus
from consentgate.policy import DecisionIndex, DecisionRequest, Engine, GrantRow, settings_mask

CATEGORIES = ("messages", "contacts", "calendar", "friends")
PURPOSES = ("essential.service", "personalize.content", "analytics.reporting")
NOW = datetime(2026, 6, 1, tzinfo=UTC)
Query = tuple[str, str, str, str, str]  # partner, person, category, action, purpose


@dataclass
class World:
    people: list[str]
    partners: list[str]
    purpose_of: dict[str, str]
    #: person → (share, categories on)
    settings: dict[str, tuple[bool, frozenset[str]]]
    grants: list[GrantRow]
    queries: list[Query] = field(default_factory=list)


def make_world(
    n_people: int,
    n_partners: int,
    n_queries: int,
    seed: int,
    grants_per_person: tuple[int, int] = (0, 3),
) -> World:
    rnd = random.Random(seed)
    people = [f"person-{i:07d}" for i in range(n_people)]
    partners = [f"partner-{i:03d}" for i in range(n_partners)]
    purpose_of = {p: PURPOSES[i % len(PURPOSES)] for i, p in enumerate(partners)}
    issued, expires = (NOW - timedelta(days=10)).timestamp(), (NOW + timedelta(days=80)).timestamp()
    settings: dict[str, tuple[bool, frozenset[str]]] = {}
    grants: list[GrantRow] = []
    for i, person in enumerate(people):
        share = rnd.random() >= 0.2
        settings[person] = (share, frozenset(c for c in CATEGORIES if rnd.random() < 0.8))
        for j, partner in enumerate(rnd.sample(partners, rnd.randint(*grants_per_person))):
            cats = [c for c in CATEGORIES if rnd.random() < 0.5] or [rnd.choice(CATEGORIES)]
            scopes = frozenset((c, "read", purpose_of[partner]) for c in cats)
            grants.append(
                GrantRow(
                    f"grant-{i}-{j}", person, partner, None, f"agr-{partner}",
                    issued, expires, None, scopes,
                )
            )  # fmt: skip
    world = World(people, partners, purpose_of, settings, grants)
    for k in range(n_queries):
        if k % 2 == 0 and grants:
            g = rnd.choice(grants)
            c, a, u = rnd.choice(sorted(g.scopes))
            world.queries.append((g.partner_id, g.person_id, c, a, u))
        else:
            world.queries.append(
                (rnd.choice(partners), rnd.choice(people), rnd.choice(CATEGORIES), "read",
                 rnd.choice(PURPOSES))
            )  # fmt: skip
    return world


def agreement_for(partner: str, purpose: str) -> Agreement:
    caps = tuple(
        Capability(Category(c), Action.READ, purpose, frozenset({"id"})) for c in CATEGORIES
    )
    return Agreement(
        id=f"agr-{partner}", partner_id=partner, version=1,
        valid_from=NOW - timedelta(days=100), valid_until=NOW + timedelta(days=265),
        retention_days=30, capabilities=caps, signed_at=NOW - timedelta(days=100),
    )  # fmt: skip


def build_index(world: World) -> DecisionIndex:
    index = DecisionIndex()
    index.put_purposes(PURPOSES)
    for partner in world.partners:
        index.put_partner(
            partner, PartnerStatus.ACTIVE, [agreement_for(partner, world.purpose_of[partner])]
        )
    index.load_settings(
        (person, settings_mask(share, cats, ())) for person, (share, cats) in world.settings.items()
    )
    index.load_grants(world.grants)
    index.prime(NOW.timestamp())
    return index


Check = Callable[[object], bool]


def consentgate_setup(world: World) -> tuple[Check, list[object]]:
    engine = Engine(build_index(world))
    at = NOW.timestamp()
    decide = engine.decide_at

    def check(q: object) -> bool:
        return decide(q, at).allowed  # type: ignore[arg-type]

    return check, [DecisionRequest(*q) for q in world.queries]


def floor_setup(world: World) -> tuple[Check, list[object]]:
    """The floor: one set lookup for the grant, one dict lookup for the switches."""
    granted = {(g.partner_id, g.person_id, *s) for g in world.grants for s in g.scopes}
    switches = {p: cats for p, (share, cats) in world.settings.items() if share}

    def check(q: object) -> bool:
        key: Query = q  # type: ignore[assignment]
        return key in granted and key[2] in switches.get(key[1], ())

    return check, list(world.queries)


CEDAR_POLICY = """
permit(principal is Partner, action == Action::"read", resource is Person)
when { resource.sharing && resource.categories.contains(context.category)
       && resource.grants.contains(context.grant) };
"""


def cedar_setup(world: World) -> tuple[Check, list[object]]:
    """cedarpy with a pre-parsed PolicySet and Entities: one Person entity per person."""
    import json

    import cedarpy

    grants_of: dict[str, list[str]] = {p: [] for p in world.people}
    for g in world.grants:
        for c, a, u in g.scopes:
            grants_of[g.person_id].append(f"{g.partner_id}|{c}|{a}|{u}")
    entities = [
        {
            "uid": {"type": "Person", "id": p},
            "attrs": {"sharing": share, "categories": sorted(cats), "grants": grants_of[p]},
            "parents": [],
        }
        for p, (share, cats) in world.settings.items()
    ] + [{"uid": {"type": "Partner", "id": p}, "attrs": {}, "parents": []} for p in world.partners]
    handle = cedarpy.Entities.from_json_str(json.dumps(entities))
    policies = cedarpy.PolicySet.from_str(CEDAR_POLICY)
    is_authorized, allow = cedarpy.is_authorized, cedarpy.Decision.Allow

    def check(q: object) -> bool:
        return is_authorized(q, policies, handle).decision == allow  # type: ignore[no-any-return]

    requests = [
        {
            "principal": f'Partner::"{partner}"',
            "action": 'Action::"read"',
            "resource": f'Person::"{person}"',
            "context": {"category": c, "grant": f"{partner}|{c}|{a}|{u}"},
        }
        for partner, person, c, a, u in world.queries
    ]
    return check, list(requests)


CASBIN_MODEL = """
[request_definition]
r = sub, obj, cat, act, pur
[policy_definition]
p = sub, obj, cat, act, pur
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = r.sub == p.sub && r.obj == p.obj && r.cat == p.cat && r.act == p.act && r.pur == p.pur \
&& switch_on(r.obj, r.cat)
"""


def casbin_setup(world: World) -> tuple[Check, list[object]]:
    """pycasbin's FastEnforcer, its policies indexed by every request key (cache_key_order)."""
    import casbin
    from casbin.model import FastModel

    order = [0, 1, 2, 3, 4]
    model = FastModel(order)
    model.load_model_from_text(CASBIN_MODEL)
    enforcer = casbin.FastEnforcer(model, cache_key_order=order)
    enforcer.add_policies(
        [[g.partner_id, g.person_id, c, a, u] for g in world.grants for c, a, u in g.scopes]
    )
    switches = {p: cats for p, (share, cats) in world.settings.items() if share}

    def switch_on(person: str, category: str) -> bool:
        return category in switches.get(person, ())

    enforcer.add_function("switch_on", switch_on)
    enforce = enforcer.enforce

    def check(q: object) -> bool:
        return bool(enforce(*q))  # type: ignore[misc]

    return check, list(world.queries)
