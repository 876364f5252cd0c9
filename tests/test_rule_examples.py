"""Every rule's own passing and failing examples, run by one parametrized test.

A failing example must produce exactly the listed ``path:line`` findings for its rule (``path``
for a finding about a whole file, ``(repository)`` for one about the repository); a passing
example must produce none and end with the expected status (``pass`` unless it says otherwise).
A failing example with a ``fixed`` form must become exactly that under ``charter fix`` (with
``--unsafe-fixes`` when it says ``unsafe_fixes``), and auditing ``fixed`` must leave only its
``fixed_findings``. An example of several ``files`` names the one the fix changes in ``path``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import audit_rule, write_tree

from charter.fixes import FIXERS, fix_findings
from charter.policy import Example, load_policies

POLICIES = load_policies()
CASES = [
    pytest.param(rule.id, kind, i, ex, id=f"{rule.id}-{kind}-{i}-{ex.name or 'example'}")
    for rule in sorted(POLICIES.rules.values(), key=lambda r: r.id)
    for kind, examples in (("failing", rule.examples.failing), ("passing", rule.examples.passing))
    for i, ex in enumerate(examples)
]


@pytest.mark.parametrize(("rule_id", "kind", "index", "example"), CASES)
def test_rule_example(tmp_path: Path, rule_id: str, kind: str, index: int, example: Example):
    write_tree(tmp_path, example.repo_files())
    report = audit_rule(POLICIES, tmp_path, rule_id, example.params)
    result = next(r for r in report.rules if r.id == rule_id)
    got = sorted(f.where for f in report.findings if f.rule == rule_id)
    if kind == "failing":
        assert result.status.value == (example.status or "fail"), result.message
        assert got == sorted(example.findings)
    else:
        assert got == [], [f.message for f in report.findings if f.rule == rule_id]
        assert result.status.value == (example.status or "pass"), result.message


FIX_CASES = [
    pytest.param(rule.id, ex, id=f"{rule.id}-fix-{i}-{ex.name or 'example'}")
    for rule in sorted(POLICIES.rules.values(), key=lambda r: r.id)
    for i, ex in enumerate(rule.examples.failing)
    if ex.fixed is not None
]


@pytest.mark.parametrize(("rule_id", "example"), FIX_CASES)
def test_rule_fix_example(tmp_path: Path, rule_id: str, example: Example):
    write_tree(tmp_path, example.repo_files())
    report = audit_rule(POLICIES, tmp_path, rule_id, example.params)
    results = fix_findings(tmp_path, report.findings, POLICIES, unsafe=example.unsafe_fixes)
    assert [r.problem for r in results] == [None] * len(results)
    # the file the example names changes; any other file with findings stays as it is
    assert [r.path for r in results if r.changed] == [example.path]
    (result,) = [r for r in results if r.path == example.path]
    assert result.after is not None
    assert result.after.decode() == example.fixed
    (tmp_path / example.path).write_bytes(result.after)
    again = audit_rule(POLICIES, tmp_path, rule_id, example.params)
    assert sorted(f.where for f in again.findings if f.rule == rule_id) == sorted(
        example.fixed_findings
    )
    second = fix_findings(tmp_path, again.findings, POLICIES, unsafe=example.unsafe_fixes)
    assert [r.changed for r in second] == [False] * len(second)  # idempotent


def test_every_rule_with_an_autofix_has_a_fixer_and_a_fix_example():
    declared = {r.id for r in POLICIES.rules.values() if r.autofix is not None}
    with_fixer = {r.id for r in POLICIES.rules.values() if r.analyzer in FIXERS}
    assert declared == with_fixer
    assert all(any(ex.fixed for ex in POLICIES.rules[r].examples.failing) for r in declared)


def test_every_implemented_rule_has_two_examples_each_way():
    thin = [
        r.id
        for r in POLICIES.rules.values()
        if r.implemented and (len(r.examples.failing) < 2 or len(r.examples.passing) < 2)
    ]
    assert thin == []
