"""The engine stays pure and has no way around its rules."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import consentgate.policy

POLICY = Path(consentgate.policy.__file__).parent
FORBIDDEN_IMPORTS = ("sqlalchemy", "fastapi", "authlib", "consentgate.store", "consentgate.api",
                     "consentgate.web", "consentgate.cli", "consentgate.services", "time", "os",
                     "socket", "requests", "httpx")  # fmt: skip
#: Names that would suggest a way to skip a rule: a trusted partner kind, an override, a bypass.
BYPASS = re.compile(
    r"bypass|skip_?(rule|check)|override|exempt|trusted|whitelist|allowlist|superuser|"
    r"is_admin|force_allow|always_allow|integration_partner|service_provider|no_?check|unsafe",
    re.IGNORECASE,
)


def _sources() -> list[Path]:
    return sorted(POLICY.glob("*.py"))


def test_the_policy_package_imports_no_io_framework_or_clock() -> None:
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(FORBIDDEN_IMPORTS), f"{path.name} imports {name}"


def test_the_policy_package_never_reads_the_clock() -> None:
    for path in _sources():
        text = path.read_text()
        for call in ("datetime.now", "datetime.utcnow", "time.time", "date.today", "monotonic"):
            assert call not in text, f"{path.name} reads the clock with {call}"


def test_no_name_in_the_engine_looks_like_a_way_around_a_rule() -> None:
    src = POLICY.parent
    service_side = [
        src / "services" / "decisions.py",
        src / "cli" / "policy.py",
        src / "store" / "policy_source.py",
    ]
    for path in [*_sources(), *service_side]:
        tree = ast.parse(path.read_text())
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        names |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
        names |= {
            n.name for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.keyword) and getattr(n, "name", None)
        }  # fmt: skip
        suspicious = sorted(n for n in names if BYPASS.search(n))
        assert not suspicious, f"{path.name} has bypass-looking names: {suspicious}"


def test_the_only_allowed_decision_is_built_in_one_place_after_every_rule() -> None:
    sources = {path.name: path.read_text() for path in _sources()}
    # ``Decision(True`` appears once in the whole package, inside ``Engine._allow``.
    assert [name for name, text in sources.items() if "Decision(True" in text] == ["engine.py"]
    engine = sources["engine.py"]
    assert engine.count("Decision(True") == 1
    # ``_allow`` (and the allowed decisions it keeps per grant) is reached from one place, right
    # after the test that every rule's outcome held.
    assert engine.count("self._allow(") == 1
    # Partner kind is descriptive only: no rule ever reads it.
    assert ".kind" not in engine
    assert ".kind" not in sources["rules.py"]


def test_the_bypass_scan_would_catch_a_bypass() -> None:
    assert BYPASS.search("if partner.trusted_integration:")
    assert BYPASS.search("skip_rules=True")
