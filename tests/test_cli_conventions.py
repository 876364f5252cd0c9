"""CLI conventions of ruff and semgrep (issue 16): --version, -q/-v, --exit-zero, --select and
--ignore, --exclude and --extend-exclude, --statistics, colour flags and variables, comma lists,
shell completion, init, "did you mean", a single file as the target, and help text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from charter import __version__
from charter.cli import main
from charter.config import load_config

UNTYPED = "def f(x):\n    return x\n"


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _audit(*args: str) -> int:
    return main(["audit", *args, "--no-cache"])


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = _audit(*args, "--format", "json")
    return code, json.loads(capsys.readouterr().out)


def _rule_ids(report: dict) -> set[str]:
    return {r["id"] for p in report["profiles"] for r in p["rules"]}


@pytest.fixture(autouse=True)
def _no_colour_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "CI"):
        monkeypatch.delenv(name, raising=False)


# --- --version -------------------------------------------------------------------------------


def test_version_flag_prints_charter_and_the_version(capsys: pytest.CaptureFixture[str]):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"charter {__version__}\n"
    assert main(["-V"]) == 0
    assert capsys.readouterr().out == f"charter {__version__}\n"


# --- -q / -v ---------------------------------------------------------------------------------


def test_quiet_prints_only_the_gate_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    _tree(tmp_path, {"app.py": UNTYPED})
    assert _audit(str(tmp_path), "-p", "backend-polyglot", "-q") == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("gate: FAIL (")
    assert captured.out.count("\n") == 1
    assert captured.err == ""


def test_quiet_with_a_report_format_prints_the_report_and_nothing_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    _tree(tmp_path, {"app.py": UNTYPED})
    assert _audit(str(tmp_path), "-p", "backend-polyglot", "--quiet", "-f", "json") == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["findings"]
    assert captured.err == ""


def test_quiet_still_prints_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path):
    assert _audit(str(tmp_path), "-q", "-p", "nobody") == 2
    assert "unknown profile 'nobody'" in capsys.readouterr().err


def test_verbose_says_what_the_audit_was_made_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    _tree(tmp_path, {"app.py": UNTYPED})
    assert _audit(str(tmp_path), "-p", "backend-polyglot", "-v", "--select", "type-hints") == 1
    err = capsys.readouterr().err
    assert "charter: configuration: none" in err
    assert "charter: profiles: backend-polyglot" in err
    # parse-error always runs: a file charter cannot parse is always said
    assert "charter: rules run: 2 (parse-error, type-hints)" in err
    assert "charter: files scanned: 1" in err


# --- --exit-zero -----------------------------------------------------------------------------


def test_exit_zero_exits_0_when_the_gate_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    _tree(tmp_path, {"app.py": UNTYPED})
    assert _audit(str(tmp_path), "-p", "backend-polyglot", "--exit-zero") == 0
    out = capsys.readouterr().out
    assert "app.py:1:1 function `f` is missing type annotations" in out
    assert "gate: FAIL (" in out and "exit 0 (--exit-zero)" in out


def test_exit_zero_still_exits_2_on_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert _audit(str(tmp_path), "--exit-zero", "--select", "no-such-rule") == 2
    assert _audit(str(tmp_path / "missing"), "--exit-zero") == 2


# --- --select / --ignore ---------------------------------------------------------------------


def test_select_runs_only_the_named_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    _tree(tmp_path, {"app.py": UNTYPED})
    code, report = _json(capsys, str(tmp_path), "--select", "type-hints")
    assert code == 1
    assert _rule_ids(report) == {"type-hints"}
    assert {f["rule"] for f in report["findings"]} == {"type-hints"}


def test_select_prefix_ending_in_dash_selects_a_family(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    _tree(tmp_path, {"main.tf": 'resource "aws_s3_bucket" "b" {}\n'})
    _, report = _json(capsys, str(tmp_path), "--select", "terraform-")
    ids = _rule_ids(report)
    assert ids and all(i.startswith("terraform-") for i in ids)
    assert "terraform-pinned-providers" in ids
    _, bare = _json(capsys, str(tmp_path), "--select", "terraform")  # the same whole word
    assert _rule_ids(bare) == ids


def test_select_prefix_must_be_whole_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    _tree(tmp_path, {"main.tf": 'resource "aws_s3_bucket" "b" {}\n'})
    assert _audit(str(tmp_path), "--select", "terra") == 2
    err = capsys.readouterr().err
    assert "--select: 'terra' matches no rule" in err and "did you mean" in err


def test_select_and_ignore_take_comma_lists_and_repeat(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    _tree(tmp_path, {"app.py": UNTYPED})
    _, one = _json(capsys, str(tmp_path), "--select", "type-hints,f-strings,docstrings")
    _, two = _json(
        capsys, str(tmp_path), "--select", "type-hints", "--select", "f-strings,docstrings"
    )
    assert _rule_ids(one) == _rule_ids(two) == {"type-hints", "f-strings", "docstrings"}
    _, less = _json(
        capsys, str(tmp_path), "--select", "type-hints,f-strings,docstrings",
        "--ignore", "docstrings,f-strings",
    )
    assert _rule_ids(less) == {"type-hints"}


def test_ignore_removes_a_rule_and_its_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    _tree(tmp_path, {"app.py": UNTYPED})
    _, report = _json(capsys, str(tmp_path), "-p", "backend-polyglot", "--ignore", "type-hints")
    assert "type-hints" not in _rule_ids(report)
    assert not [f for f in report["findings"] if f["rule"] == "type-hints"]
    assert "parse-error" in _rule_ids(report)


def test_select_and_ignore_narrow_the_always_on_suppression_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    _tree(tmp_path, {"app.py": "x = 1  # charter: ignore[type-hints]\n"})
    _, report = _json(capsys, str(tmp_path), "-p", "backend-polyglot")
    rules = {f["rule"] for f in report["findings"]}
    assert {"unused-suppression", "suppression-without-reason"} <= rules
    _, report = _json(capsys, str(tmp_path), "-p", "backend-polyglot", "--ignore", "unused-")
    rules = {f["rule"] for f in report["findings"]}
    assert "unused-suppression" not in rules and "suppression-without-reason" in rules
    _, report = _json(capsys, str(tmp_path), "--select", "type-hints")
    assert report["findings"] == []
    assert {r["id"] for r in report["rules"]} == {"parse-error", "type-hints"}


def test_unknown_select_exits_2_with_did_you_mean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    assert _audit(str(tmp_path), "--select", "typehints") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--select: 'typehints' matches no rule" in err and "did you mean 'type-hints'" in err
    assert _audit(str(tmp_path), "--ignore", "terraform-*") == 2
    err = capsys.readouterr().err
    assert "--ignore: 'terraform-*' matches no rule" in err and "'terraform-'" in err


# --- --exclude / --extend-exclude ------------------------------------------------------------


def _excluding(tmp_path: Path) -> Path:
    return _tree(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "x"\n\n[tool.charter]\nexclude = ["gen/"]\n',
            "app.py": UNTYPED,
            "gen/made.py": UNTYPED,
            "other.py": UNTYPED,
        },
    )


def _flagged(report: dict) -> set[str]:
    return {f["path"] for f in report["findings"] if f["rule"] == "type-hints"}


def test_exclude_replaces_the_config_exclude(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    root = str(_excluding(tmp_path))
    _, report = _json(capsys, root, "--select", "type-hints")
    assert _flagged(report) == {"app.py", "other.py"}
    _, report = _json(capsys, root, "--select", "type-hints", "--exclude", "app.py")
    assert _flagged(report) == {"gen/made.py", "other.py"}
    assert not [c for c in report["repo_config"] if c["kind"] == "exclude"]


def test_extend_exclude_adds_to_the_config_exclude(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    root = str(_excluding(tmp_path))
    _, report = _json(capsys, root, "--select", "type-hints", "--extend-exclude", "app.py")
    assert _flagged(report) == {"other.py"}
    _, report = _json(capsys, root, "--select", "type-hints", "--exclude", "app.py,other.py")
    assert _flagged(report) == {"gen/made.py"}
    _, report = _json(capsys, root, "--select", "type-hints", "--extend-exclude", "*.py")
    assert _flagged(report) == set()


# --- --statistics ----------------------------------------------------------------------------


def test_statistics_prints_one_line_per_rule_then_the_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    _tree(tmp_path, {"a.py": UNTYPED + "\n\ndef g(y):\n    return y\n", "b.py": UNTYPED})
    assert _audit(str(tmp_path), "-p", "backend-polyglot", "--statistics") == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith("gate: FAIL (")
    hints = [line for line in lines if " type-hints " in line]
    assert len(hints) == 1
    assert hints[0].split()[:4] == ["3", "type-hints", "high", "gating"]
    assert "Profile" not in "\n".join(lines)  # the counts replace the report


def test_statistics_with_another_format_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    assert _audit(str(tmp_path), "--statistics", "-f", "json") == 2
    assert "--statistics prints text" in capsys.readouterr().err


# --- colour ----------------------------------------------------------------------------------


def test_force_color_colours_the_report_and_no_color_wins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    _tree(tmp_path, {"app.py": UNTYPED})
    args = (str(tmp_path), "-p", "backend-polyglot", "--fail-on", "none")
    assert _audit(*args) == 0
    assert "\x1b[" not in capsys.readouterr().out  # not a terminal: no colour
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert _audit(*args) == 0
    assert "\x1b[" in capsys.readouterr().out
    assert _audit(*args, "--no-color") == 0
    assert "\x1b[" not in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    assert _audit(*args) == 0
    assert "\x1b[" not in capsys.readouterr().out


# --- comma lists -----------------------------------------------------------------------------


def test_profile_takes_a_comma_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    _tree(tmp_path, {"app.py": UNTYPED})
    _, report = _json(capsys, str(tmp_path), "-p", "backend-polyglot,backend-incremental")
    assert [p["id"] for p in report["profiles"]] == ["backend-polyglot", "backend-incremental"]
    _, again = _json(capsys, str(tmp_path), "-p", "backend-polyglot", "-p", "backend-incremental")
    assert [p["id"] for p in again["profiles"]] == ["backend-polyglot", "backend-incremental"]


# --- shell completion ------------------------------------------------------------------------


def test_shell_completion_is_offered():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    shown = subprocess.run(
        [sys.executable, "-m", "charter", "--show-completion", "bash"],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert "complete -o default -F" in shown.stdout and "=complete_bash" in shown.stdout
    helped = subprocess.run(
        [sys.executable, "-m", "charter", "--help"],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert "--install-completion" in helped.stdout


# --- init ------------------------------------------------------------------------------------


def test_init_writes_tool_charter_into_pyproject(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    _tree(tmp_path, {"pyproject.toml": '[project]\nname = "x"\n', "app.py": UNTYPED})
    assert main(["init", str(tmp_path)]) == 0
    text = (tmp_path / "pyproject.toml").read_text()
    assert text.startswith('[project]\nname = "x"\n')
    assert "\n[tool.charter]\n# " in text and "# min-score = 80" in text
    config, where = load_config(tmp_path)
    assert where == tmp_path / "pyproject.toml"
    assert config.profiles == ("backend-incremental",) and config.fail_on == "high"
    assert "detected: Python" in capsys.readouterr().err
    assert _audit(str(tmp_path), "-q", "--exit-zero") == 0


def test_init_refuses_to_overwrite_a_charter_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    _tree(tmp_path, {"pyproject.toml": '[tool.charter]\nprofiles = ["backend-polyglot"]\n'})
    before = (tmp_path / "pyproject.toml").read_text()
    assert main(["init", str(tmp_path)]) == 2
    assert "[tool.charter] already exists" in capsys.readouterr().err
    assert (tmp_path / "pyproject.toml").read_text() == before
    other = _tree(tmp_path / "o", {".charter.yml": "profiles: [backend-polyglot]\n"})
    assert main(["init", str(other)]) == 2
    assert (other / ".charter.yml").read_text() == "profiles: [backend-polyglot]\n"


@pytest.mark.parametrize(
    ("files", "profile"),
    [
        ({"main.go": "package main\n", "x.py": "x = 1\n"}, "backend-polyglot"),
        ({"src/lib.rs": "pub fn f() {}\n"}, "backend-polyglot"),
        ({"main.tf": 'terraform {}\n', "main.go": "package main\n"}, "backend-data-infra"),
        ({"README.md": "# x\n"}, "backend-conventions"),
    ],
)
def test_init_writes_charter_yml_without_pyproject_and_picks_by_language(
    tmp_path: Path, files: dict[str, str], profile: str
):
    _tree(tmp_path, files)
    assert main(["init", str(tmp_path)]) == 0
    assert not (tmp_path / "pyproject.toml").exists()
    config, where = load_config(tmp_path)
    assert where == tmp_path / ".charter.yml"
    assert config.profiles == (profile,)
    assert (tmp_path / ".charter.yml").read_text().startswith("# charter settings")


# --- did you mean ----------------------------------------------------------------------------


def test_explain_suggests_the_close_rule_id(capsys: pytest.CaptureFixture[str]):
    assert main(["explain", "typehints"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean 'type-hints'?" in err


def test_unknown_profile_suggests_the_close_profile_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    assert _audit(str(tmp_path), "-p", "backend-polyglott") == 2
    assert "did you mean 'backend-polyglot'?" in capsys.readouterr().err


# --- a single file ---------------------------------------------------------------------------


def test_a_single_file_is_audited_by_file_level_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    _tree(tmp_path, {"app.py": UNTYPED, "other.py": UNTYPED, "pyproject.toml": "[project]\n"})
    code, report = _json(capsys, str(tmp_path / "app.py"))
    assert code == 1
    assert report["files_scanned"] == 1
    assert {f["path"] for f in report["findings"]} == {"app.py"}
    ids = _rule_ids(report)
    assert "type-hints" in ids and "no-hardcoded-secrets" in ids
    assert not ids & {"tests-present", "ci-runs-tests", "src-layout", "linter-configured"}


def test_a_single_file_with_odd_characters_in_its_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    _tree(tmp_path, {"a [1]*.py": UNTYPED, "a 1.py": UNTYPED})
    code, report = _json(capsys, str(tmp_path / "a [1]*.py"), "--select", "type-hints")
    assert code == 1
    assert {f["path"] for f in report["findings"]} == {"a [1]*.py"}


# --- help ------------------------------------------------------------------------------------


def test_help_keeps_square_brackets_and_shows_defaults(capsys: pytest.CaptureFixture[str]):
    assert main(["audit", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "[default: high]" in out
    assert "[tool.charter]" in out
    for shown in (
        "[default: text]",
        "[default: stdout]",
        "[default: ~/.cache/charter]",
        "[default: the config's profiles, else all]",
        "[default: none]",
    ):
        assert shown in out, shown
    assert main(["init", "--help"]) == 0
    assert "[tool.charter]" in capsys.readouterr().out


def test_every_option_of_every_command_says_its_default():
    import typer.main

    from charter.cli import app

    group = typer.main.get_command(app)
    commands = [c for name, c in group.commands.items() if name != "profile"]
    commands += list(group.commands["profile"].commands.values())
    assert {c.name for c in commands} >= {"audit", "baseline", "init", "explain", "import"}
    missing = []
    for command in commands:
        for param in command.params:
            if param.param_type_name != "option" or param.is_flag or param.name == "help":
                continue
            said = "[default:" in (param.help or "")
            shown = bool(param.show_default) and param.default is not None
            if not (said or shown):
                missing.append(f"{command.name} {param.opts[0]}")
    assert missing == []
