"""The demo population gives the console something to show: after ``consentgate demo seed``, every
findings rule but ``access_after_agreement_end`` has at least one open finding, and that one none."""

from __future__ import annotations

from collections import Counter

from consentgate.demo.findings_world import play_activity, uncertified
from consentgate.demo.seed import demo_partners, seed_demo
from consentgate.domain import PartnerStatus
from consentgate.domain.findings import FindingRule
from consentgate.services.wiring import Services
from consentgate.testing import FrozenClock


def test_the_demo_triggers_every_rule_but_access_after_agreement_end(
    services: Services, clock: FrozenClock
) -> None:
    as_of = clock.now.replace(hour=0, minute=0, second=0, microsecond=0)
    seed_demo(services.db, people=400, seed=3, as_of=as_of)
    requests = play_activity(services, clock.now)
    assert requests > 100
    rules = Counter(f.rule for f in services.findings.list())
    assert set(rules) == set(FindingRule) - {FindingRule.ACCESS_AFTER_AGREEMENT_END}
    # The findings hold as the demo says: nobody was suspended for its certification yet, and the
    # partner that is late is the one the demo made late.
    [late] = services.findings.list(rule=FindingRule.CERTIFICATION_OVERDUE)
    assert late.partner_id == uncertified(demo_partners(3))
    assert services.partners.get_partner(late.partner_id).status is PartnerStatus.ACTIVE
    [burst] = services.findings.list(rule=FindingRule.DENIAL_BURST)
    assert burst.partner_id == "shopmart"
    [spike] = services.findings.list(rule=FindingRule.EXPOSURE_SPIKE)
    assert (spike.partner_id, spike.observation.key) == ("reelview", "messages")
