"""Baselines: record today's findings, then only new ones fail the gate."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import write_tree

from charter import api
from charter.baseline import Entry, context_hash, dumps, match
from charter.cli import main
from charter.models import Finding, Report, Severity

DATA = Path(__file__).parent / "data"
OPTIONS = api.Options(profiles=("ci-test",), policy_dirs=(DATA / "policies",))

OLD = "def legacy(a, b):\n    return a + b\n\n\ndef other(c):\n    return c\n"


def record(root: Path) -> Path:
    out = root.parent / f"{root.name}-baseline.json"
    api.write_baseline(root, out, OPTIONS)
    return out


def hints(report: Report) -> list[tuple[str, int, bool]]:
    return [(f.path, f.line, f.baselined) for f in report.findings if f.rule == "type-hints"]


def test_baseline_file_is_sorted_one_finding_per_line_without_timestamps(tmp_path: Path):
    root = write_tree(tmp_path / "repo", {"b.py": OLD, "a.py": OLD})
    text = record(root).read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == '{"charter-baseline": 1, "findings": ['
    assert lines[-1] == "]}"
    rows = [json.loads(line.rstrip(",")) for line in lines[1:-1]]
    assert [(r["path"], r["rule"]) for r in rows] == [
        ("a.py", "type-hints"),
        ("a.py", "type-hints"),
        ("b.py", "type-hints"),
        ("b.py", "type-hints"),
    ]
    assert all(set(r) == {"rule", "path", "fingerprint", "context", "message"} for r in rows)
    assert "\"line\"" not in text and "time" not in text
    assert record(root).read_text(encoding="utf-8") == text  # deterministic


def test_baseline_still_matches_after_lines_are_inserted_above(tmp_path: Path):
    root = write_tree(tmp_path / "repo", {"app.py": OLD})
    baseline = record(root)
    moved = '"""Module docstring added later."""\n\nimport os\n\nX = os.sep\n\n\n' + OLD
    write_tree(root, {"app.py": moved})
    report = api.audit(root, api.replace(OPTIONS, baseline=baseline))
    assert hints(report) == [("app.py", 8, True), ("app.py", 12, True)]
    assert api.gate(report, Severity.LOW)[0] == 0
    row = next(r for r in report.profiles[0].rules if r.id == "type-hints")
    assert row.status.value == "pass" and "baselined" in row.message


def test_new_finding_is_not_baselined_and_fails_the_gate(tmp_path: Path):
    root = write_tree(tmp_path / "repo", {"app.py": OLD})
    baseline = record(root)
    write_tree(root, {"app.py": "def fresh(z):\n    return z\n\n\n" + OLD})
    report = api.audit(root, api.replace(OPTIONS, baseline=baseline))
    assert hints(report) == [("app.py", 1, False), ("app.py", 5, True), ("app.py", 9, True)]
    code, reason = api.gate(report, Severity.HIGH)
    assert code == 1 and reason.startswith("1 finding(s) at or above high")


def test_edited_line_with_same_finding_matches_by_message(tmp_path: Path):
    root = write_tree(tmp_path / "repo", {"app.py": OLD})
    baseline = record(root)
    write_tree(root, {"app.py": OLD.replace("def legacy(a, b):", "def legacy(a,  b):  # tidy")})
    report = api.audit(root, api.replace(OPTIONS, baseline=baseline))
    assert hints(report) == [("app.py", 1, True), ("app.py", 5, True)]


def _finding(line: int, message: str, fingerprint: str) -> Finding:
    return Finding(
        rule="r", severity=Severity.HIGH, path="a.py", line=line, message=message,
        fingerprint=fingerprint,
    )


def test_changed_message_matches_by_line_content_and_each_entry_once():
    entries = [Entry(rule="r", path="a.py", fingerprint="old", context=context_hash("x = 1"),
                     message="3 problems")]
    findings = [_finding(4, "4 problems", "new1"), _finding(9, "4 problems", "new2")]
    text = {4: "x  =  1", 9: "x = 1"}
    got = match(findings, entries, lambda path, line: text[line])
    assert [f.baselined for f in got] == [True, False]


def test_dumps_of_no_findings_loads_back(tmp_path: Path):
    path = tmp_path / "b.json"
    path.write_text(dumps([]), encoding="utf-8")
    assert json.loads(path.read_text()) == {"charter-baseline": 1, "findings": []}


def test_cli_baseline_then_audit(tmp_path: Path, capsys):
    root = write_tree(tmp_path / "repo", {"app.py": OLD})
    out = tmp_path / "base.json"
    pol = str(DATA / "policies")
    args = ["baseline", str(root), "--output", str(out), "-p", "ci-test", "--policies", pol]
    assert main(args) == 0
    assert "recorded 2 finding(s)" in capsys.readouterr().err
    args = ["audit", str(root), "-p", "ci-test", "--policies", pol, "--fail-on", "low"]
    assert main(args) == 1
    assert main([*args, "--baseline", str(out)]) == 0


def test_missing_baseline_file_is_a_one_line_error(tmp_path: Path, capsys):
    root = write_tree(tmp_path / "repo", {"app.py": OLD})
    code = main(["audit", str(root), "--baseline", str(tmp_path / "nope.json")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "baseline file not found" in err


def test_first_baseline_when_config_names_a_file_not_yet_written(tmp_path: Path):
    root = write_tree(tmp_path / "repo", {"app.py": OLD, ".charter.yml": "baseline: base.json\n"})
    assert api.write_baseline(root, root / "base.json", OPTIONS) == 2
    report = api.audit(root, OPTIONS)
    assert hints(report) == [("app.py", 1, True), ("app.py", 5, True)]


def test_baseline_with_no_repo_config_records_what_such_an_audit_reports(tmp_path: Path):
    """A gate that ignores the repository's settings needs a baseline recorded the same way:
    the excluded file's findings are recorded only with --no-repo-config."""
    config = "exclude: ['legacy.py']\n"
    root = write_tree(tmp_path / "repo", {"legacy.py": OLD, ".charter.yml": config})
    plain, ignoring = tmp_path / "plain.json", tmp_path / "ignoring.json"
    base = ["baseline", str(root), "--policies", str(DATA / "policies"), "--profile", "ci-test"]
    assert main([*base, "--output", str(plain)]) == 0
    assert main([*base, "--output", str(ignoring), "--no-repo-config"]) == 0
    assert json.loads(plain.read_text(encoding="utf-8"))["findings"] == []
    recorded = json.loads(ignoring.read_text(encoding="utf-8"))["findings"]
    assert {(e["rule"], e["path"]) for e in recorded} == {("type-hints", "legacy.py")}
    audit = ["audit", str(root), "--policies", str(DATA / "policies"), "--profile", "ci-test",
             "--no-repo-config", "--no-cache"]
    assert main(audit) == 1
    assert main([*audit, "--baseline", str(ignoring)]) == 0
