"""The text report as a user sees it: colour on a terminal only, each finding's source line with
a caret (never a secret's), grouping by rule or by file, baselined findings counted."""

from __future__ import annotations

import io
import os
import re
import subprocess
from pathlib import Path

import pytest
from helpers import SAMPLES, write_tree

from charter import api
from charter.cli import main
from charter.reporters import text

ESC = "\x1b"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
SECRET = "Zq8!rTw92kLp"
APP = (
    "import os\n"
    "\n"
    "\n"
    "def f(a):\n"
    "    return a\n"
    "\n"
    "\n"
    "class Store:\n"
    "\tdef put(self, item):\n"
    "\t\treturn item\n"
)


@pytest.fixture(autouse=True)
def _no_colour_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "repo", {"app.py": APP})


def audit_text(capsys: pytest.CaptureFixture[str], target: Path, *flags: str) -> str:
    args = ["audit", str(target), "-p", "backend-polyglot", "--no-cache", "--fail-on", "none"]
    assert main([*args, *flags]) == 0
    return capsys.readouterr().out


def block(out: str, first: str, rows: int = 4) -> list[str]:
    """The line that starts with ``first`` (after its indent) and the ``rows - 1`` after it."""
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith(first))
    return lines[at : at + rows]


# --- colour ---------------------------------------------------------------------------------


def test_no_colour_when_stdout_is_not_a_terminal(repo: Path, capsys: pytest.CaptureFixture[str]):
    out = audit_text(capsys, repo)
    assert ESC not in out
    assert "app.py:4:1 function `f` is missing type annotations" in out


def test_force_color_colours_severity_rule_ids_and_paths(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("FORCE_COLOR", "1")
    out = audit_text(capsys, repo)
    assert ESC in out
    # high: bold red, like ruff's errors; the rule id bold; the path bold
    assert "\x1b[1;31m(high)\x1b[0m" in out
    assert "\x1b[1mtype-hints\x1b[0m" in out
    assert "\x1b[1mapp.py\x1b[0m:4:1" in out
    # medium yellow, secondary text dim
    assert "\x1b[33m(medium)\x1b[0m" in out
    assert "\x1b[2m" in out
    # stripped of its colours, it is the plain report
    plain = ANSI.sub("", out)
    monkeypatch.delenv("FORCE_COLOR")
    assert plain == audit_text(capsys, repo)


def test_no_color_wins_over_force_color(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    assert ESC not in audit_text(capsys, repo)


def test_colour_is_decided_by_the_terminal(monkeypatch: pytest.MonkeyPatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert text.color_wanted(Tty()) is True
    assert text.color_wanted(io.StringIO()) is False
    monkeypatch.setenv("TERM", "dumb")
    assert text.color_wanted(Tty()) is False


# --- source lines ---------------------------------------------------------------------------


def test_each_finding_shows_its_source_line_and_a_caret(
    repo: Path, capsys: pytest.CaptureFixture[str]
):
    out = audit_text(capsys, repo)
    assert block(out, "app.py:4:1 function `f`") == [
        "    app.py:4:1 function `f` is missing type annotations for parameter `a` and the return "
        "type",
        "      |",
        "    4 | def f(a):",
        "      | ^",
    ]
    # a tab is shown as four spaces, and the caret stays under the column
    assert block(out, "app.py:9:2 method `put`")[1:] == [
        "      |",
        "    9 |     def put(self, item):",
        "      |     ^",
    ]


def test_no_show_source_hides_them(repo: Path, capsys: pytest.CaptureFixture[str]):
    out = audit_text(capsys, repo, "--no-show-source")
    assert "app.py:4:1 function `f`" in out
    assert "| def f(a):" not in out and " | ^" not in out


def test_a_whole_repository_or_file_finding_has_no_source(
    repo: Path, capsys: pytest.CaptureFixture[str]
):
    out = audit_text(capsys, repo)
    after = block(out, "(repository) no pytest suite", 2)
    assert after[1].lstrip().startswith("✗ ")  # the next rule, no gutter


def test_a_secret_is_never_shown_as_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    repo = write_tree(
        tmp_path / "repo",
        {
            "app.py": f'def connect(host, password="{SECRET}"):\n    return host\n',
            "settings.py": f'DB_PASSWORD = "{SECRET}"\n',
        },
    )
    out = audit_text(capsys, repo, "--strict")
    assert "settings.py:1:" in out and "hardcoded secret" in out
    # the type-hints finding on the secret's line is listed, without its line
    assert "app.py:1:1 function `connect`" in out
    assert block(out, "app.py:1:1 function `connect`", 2)[1].strip() != "|"
    assert SECRET not in out and SECRET[:5] not in out


def test_control_characters_in_a_source_line_are_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    repo = write_tree(tmp_path / "repo", {"app.py": "def f(a):  # \x1b[2J\x1b]0;owned\x07\n"})
    out = audit_text(capsys, repo)
    assert ESC not in out and "\x07" not in out
    assert "1 | def f(a):  # \\x1b[2J\\x1b]0;owned\\x07" in out


def test_a_long_source_line_is_cut_around_the_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    long = "x = [" + ", ".join(["1"] * 400) + "]; os.path.join('a', 'b')\n"
    repo = write_tree(tmp_path / "repo", {"app.py": "import os\n" + long})
    out = audit_text(capsys, repo)
    code, caret = block(out, "app.py:2:", 4)[2:]
    assert code.startswith("    2 | …") and "os.path.join('a', 'b')" in code
    assert len(code) <= len("    2 | ") + text.MAX_SOURCE_CHARS + 2
    assert caret.index("^") == code.index("os.path.join")


def test_source_is_read_only_from_regular_files_inside_the_repository(
    repo: Path, tmp_path: Path
):
    audit = api.run(repo, api.Options(profiles=("backend-polyglot",), use_cache=False))
    outside = tmp_path / "outside.py"
    outside.write_text("\n\n\nTOP SECRET LINE\n", encoding="utf-8")
    (repo / "app.py").unlink()
    (repo / "app.py").symlink_to(outside)
    out = text.render(audit.report, audit.policies, source_root=repo)
    assert "app.py:4:1 function `f`" in out and "TOP SECRET" not in out


def test_no_source_for_an_audit_of_another_revision(
    repo: Path, capsys: pytest.CaptureFixture[str]
):
    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
            cwd=repo,
            check=True,
            capture_output=True,
            env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull},
        )

    git("init", "-q")
    git("add", "app.py")
    git("commit", "-qm", "one")
    (repo / "app.py").write_text("\n\n\nNOT THE AUDITED LINE\n", encoding="utf-8")
    out = audit_text(capsys, repo, "--ref", "HEAD")
    assert "app.py:4:1 function `f`" in out and "NOT THE AUDITED LINE" not in out


# --- grouping ---------------------------------------------------------------------------------


def test_group_by_file_lists_each_file_once_with_rule_and_severity(
    repo: Path, capsys: pytest.CaptureFixture[str]
):
    out = audit_text(capsys, repo, "--group-by", "file")
    assert "Failing rules" not in out
    lines = out.splitlines()
    at = lines.index("Findings by file")
    assert lines[at + 1] == "app.py"
    assert lines[at + 2] == (
        "  4:1 type-hints (high) function `f` is missing type annotations for parameter `a` and "
        "the return type"
    )
    assert lines[at + 3 : at + 6] == ["    |", "  4 | def f(a):", "    | ^"]
    assert "(repository)" in lines[at:]
    assert "  tests-present (high) no pytest suite" in out
    assert out.count("\napp.py\n") == 1


def test_group_by_rule_is_the_default(repo: Path, capsys: pytest.CaptureFixture[str]):
    assert audit_text(capsys, repo) == audit_text(capsys, repo, "--group-by", "rule")


def test_group_by_rejects_other_values(repo: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["audit", str(repo), "--group-by", "severity"]) == 2
    assert "--group-by" in capsys.readouterr().err


# --- baselined findings -------------------------------------------------------------------------


def test_baselined_findings_are_counted_not_listed_unless_verbose(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    baseline = tmp_path / "baseline.json"
    options = api.Options(profiles=("backend-polyglot",), use_cache=False)
    api.write_baseline(repo, baseline, options)
    (repo / "app.py").write_text(APP + "\n\ndef g(b):\n    return b\n", encoding="utf-8")
    out = audit_text(capsys, repo, "--baseline", str(baseline))
    assert "app.py:13:1 function `g`" in out
    assert "function `f`" not in out and "[baselined]" not in out
    assert "    + 2 baselined (-v lists them)" in out
    summary = out.splitlines()[-2]
    # 8: the repository findings include formatter-enforced (no CI checks the formatting)
    assert summary.endswith("; 8 baselined (not listed; -v lists them)")

    audit = api.run(repo, api.Options(profiles=("backend-polyglot",), baseline=baseline,
                                      use_cache=False))
    verbose = text.render(audit.report, audit.policies, source_root=repo, verbose=True)
    assert "app.py:4:1 function `f` is missing type annotations" in verbose
    assert "[baselined]" in verbose and "-v lists them" not in verbose
    assert verbose.splitlines()[-1].endswith("; 8 baselined")


def test_sample_report_still_names_its_findings(capsys: pytest.CaptureFixture[str]):
    out = audit_text(capsys, SAMPLES / "legacy-service")
    assert block(out, "orders/db.py:5:5 method `__init__`")[1:] == [
        "      |",
        "    5 |     def __init__(self, path):",
        "      |     ^",
    ]


def test_a_finding_at_column_1_of_an_indented_line_points_at_its_first_word(
    capsys: pytest.CaptureFixture[str],
):
    out = audit_text(capsys, SAMPLES / "legacy-service")
    assert block(out, "docker-compose.yml:11:1 compose service `worker`")[1:] == [
        "       |",
        "    11 |     healthcheck:",
        "       |     ^",
    ]


def test_a_secret_in_a_source_line_is_redacted_whatever_the_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """The profile has no secrets rule: the line of another finding still never shows one."""
    policies = write_tree(
        tmp_path / "policies",
        {
            "profiles/team.yaml": (
                "id: team\ntitle: Team\nrules:\n  - id: type-hints\n  - id: pathlib-over-os-path\n"
            )
        },
    )
    aws = "AKIA" + "Q3T7ZX2WJ5K4M6RV"
    repo = write_tree(
        tmp_path / "repo",
        {
            "app.py": (
                "import os\n"
                f'def connect(host, password="{SECRET}", key="{aws}"):\n'
                "    return host\n"
                f'CONF = {{"api_key": "{SECRET}"}}; HOME = os.path.join("a", "b")\n'
            )
        },
    )
    args = ["audit", str(repo), "--policies", str(policies), "-p", "team", "--no-cache"]
    assert main([*args, "--fail-on", "none"]) == 0
    out = capsys.readouterr().out
    assert SECRET not in out and aws not in out
    assert '2 | def connect(host, password="Zq…(12 chars)", key="AKIA…(20 chars)"):' in out
    # the caret stays under the column after a redaction before it
    code, caret = block(out, "app.py:4:", 4)[2:]
    assert code == '    4 | CONF = {"api_key": "Zq…(12 chars)"}; HOME = os.path.join("a", "b")'
    assert caret.index("^") == code.index("os.path.join")
