"""JUnit XML: a testsuite per profile, a testcase per rule."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from helpers import write_tree

from charter import api
from charter.reporters import junit

DATA = Path(__file__).parent / "data"


def test_suite_per_profile_case_per_rule_failure_lists_findings(tmp_path: Path):
    root = write_tree(tmp_path, {"app.py": "def f(a):\n    return a\n"})
    result = api.run(root, api.Options(profiles=("ci-test",), policy_dirs=(DATA / "policies",)))
    tree = ET.fromstring(junit.render(result.report, result.policies))
    assert tree.tag == "testsuites"
    (suite,) = tree.findall("testsuite")
    assert suite.get("name") == "ci-test"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "1", "0")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert sorted(cases) == ["parse-error", "type-hints"]
    failure = cases["type-hints"].find("failure")
    assert failure is not None and failure.get("type") == "high"
    assert failure.text is not None and failure.text.startswith("app.py:1:1: function `f`")
    assert cases["parse-error"].find("failure") is None
    assert tree.get("failures") == "1"


def test_not_implemented_rules_are_skipped(tmp_path: Path):
    root = write_tree(tmp_path, {"app.py": "X = 1\n"})
    result = api.run(root, api.Options(profiles=("backend-polyglot",)))
    tree = ET.fromstring(junit.render(result.report, result.policies))
    suite = tree.find("testsuite")
    assert suite is not None
    skipped = [c.get("name") for c in suite.findall("testcase") if c.find("skipped") is not None]
    profile = result.report.profiles[0]
    # failing rules whose findings are all advisory (medium/low precision) are skipped too
    advisory = {f.rule for f in result.report.findings if f.advisory} - {
        f.rule for f in result.report.findings if not f.advisory
    }
    assert advisory, "the repository should draw an advisory finding (no README)"
    assert len(skipped) == profile.not_applicable + profile.not_implemented + len(advisory)
    assert set(advisory) <= set(skipped)
    assert suite.get("skipped") == str(len(skipped))
