"""CLI wiring and exit codes (the logic is tested through the API elsewhere)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from charter.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "sample_repos"


def test_explain_shows_docs_and_the_profile_sentences(capsys: pytest.CaptureFixture[str]):
    assert main(["explain", "type-hints"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("type-hints (high)")
    assert "What it does" in out and "Why is this bad?" in out and "Use instead" in out
    seed_line = 'backend-data-infra, line 156 of 000_fa35ff041bfb1172.txt: "Use type hints for'
    assert seed_line in out


def test_explain_unknown_rule_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]):
    assert main(["explain", "no-such-rule"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown rule 'no-such-rule'" in err


def test_rules_json_lists_every_rule_with_sources(capsys: pytest.CaptureFixture[str]):
    assert main(["rules", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    ids = {r["id"] for r in rows}
    assert {"type-hints", "src-layout", "parse-error"} <= ids
    # a rule a built-in profile applies says which of its sentences it encodes
    assert all(r["sources"] for r in rows if r["profiles"])


def test_missing_target_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["audit", str(tmp_path / "nope")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_unknown_profile_exits_2(capsys: pytest.CaptureFixture[str]):
    code = main(["audit", str(SAMPLES / "legacy-service"), "--profile", "nobody"])
    assert code == 2
    assert "unknown profile 'nobody'" in capsys.readouterr().err


def test_fail_on_none_keeps_the_gate_open(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "app.py").write_text("def f(x):\n    return x\n")
    assert main(["audit", str(tmp_path), "--profile", "backend-polyglot", "--no-cache"]) == 1
    assert main(["audit", str(tmp_path), "--profile", "backend-polyglot", "--no-cache",
                 "--fail-on", "none"]) == 0
    out = capsys.readouterr().out
    assert "app.py:1:1 function `f` is missing type annotations" in out


def test_text_report_has_profile_table_findings_and_summary(capsys: pytest.CaptureFixture[str]):
    code = main(["audit", str(SAMPLES / "legacy-service"), "--profile", "backend-polyglot",
                 "--no-cache"])
    out = capsys.readouterr().out
    assert code == 1
    assert "backend-polyglot" in out.splitlines()[2] or "backend-polyglot" in out
    assert "orders/db.py:5:5 method `__init__` is missing type annotations" in out
    assert '"Type hints everywhere: Function signatures, return types, class attributes"' in out
    assert out.rstrip().splitlines()[-1].startswith("gate: FAIL")


def test_console_script_runs_as_a_module(tmp_path: Path):
    proc = subprocess.run(
        [sys.executable, "-m", "charter", "audit", str(SAMPLES / "compliant-service"),
         "--format", "json", "--profile", "backend-polyglot", "--no-cache",
         "--fail-on", "none"],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert set(report) >= {"tool", "profiles", "findings", "rules", "timing"}
    assert report["profiles"][0]["id"] == "backend-polyglot"


def test_usage_error_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]):
    assert main(["audit", "--no-such-flag"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("charter: error: No such option: --no-such-flag")
    assert err.count("\n") == 1
