"""The built-in policy catalog: every rule and profile loads, every quote is real, and a broken
policy file is reported as one line naming the file and the field (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from charter import cli
from charter.errors import PolicyError
from charter.policy import PolicySet, builtin_policy_dir, load_policies

POLICIES = builtin_policy_dir()
PROFILE_FILES = sorted((POLICIES / "profiles").glob("*.yaml"))
RULE_FILES = sorted((POLICIES / "rules").glob("*.yaml"))


def _seed_line(policies: PolicySet, profile_id: str, line: int) -> str:
    seed = policies.profiles[profile_id].seed
    assert seed, f"profile {profile_id} names no seed file"
    text = policies.seed_text(seed)
    assert text is not None, f"seed {seed} of profile {profile_id} is missing"
    lines = text.splitlines()
    assert 1 <= line <= len(lines), f"{profile_id}: line {line} is outside {seed}"
    return lines[line - 1]


def test_every_rule_and_profile_file_is_loaded(policies: PolicySet) -> None:
    assert {p.stem for p in RULE_FILES} == set(policies.rules)
    assert {p.stem for p in PROFILE_FILES} == set(policies.profiles)
    assert set(policies.profiles) == {
        "backend-data-infra",
        "backend-incremental",
        "backend-distributed",
        "backend-conventions",
        "backend-polyglot",
    }


@pytest.mark.parametrize("rule_id", [p.stem for p in RULE_FILES])
def test_rule_sources_quote_their_seed_line(policies: PolicySet, rule_id: str) -> None:
    rule = policies.rules[rule_id]
    for source in rule.sources:
        assert source.line is not None, f"{rule_id}: source in {source.profile} has no line"
        text = _seed_line(policies, source.profile, source.line)
        assert source.quote in text, (
            f"{rule_id}: {source.quote!r} is not on line {source.line} of "
            f"{source.profile}'s seed: {text!r}"
        )


@pytest.mark.parametrize("profile_file", PROFILE_FILES, ids=lambda p: p.stem)
def test_profile_applies_parse_error_first_and_at_least_12_rules(
    policies: PolicySet, profile_file: Path
) -> None:
    profile = policies.profiles[profile_file.stem]
    ids = [ref.id for ref in profile.rules]
    assert ids[0] == "parse-error"
    assert len(ids) >= 12, f"{profile.id} applies only {len(ids)} rules"


@pytest.mark.parametrize("profile_file", PROFILE_FILES, ids=lambda p: p.stem)
def test_profile_manual_items_quote_their_seed_line(
    policies: PolicySet, profile_file: Path
) -> None:
    profile = policies.profiles[profile_file.stem]
    assert profile.manual, f"{profile.id} lists no manual-review statements"
    for item in profile.manual:
        assert item.line is not None
        text = _seed_line(policies, profile.id, item.line)
        assert item.quote in text, f"{profile.id}: {item.quote!r} not on line {item.line}"


@pytest.mark.parametrize("profile_file", PROFILE_FILES, ids=lambda p: p.stem)
def test_each_applied_rule_cites_the_profile(policies: PolicySet, profile_file: Path) -> None:
    """A profile applies a rule only when that rule quotes the profile's own document."""
    profile = policies.profiles[profile_file.stem]
    for ref in profile.rules:
        if ref.id == "parse-error":
            continue
        rule = policies.rules[ref.id]
        assert any(s.profile == profile.id for s in rule.sources), (
            f"{profile.id} applies {ref.id}, which quotes no sentence of {profile.seed}"
        )


def test_a_rule_that_quotes_a_profile_is_applied_by_it(policies: PolicySet) -> None:
    """The catalog and the profiles agree: quoting a profile's sentence means encoding it.
    (profile-drift is applied to the repository's own profiles, see docs/agent-profiles.md.)"""
    for rule in policies.rules.values():
        if rule.id == "profile-drift":
            continue
        for source in rule.sources:
            applied = {ref.id for ref in policies.profiles[source.profile].rules}
            assert rule.id in applied, (
                f"{rule.id} quotes {source.profile} line {source.line} but that profile does "
                f"not apply it; add it to policies/profiles/{source.profile}.yaml"
            )


def test_a_statement_is_either_encoded_or_manual(policies: PolicySet) -> None:
    for profile in policies.profiles.values():
        encoded = {
            s.line
            for ref in profile.rules
            for s in policies.rules[ref.id].sources
            if s.profile == profile.id
        }
        both = sorted(encoded & {m.line for m in profile.manual})
        assert not both, f"{profile.id}: lines {both} are both encoded and manual"


# ---------------------------------------------------------------- broken --policies folders

RULE_OK = """\
id: my-rule
title: My custom rule
severity: medium
applicability: Never.
docs:
  what: Checks something specific about the code.
  why: Because the team agreed on it in review.
sources:
  - profile: backend-polyglot
    quote: "Type hints everywhere"
    line: 113
"""


def _audit_with(
    tmp_path: Path, files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("x = 1\n", encoding="utf-8")
    folder = tmp_path / "pol"
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    capsys.readouterr()
    code = cli.main(["audit", str(repo), "--policies", str(folder)])
    return code, capsys.readouterr().err


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {err!r}"
    assert "Traceback" not in err
    return lines[0]


def test_valid_custom_rule_folder_is_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _audit_with(tmp_path, {"rules/my-rule.yaml": RULE_OK}, capsys)
    assert code in (0, 1), err


def test_missing_field_names_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = RULE_OK.replace("title: My custom rule\n", "")
    code, err = _audit_with(tmp_path, {"rules/my-rule.yaml": broken}, capsys)
    assert code == 2
    line = _one_error_line(err)
    assert "my-rule.yaml" in line
    assert "'title'" in line


def test_invalid_yaml_names_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _audit_with(tmp_path, {"rules/my-rule.yaml": "id: [unclosed\n"}, capsys)
    assert code == 2
    line = _one_error_line(err)
    assert "my-rule.yaml" in line
    assert "invalid YAML" in line


def test_bad_severity_names_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = RULE_OK.replace("severity: medium", "severity: urgent")
    code, err = _audit_with(tmp_path, {"rules/my-rule.yaml": broken}, capsys)
    assert code == 2
    line = _one_error_line(err)
    assert "my-rule.yaml" in line
    assert "'severity'" in line
    assert "urgent" in line


def test_unknown_analyzer_names_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = RULE_OK + "analyzer: no-such-analyzer\n"
    code, err = _audit_with(tmp_path, {"rules/my-rule.yaml": broken}, capsys)
    assert code == 2
    line = _one_error_line(err)
    assert "my-rule.yaml" in line
    assert "no-such-analyzer" in line


def test_unknown_rule_in_profile_names_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = """\
id: team
title: Our team profile
rules:
  - id: parse-error
  - id: no-such-rule
"""
    code, err = _audit_with(tmp_path, {"profiles/team.yaml": profile}, capsys)
    assert code == 2
    line = _one_error_line(err)
    assert "team.yaml" in line
    assert "no-such-rule" in line


def test_unknown_source_profile_names_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = RULE_OK.replace("profile: backend-polyglot", "profile: nobody")
    code, err = _audit_with(tmp_path, {"rules/my-rule.yaml": broken}, capsys)
    assert code == 2
    line = _one_error_line(err)
    assert "my-rule.yaml" in line
    assert "'sources.profile'" in line


def test_rule_id_must_match_file_name(tmp_path: Path) -> None:
    folder = tmp_path / "pol"
    (folder / "rules").mkdir(parents=True)
    (folder / "rules" / "other-name.yaml").write_text(RULE_OK, encoding="utf-8")
    with pytest.raises(PolicyError, match=r"other-name\.yaml.*does not match the file name"):
        load_policies([folder])


def test_builtin_parameters_validate_against_their_analyzers(policies: PolicySet) -> None:
    """load_policies trusts the shipped policies' parameters (so that a warm audit imports no
    analyzer); this is where they are checked: every rule's and every profile's parameters
    must be accepted by the analyzer, exactly as a user's policy files are at load time."""
    from charter.analyzers import validate_params

    for rule in policies.rules.values():
        validate_params(rule, rule.params, policies.origins[f"rule:{rule.id}"])
    for profile in policies.profiles.values():
        for ref in profile.rules:
            rule = policies.rules[ref.id]
            validate_params(rule, {**rule.params, **ref.params}, f"profile {profile.id}")


def test_registry_names_match_analyzer_classes() -> None:
    from charter.analyzers import ANALYZERS, REGISTRY

    assert {name: REGISTRY[name].name for name in ANALYZERS} == {n: n for n in ANALYZERS}


def test_bad_builtin_style_parameter_in_a_user_folder_is_still_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only the shipped folder is trusted: the same rule copied into --policies is validated."""
    rules = tmp_path / "rules"
    rules.mkdir()
    text = (POLICIES / "rules" / "type-hints.yaml").read_text(encoding="utf-8")
    (rules / "type-hints.yaml").write_text(
        text.replace("params:", "params:\n  no_such_param: 1", 1), encoding="utf-8"
    )
    assert "params:" in text
    code = cli.main(["rules", "--policies", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "type-hints.yaml" in err and "no_such_param" in err
