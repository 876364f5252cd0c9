"""Helpers shared by the tests."""

from __future__ import annotations

from pathlib import Path

from charter.engine import run_audit
from charter.models import Report
from charter.policy import PolicySet, Profile, ProfileRuleRef

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_repos"


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def audit_rule(policies: PolicySet, root: Path, rule_id: str, params: dict | None = None) -> Report:
    """Audit ``root`` with a one-rule profile."""
    profile = Profile(
        id="example",
        title="one rule",
        rules=(ProfileRuleRef(id=rule_id, params=params or {}),),
    )
    return run_audit(root, policies, [profile])


def rule_result(
    policies: PolicySet,
    root: Path,
    rule: str,
    files: dict[str, str],
    params: dict | None = None,
) -> tuple[str, list[str], tuple[str, ...]]:
    """Write ``files`` under ``root``, audit one rule: (status, sorted ``where`` of its
    findings, evidence)."""
    write_tree(root, files)
    report = audit_rule(policies, root, rule, params)
    found = sorted(f.where for f in report.findings if f.rule == rule)
    res = next(r for r in report.rules if r.id == rule)
    return res.status.value, found, res.evidence


WORKFLOW = """on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
{steps}
"""


def workflow(*steps: str) -> str:
    """A GitHub Actions workflow with one job running ``steps`` (YAML step bodies)."""
    return WORKFLOW.format(steps="\n".join(f"      - {s}" for s in steps))
