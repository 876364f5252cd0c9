"""The custom-policy example of docs/custom-policies.md, run exactly as the page shows it.

The fenced blocks with a ``title="path"`` are written to disk as they are; the findings table of
the page is parsed too, so the page, the example and charter's behaviour cannot drift apart.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import ROOT, write_tree

from charter.cli import main
from charter.engine import run_audit
from charter.errors import PolicyError
from charter.policy import (
    Docs,
    PolicySet,
    Profile,
    ProfileRuleRef,
    Rule,
    Source,
    load_policies,
)

DOC = ROOT / "docs" / "custom-policies.md"
BLOCK = re.compile(r'^```\w+ title="(?P<path>[^"]+)"\n(?P<body>.*?)^```$', re.M | re.S)
ROW = re.compile(r"^\| `(?P<rule>[\w-]+)` \| `(?P<loc>[^`]+)` (?P<message>.*?) \|$", re.M)


def doc_files() -> dict[str, str]:
    files = {m["path"]: m["body"] for m in BLOCK.finditer(DOC.read_text(encoding="utf-8"))}
    assert files, "no titled code blocks found in docs/custom-policies.md"
    return files


def doc_findings() -> set[tuple[str, str]]:
    return {(m["rule"], m["loc"]) for m in ROW.finditer(DOC.read_text(encoding="utf-8"))}


@pytest.fixture
def example(tmp_path: Path) -> Path:
    write_tree(tmp_path, doc_files())
    return tmp_path


def test_doc_example_has_the_promised_layout():
    files = doc_files()
    assert {p for p in files if p.startswith("team-policies/")} == {
        "team-policies/rules/no-breakpoints.yaml",
        "team-policies/rules/codeowners.yaml",
        "team-policies/rules/python-312.yaml",
        "team-policies/profiles/team.yaml",
    }
    assert "shop/src/shop/api.py" in files


def test_doc_example_audit_reports_the_documented_findings(example: Path):
    out = example / "report.json"
    code = main(
        [
            "audit",
            str(example / "shop"),
            "--policies",
            str(example / "team-policies"),
            "--profile",
            "team",
            "--format",
            "json",
            "--output",
            str(out),
        ]
    )
    report = json.loads(out.read_text(encoding="utf-8"))
    got = {
        (f["rule"], f"{f['path']}:{f['line']}" if f["line"] else f["path"])
        for f in report["findings"]
    }
    assert (
        got
        == doc_findings()
        == {
            ("no-breakpoints", "src/shop/api.py:2"),
            ("codeowners", ".github/CODEOWNERS"),
            ("python-312", "pyproject.toml:3"),
        }
    )
    status = {r["id"]: r["status"] for r in report["rules"]}
    assert status["type-hints"] == "pass"
    assert code == 1  # a high-severity finding fails the default --fail-on high


def test_doc_example_passes_once_fixed(example: Path):
    shop = example / "shop"
    write_tree(
        shop,
        {
            "pyproject.toml": '[project]\nname = "shop"\nrequires-python = ">=3.12"\n',
            "src/shop/api.py": "def total(prices: list[float]) -> float:\n    return sum(prices)\n",
            ".github/CODEOWNERS": "* @shop-team\n",
        },
    )
    code = main(
        ["audit", str(shop), "--policies", str(example / "team-policies"), "--profile", "team"]
    )
    assert code == 0


def test_bad_generic_params_are_rejected_where_the_policy_is_loaded(example: Path):
    rule = example / "team-policies" / "rules" / "no-breakpoints.yaml"
    rule.write_text(rule.read_text().replace(r"\bbreakpoint\(\)", r"breakpoint("))
    with pytest.raises(PolicyError, match=r"no-breakpoints\.yaml: field 'params\.pattern'"):
        load_policies([example / "team-policies"])


# --- the generic analyzers one by one ---------------------------------------------------------


def generic(tmp_path: Path, analyzer: str, params: dict, files: dict[str, str]):
    """Audit ``files`` with one rule using ``analyzer``: (status, sorted findings, messages)."""
    rule = Rule(
        id="custom",
        title="a custom rule",
        severity="medium",
        analyzer=analyzer,
        params=params,
        applicability="n/a",
        docs=Docs(what="what it checks", why="why it matters"),
        sources=(Source(profile="team", quote="the team standard"),),
    )
    profile = Profile(id="team", title="team", rules=(ProfileRuleRef(id="custom"),))
    policies = PolicySet(rules={"custom": rule}, profiles={"team": profile})
    write_tree(tmp_path, files)
    report = run_audit(tmp_path, policies, [profile])
    result = next(r for r in report.rules if r.id == "custom")
    found = [f for f in report.findings if f.rule == "custom"]
    return (
        result.status.value,
        sorted(f.where for f in found),
        sorted(f.message for f in found),
    )


def test_text_pattern_reports_each_line_and_fills_the_message(tmp_path):
    status, found, messages = generic(
        tmp_path,
        "text-pattern",
        {"pattern": r"TODO\(\w+\)", "files": "**/*.py", "message": "unowned: {match}"},
        {"a.py": "x = 1  # TODO(bob)\ny = 2\n# TODO(amy)\n", "b.md": "TODO(carl)\n"},
    )
    assert (status, found) == ("fail", ["a.py:1", "a.py:3"])
    assert messages == ["unowned: TODO(amy)", "unowned: TODO(bob)"]


def test_text_pattern_not_applicable_without_selected_files(tmp_path):
    status, found, _ = generic(
        tmp_path, "text-pattern", {"pattern": "x", "files": ["**/*.go"]}, {"a.py": "x\n"}
    )
    assert (status, found) == ("not_applicable", [])


def test_file_exists_forbidden_with_content(tmp_path):
    status, found, _ = generic(
        tmp_path,
        "file-exists",
        {"glob": "**/.env*", "forbidden": True, "contains": "PASSWORD="},
        {".env.example": "PASSWORD=\n", "svc/.env": "A=1\nPASSWORD=hunter2\n"},
    )
    assert (status, found) == ("fail", [".env.example:1", "svc/.env:2"])


def test_file_exists_all_files_must_contain(tmp_path):
    status, found, _ = generic(
        tmp_path,
        "file-exists",
        {"glob": "services/*/README.md", "contains": "^## Runbook", "match": "all"},
        {"services/a/README.md": "# a\n## Runbook\n", "services/b/README.md": "# b\n"},
    )
    assert (status, found) == ("fail", ["services/b/README.md"])


def test_file_exists_only_if(tmp_path):
    status, _, _ = generic(
        tmp_path,
        "file-exists",
        {"glob": "CHANGELOG.md", "only_if": ["**/*.tf"]},
        {"app.py": "x = 1\n"},
    )
    assert status == "not_applicable"


def test_config_value_comparison_on_yaml_and_json(tmp_path):
    status, found, messages = generic(
        tmp_path,
        "config-value",
        {
            "files": ["**/tsconfig.json", "**/settings.yaml"],
            "key": "compilerOptions.strict",
            "op": "==",
            "value": True,
        },
        {
            "web/tsconfig.json": '{\n  "compilerOptions": {\n    "strict": false\n  }\n}\n',
            "api/tsconfig.json": '{"compilerOptions": {"strict": true}}',
            "conf/settings.yaml": "compilerOptions:\n  target: es2022\n",
        },
    )
    assert (status, found) == ("fail", ["conf/settings.yaml:1", "web/tsconfig.json:3"])
    assert messages == [
        "compilerOptions.strict is False; expected compilerOptions.strict == True",
        "compilerOptions.strict is not set; expected compilerOptions.strict == True",
    ]


def test_config_value_numeric_op_and_quoted_key(tmp_path):
    status, found, _ = generic(
        tmp_path,
        "config-value",
        {"files": "pyproject.toml", "key": 'tool."my.tool".retries', "op": ">=", "value": 3},
        {"pyproject.toml": '[tool."my.tool"]\nretries = 2\n'},
    )
    assert (status, found) == ("fail", ["pyproject.toml:2"])


def test_config_value_needs_a_value_for_comparisons():
    from charter.analyzers.generic.config_value import ConfigValueParams

    with pytest.raises(ValueError, match="needs a 'value'"):
        ConfigValueParams.model_validate({"files": ["a.toml"], "key": "a", "op": ">="})
