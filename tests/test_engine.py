"""The engine: statuses, scores, fingerprints, parameter instances and determinism."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import audit_rule, write_tree

from charter.engine import fingerprint, run_audit, score
from charter.models import Severity, Status
from charter.policy import PolicySet, Profile, ProfileRuleRef, Rule


def test_score_is_the_severity_weighted_share_of_applicable_rules():
    rows = [
        (Status.PASS, Severity.CRITICAL),  # 10 earned
        (Status.FAIL, Severity.HIGH),  # 7.5 possible
        (Status.ERROR, Severity.LOW),  # 2.5 possible, counts as not passing
        (Status.NOT_APPLICABLE, Severity.HIGH),  # ignored
        (Status.NOT_IMPLEMENTED, Severity.CRITICAL),  # ignored
    ]
    assert score(rows) == pytest.approx(50.0)
    assert score([(Status.NOT_APPLICABLE, Severity.HIGH)]) is None
    assert score([(Status.PASS, Severity.LOW), (Status.FAIL, Severity.LOW)]) == 50.0


def test_fingerprint_survives_unrelated_lines_and_tracks_the_flagged_line(
    tmp_path: Path, policies: PolicySet
):
    code = "def f(x):\n    return x\n"
    write_tree(tmp_path / "a", {"app.py": code})
    write_tree(tmp_path / "b", {"app.py": "import os\n\n\n" + code})
    write_tree(tmp_path / "c", {"app.py": code.replace("f(x)", "g(x)")})
    prints = {}
    for name in "abc":
        report = audit_rule(policies, tmp_path / name, "type-hints")
        (finding,) = [f for f in report.findings if f.rule == "type-hints"]
        prints[name] = (finding.line, finding.fingerprint)
    assert prints["a"][0] == 1 and prints["b"][0] == 4
    assert prints["a"][1] == prints["b"][1]
    assert prints["a"][1] != prints["c"][1]


def test_identical_lines_get_distinct_fingerprints():
    assert fingerprint("r", "a.py", "x", 1) != fingerprint("r", "a.py", "x", 2)
    assert fingerprint("r", "a.py", "x  y", 1) == fingerprint("r", "a.py", "x y", 1)


def test_rule_without_analyzer_is_not_implemented_never_a_pass(
    tmp_path: Path, policies: PolicySet
):
    planned = Rule.model_validate(
        {
            "id": "planned-rule",
            "title": "A rule nobody wrote yet",
            "severity": "high",
            "applicability": "always",
            "docs": {"what": "checks something later", "why": "because it matters"},
            "sources": [{"profile": "backend-polyglot", "quote": "anything"}],
        }
    )
    merged = PolicySet(
        rules={**policies.rules, "planned-rule": planned},
        profiles=policies.profiles,
        dirs=policies.dirs,
    )
    write_tree(tmp_path, {"app.py": "def f() -> None:\n    pass\n"})
    profile = Profile(
        id="p",
        title="two rules",
        rules=(ProfileRuleRef(id="type-hints"), ProfileRuleRef(id="planned-rule")),
    )
    report = run_audit(tmp_path, merged, [profile])
    (prof,) = report.profiles
    statuses = {r.id: r.status for r in prof.rules}
    assert statuses == {"type-hints": Status.PASS, "planned-rule": Status.NOT_IMPLEMENTED}
    assert prof.not_implemented == 1 and prof.passed == 1
    assert prof.score == 100.0


def test_no_python_means_type_hints_not_applicable(tmp_path: Path, policies: PolicySet):
    write_tree(tmp_path, {"README.md": "# hi\n", "deploy/app.yaml": "a: 1\n"})
    report = audit_rule(policies, tmp_path, "type-hints")
    result = next(r for r in report.rules if r.id == "type-hints")
    assert result.status is Status.NOT_APPLICABLE
    assert report.profiles[0].score is None


def test_profile_param_override_runs_a_separate_instance(tmp_path: Path, policies: PolicySet):
    write_tree(tmp_path, {"tests/test_a.py": "def test_a(x):\n    pass\n", "app.py": "x = 1\n"})
    strict = Profile(
        id="strict",
        title="tests included",
        rules=(ProfileRuleRef(id="type-hints", params={"include_tests": True}),),
    )
    lenient = Profile(
        id="lenient", title="tests left out", rules=(ProfileRuleRef(id="type-hints"),)
    )
    report = run_audit(tmp_path, policies, [strict, lenient])
    by_profile = {p.id: p.rules[0].status for p in report.profiles}
    assert by_profile == {"strict": Status.FAIL, "lenient": Status.PASS}
    assert [(f.path, f.line) for f in report.findings if f.rule == "type-hints"] == [
        ("tests/test_a.py", 1)
    ]


def test_profile_severity_override_sets_the_finding_severity(tmp_path: Path, policies: PolicySet):
    write_tree(tmp_path, {"app.py": "def f(x):\n    return x\n"})
    low = Profile(
        id="low",
        title="relaxed",
        rules=(ProfileRuleRef(id="type-hints", severity=Severity.LOW),),
    )
    report = run_audit(tmp_path, policies, [low])
    assert {f.severity for f in report.findings} == {Severity.LOW}


def test_two_audits_give_identical_json_apart_from_timing(tmp_path: Path, policies: PolicySet):
    write_tree(
        tmp_path,
        {
            "src/b/__init__.py": "",
            "src/b/z.py": "def z(a, b):\n    return a\n",
            "src/a/__init__.py": "",
            "src/a/y.py": "def y(q):\n    pass\ndef w(q):\n    pass\n",
            "broken.py": "def (:\n",
        },
    )
    profiles = [policies.profiles[p] for p in sorted(policies.profiles)]
    first = run_audit(tmp_path, policies, profiles).model_dump_json(exclude={"timing"})
    second = run_audit(tmp_path, policies, profiles).model_dump_json(exclude={"timing"})
    assert first == second
