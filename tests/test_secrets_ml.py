"""The optional ML stage of no-hardcoded-secrets (``ml_validator: true``, ``charter[ml]``).

The plumbing is tested with a fake judge (what charter hands over, what it reports); the real
stage with CredSweeper, which the ``test`` extra installs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from helpers import audit_rule, write_tree

from charter import cli
from charter.analyzers.secrets import ml
from charter.policy import PolicySet

RULE = "no-hardcoded-secrets"
ML = {"ml_validator": True}
#: a UUID under a credential name: charter's value judge calls it an identifier
UUID_LINE = 'CLIENT_SECRET = "6f1c2d3e-8a9b-4c5d-9e0f-1a2b3c4d5e6f"\n'
#: a random value under a strong name: charter reports it by itself
REAL_LINE = 'DB_PASSWORD = "Xk92mLpQ0aZ7vB3nR5tY"\n'


class FakeJudge:
    """Accepts every line it is handed that contains ``accept``; records what it saw."""

    def __init__(self, accept: str) -> None:
        self.accept = accept
        self.seen: list[tuple[str, int, str]] = []

    def accepted(self, path: str, lines: Sequence[tuple[int, str]]) -> dict[int, ml.Verdict]:
        self.seen += [(path, n, t) for n, t in lines]
        return {n: ml.Verdict("CLIENT_SECRET", "6f1c2d3e") for n, t in lines if self.accept in t}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeJudge:
    judge = FakeJudge("CLIENT_SECRET")
    monkeypatch.setattr(ml, "judge", lambda: judge)
    return judge


def _findings(policies: PolicySet, root: Path, params: dict | None = None) -> list:
    report = audit_rule(policies, root, RULE, params)
    return [f for f in report.findings if f.rule == RULE]


def test_off_by_default_the_judge_is_never_asked(
    policies: PolicySet, tmp_path: Path, fake: FakeJudge
) -> None:
    write_tree(tmp_path, {"settings.py": UUID_LINE + REAL_LINE})
    found = _findings(policies, tmp_path)
    assert [f.line for f in found] == [2]
    assert fake.seen == []


def test_the_model_reports_a_lookalike_charter_leaves_out_advisory_and_masked(
    policies: PolicySet, tmp_path: Path, fake: FakeJudge
) -> None:
    write_tree(tmp_path, {"settings.py": "import os\n" + UUID_LINE + REAL_LINE})
    found = _findings(policies, tmp_path, ML)
    assert sorted(f.line for f in found) == [2, 3]
    model = next(f for f in found if f.line == 2)
    assert "CredSweeper's model judges it a credential" in model.message
    assert "6f1c…(36 chars)" in model.message
    assert "6f1c2d3e-8a9b" not in model.message
    assert not model.certain  # never certain: it does not gate by default
    assert model.severity.value == "low"
    # only the look-alike's line is handed over: not the import, not the line charter reports
    assert [(p, n) for p, n, _ in fake.seen] == [("settings.py", 2)]


def test_outside_source_the_model_is_asked_only_in_the_sweep(
    policies: PolicySet, tmp_path: Path, fake: FakeJudge
) -> None:
    # a test's look-alike: by default (outside_source: issued) nothing but issued formats is
    # reported there, so the stage proposes nothing; the sweep hands it over
    write_tree(tmp_path, {"tests/test_login.py": UUID_LINE})
    assert _findings(policies, tmp_path, ML) == []
    assert fake.seen == []
    found = _findings(policies, tmp_path, {**ML, "outside_source": "all"})
    assert [f.line for f in found] == [1]
    assert "in a test" in found[0].message
    assert [(p, n) for p, n, _ in fake.seen] == [("tests/test_login.py", 1)]


def test_a_line_the_model_turns_down_stays_quiet(
    policies: PolicySet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    judge = FakeJudge("nothing-matches")
    monkeypatch.setattr(ml, "judge", lambda: judge)
    write_tree(tmp_path, {"config.yaml": "auth:\n  token: 6f1c2d3e-8a9b-4c5d-9e0f-1a2b3c4d5e6f\n"})
    assert _findings(policies, tmp_path, ML) == []
    # YAML is read by its structure: the pair charter turned down, nothing else
    assert [n for _, n, _ in judge.seen] == [2]


def test_a_file_read_by_line_hands_over_every_line_with_a_credential_word(
    policies: PolicySet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    judge = FakeJudge("salt")
    monkeypatch.setattr(ml, "judge", lambda: judge)
    java = (
        'class Crypto {\n    static final String salt = "8c1f2a9e4b7d3c6f";\n    int size = 3;\n}\n'
    )
    write_tree(tmp_path, {"src/Crypto.java": java})
    found = _findings(policies, tmp_path, ML)
    # "salt" is no credential name to charter; the model's verdict names it
    assert [n for _, n, _ in judge.seen] == [2]
    assert [f.line for f in found] == [2]


def test_a_compose_files_own_database_password_is_never_handed_over(
    policies: PolicySet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    judge = FakeJudge("PASSWORD")
    monkeypatch.setattr(ml, "judge", lambda: judge)
    compose = (
        "services:\n"
        "  db:\n"
        "    image: postgres:16\n"
        "    environment:\n"
        "      POSTGRES_PASSWORD: orders\n"
    )
    write_tree(tmp_path, {"docker-compose.yml": compose})
    assert _findings(policies, tmp_path, ML) == []
    assert judge.seen == []


def test_allow_markers_and_lockfiles_are_never_handed_over(
    policies: PolicySet, tmp_path: Path, fake: FakeJudge
) -> None:
    write_tree(
        tmp_path,
        {
            "settings.py": UUID_LINE.rstrip("\n") + "  # pragma: allowlist secret\n",
            "package-lock.json": '{"CLIENT_SECRET": "6f1c2d3e-8a9b-4c5d-9e0f-1a2b3c4d5e6f"}\n',
        },
    )
    assert _findings(policies, tmp_path, ML) == []
    assert fake.seen == []


def test_without_the_extra_the_parameter_stops_with_the_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from charter.analyzers.secrets import analyzer

    monkeypatch.setattr(analyzer, "ml_available", lambda: False)
    repo = write_tree(
        tmp_path,
        {
            "app.py": "x = 1\n",
            ".charter.yml": f"rules:\n  {RULE}:\n    params: {{ml_validator: true}}\n",
        },
    )
    code = cli.main(["audit", str(repo), "--select", RULE])
    err = capsys.readouterr().err
    assert code == 2
    assert "ml_validator" in err and "pip install 'charter[ml]'" in err
    assert len(err.strip().splitlines()) == 1


# --- the real stage: CredSweeper's rules, filters and model -----------------------------------


# forked: onnxruntime starts thread pools in the process that runs the model, and a later
# fork-based audit in the same pytest process must not inherit them (as tests/test_fleet.py)
@pytest.mark.forked
def test_credsweeper_keeps_a_nonce_and_drops_a_template(tmp_path: Path) -> None:
    judge = ml.CredSweeperJudge()
    lines = [
        (4, 'nonce_key = "a8Fk2LmQ9zXw"'),
        (9, 'api_token = "{{ api_token }}"'),
        (12, "password = get_password()"),
    ]
    assert set(judge.accepted("app/settings.py", lines)) == {4}


# forked: onnxruntime starts thread pools in the process that runs the model, and a later
# fork-based audit in the same pytest process must not inherit them (as tests/test_fleet.py)
@pytest.mark.forked
def test_the_real_stage_end_to_end_is_advisory(tmp_path: Path) -> None:
    repo = write_tree(
        tmp_path / "repo",
        {
            "settings.py": 'nonce_key = "a8Fk2LmQ9zXw"\nuser_id = "a8Fk2LmQ9zXw"\n',
            ".charter.yml": f"rules:\n  {RULE}:\n    params: {{ml_validator: true}}\n",
        },
    )
    out = tmp_path / "report.json"
    args = ["audit", str(repo), "--select", RULE, "--format", "json", "--output", str(out)]
    assert cli.main(args) == 0  # advisory: the default gate passes
    found = [f for f in json.loads(out.read_text())["findings"] if f["rule"] == RULE]
    assert [(f["line"], f["advisory"]) for f in found] == [(1, True)]
    assert "a8Fk2LmQ9zXw" not in found[0]["message"]
    assert cli.main([*args, "--no-repo-config"]) == 0
    assert json.loads(out.read_text())["findings"] == []
