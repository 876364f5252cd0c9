"""Configuration: [tool.charter] / .charter.yml, flags winning, one-line errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import write_tree

from charter import api
from charter.cli import main
from charter.config import load_config
from charter.errors import CharterError
from charter.models import Severity

DATA = Path(__file__).parent / "data"
POL = str(DATA / "policies")


def _with_policies(root: Path) -> Path:
    """The test policies copied into the audited repository: a repository's own ``policies``
    must be a folder inside it (SECURITY.md)."""
    shutil.copytree(DATA / "policies", root / "pol", dirs_exist_ok=True)
    return root


UNTYPED = "def f(a):\n    return a\n"


def test_pyproject_section_is_read(tmp_path: Path):
    write_tree(tmp_path, {"pyproject.toml": (
        "[tool.charter]\nprofiles = ['ci-test']\nfail-on = 'low'\nmin-score = 90\n"
        "exclude = ['gen/']\nbaseline = 'b.json'\n"
        "[tool.charter.rules.type-hints]\nseverity = 'medium'\n"
    )})
    config, where = load_config(tmp_path)
    assert where == tmp_path / "pyproject.toml"
    assert config.profiles == ("ci-test",) and config.fail_on == "low"
    assert config.min_score == 90 and config.exclude == ("gen/",) and config.baseline == "b.json"
    assert config.rules["type-hints"].severity is Severity.MEDIUM


def test_charter_yml_wins_over_pyproject(tmp_path: Path):
    write_tree(tmp_path, {
        "pyproject.toml": "[tool.charter]\nfail-on = 'low'\n",
        ".charter.yml": "fail-on: critical\nmin-score: {ci-test: 75}\n",
    })
    config, where = load_config(tmp_path)
    assert where == tmp_path / ".charter.yml"
    assert config.fail_on == "critical" and config.min_score == {"ci-test": 75}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fail_on: high\nfial-on: low\n", "field 'fial-on' is not a key charter knows"),
        ("min-score: 120\n", "field 'min-score': 120.0 is not a score"),
        ("rules: {type-hints: {sevrity: low}}\n", "field 'rules.type-hints.sevrity'"),
        ("fail-on: severe\n", "field 'fail-on' must be one of critical, high"),
    ],
)
def test_bad_settings_are_one_line_errors_naming_the_field(tmp_path: Path, capsys, text, message):
    write_tree(tmp_path, {".charter.yml": text, "app.py": "X = 1\n"})
    assert main(["audit", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"charter: error: {tmp_path / '.charter.yml'}: {message}")


def test_unknown_rule_override_names_the_file_and_field(tmp_path: Path):
    write_tree(tmp_path, {".charter.yml": "rules: {no-such-rule: {disable: true}}\n"})
    with pytest.raises(CharterError, match=r"\.charter\.yml: field 'rules\.no-such-rule': unknown"):
        api.audit(tmp_path)


def test_disable_and_severity_overrides(tmp_path: Path):
    write_tree(_with_policies(tmp_path), {"app.py": UNTYPED, ".charter.yml": (
        "policies: [pol]\nprofiles: [ci-test]\nrules: {type-hints: {severity: low}}\n"
    )})
    report = api.audit(tmp_path)
    (finding,) = [f for f in report.findings if f.rule == "type-hints"]
    assert finding.severity is Severity.LOW
    assert api.gate(report, Severity.HIGH)[0] == 0
    (tmp_path / ".charter.yml").write_text(
        "policies: [pol]\nprofiles: [ci-test]\nrules: {type-hints: {disable: true}}\n",
        encoding="utf-8",
    )
    report = api.audit(tmp_path)
    assert [r.id for r in report.profiles[0].rules] == ["parse-error"]
    assert not [f for f in report.findings if f.rule == "type-hints"]


def test_params_override_is_validated(tmp_path: Path):
    write_tree(tmp_path, {".charter.yml": "rules: {type-hints: {params: {bogus: 1}}}\n"})
    with pytest.raises(CharterError, match=r"rules\.type-hints: field 'params\.bogus'"):
        api.audit(tmp_path)


def test_flags_win_over_config(tmp_path: Path):
    write_tree(_with_policies(tmp_path), {"app.py": UNTYPED, ".charter.yml": (
        "policies: [pol]\nprofiles: [ci-test]\nfail-on: none\nmin-score: 10\n"
    )})
    assert main(["audit", str(tmp_path)]) == 0
    assert main(["audit", str(tmp_path), "--fail-on", "high"]) == 1
    assert main(["audit", str(tmp_path), "--min-score", "50"]) == 1


def test_gate_names_every_condition_that_held(tmp_path: Path, capsys):
    write_tree(tmp_path, {"app.py": UNTYPED})
    args = ["audit", str(tmp_path), "-p", "ci-test", "--policies", POL, "-f", "json"]
    assert main([*args, "--min-score", "50", "--fail-on", "high"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == (
        "charter: gate fails: 1 finding(s) at or above high (1 high); "
        "profile ci-test scores 40.0, below 50 (provisional: 2 rules apply)"
    )
    assert main([*args, "--min-score", "40", "--fail-on", "critical"]) == 0


def test_config_baseline_path_is_relative_to_the_target(tmp_path: Path):
    write_tree(tmp_path, {"app.py": UNTYPED})
    options = api.Options(profiles=("ci-test",), policy_dirs=(DATA / "policies",))
    api.write_baseline(tmp_path, tmp_path / "ci" / "baseline.json", options)
    (tmp_path / ".charter.yml").write_text("baseline: ci/baseline.json\n", encoding="utf-8")
    report = api.audit(tmp_path, options)
    assert [f.baselined for f in report.findings if f.rule == "type-hints"] == [True]


def test_min_score_per_profile_from_config(tmp_path: Path):
    write_tree(_with_policies(tmp_path), {"app.py": UNTYPED, ".charter.yml": (
        "policies: [pol]\nprofiles: [ci-test]\nfail-on: none\n"
        "min-score: {ci-test: 50, backend-polyglot: 99}\n"
    )})
    result = api.run(tmp_path)
    threshold, floor = api.gate_settings(result.config, None, None)
    assert threshold is None and floor == {"ci-test": 50, "backend-polyglot": 99}
    assert api.gate(result.report, threshold, floor) == (
        1, "profile ci-test scores 40.0, below 50 (provisional: 2 rules apply)"
    )
    assert api.gate(result.report, threshold, {"backend-polyglot": 99})[0] == 0


def test_no_repo_config_ignores_the_targets_own_settings(tmp_path: Path, capsys):
    """An untrusted tree's settings exclude its untyped code and disable the rule; with
    --no-repo-config only the flags decide, and the gate sees the finding."""
    repo = write_tree(tmp_path / "repo", {
        "src/app.py": UNTYPED,
        ".charter.yml": (
            "exclude: ['src/']\nfail-on: none\n"
            "rules:\n  type-hints: {disable: true}\n"
        ),
    })
    args = ["audit", str(repo), "--policies", POL, "--profile", "ci-test", "--no-cache"]
    assert main([*args, "--format", "json"]) == 0
    assert '"rule": "type-hints"' not in capsys.readouterr().out
    assert main([*args, "--format", "json", "--no-repo-config"]) == 1
    out = capsys.readouterr().out
    assert '"rule": "type-hints"' in out and '"path": "src/app.py"' in out
    # the API says the same; a broken config file is not even read
    (repo / ".charter.yml").write_text("rules: [not, a, mapping\n", encoding="utf-8")
    report = api.audit(repo, api.Options(profiles=("ci-test",), policy_dirs=(DATA / "policies",),
                                         repo_config=False))
    assert [(f.rule, f.path) for f in report.findings] == [("type-hints", "src/app.py")]
