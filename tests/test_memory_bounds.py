"""What keeps memory flat on a big tree changes nothing in the report: the repository phase keeps
only a few files read and parsed at a time (the others are read again when asked), a rule that
finds who calls a function keeps only the names it can be asked about, and the JSON report is
written a finding at a time."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from helpers import audit_rule, write_tree
from typer.testing import CliRunner

from charter import repo as repo_module
from charter.cli import app
from charter.models import Finding, Location, Report, Severity, ToolInfo
from charter.policy import PolicySet
from charter.repo import RepoIndex
from charter.reporters import json_report
from charter.reporters.escape import json_safe


def _chain_repo(root: Path, links: int = 30) -> None:
    """``fetch_rates`` is reached only from a management command, through ``links`` functions in
    as many modules (one of them defined across a line continuation, which a text search for
    ``def name`` misses); ``sync_prices`` is also called at module level, by the service."""
    files = {
        "app/__init__.py": "",
        "app/rates.py": """
            import requests


            def fetch_rates(url: str) -> dict:
                return requests.get(url, timeout=5).json()


            def sync_prices(url: str) -> dict:
                return requests.get(url, timeout=5).json()
        """,
        "app/service.py": """
            from app.rates import sync_prices

            PRICES = sync_prices("https://prices.example.com")
        """,
        "app/management/__init__.py": "",
        "app/management/commands/__init__.py": "",
        "app/management/commands/refresh_rates.py": f"""
            from app.step{links - 1:02d} import step{links - 1:02d}


            def handle() -> None:
                step{links - 1:02d}()
        """,
    }
    for k in range(links):
        callee = "fetch_rates" if k == 0 else f"step{k - 1:02d}"
        module = "app.rates" if k == 0 else f"app.step{k - 1:02d}"
        define = f"def \\\n                step{k:02d}" if k == 5 else f"def step{k:02d}"
        files[f"app/step{k:02d}.py"] = f"""
            from {module} import {callee}


            {define}() -> dict:
                return {callee}("https://rates.example.com")
        """
    write_tree(root, {path: textwrap.dedent(text) for path, text in files.items()})


def _where(report: Report, rule: str) -> list[str]:
    return sorted(f.where for f in report.findings if f.rule == rule)


@pytest.mark.parametrize(
    "held", [(1, 1), (3, 5), (repo_module.HELD_FILES, repo_module.HELD_TEXTS)]
)
def test_the_callers_of_a_function_are_found_however_few_files_stay_read(
    policies: PolicySet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, held: tuple[int, int]
) -> None:
    _chain_repo(tmp_path)
    monkeypatch.setattr(repo_module, "HELD_FILES", held[0])
    monkeypatch.setattr(repo_module, "HELD_TEXTS", held[1])
    report = audit_rule(policies, tmp_path, "retry-with-backoff")
    # the command's helper, 31 calls away, is left alone; the service's call is reported
    assert _where(report, "retry-with-backoff") == ["app/rates.py:10"]


def test_a_repository_index_keeps_few_files_read_and_reads_the_others_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repo_module, "HELD_FILES", 4)
    monkeypatch.setattr(repo_module, "HELD_TEXTS", 6)
    write_tree(tmp_path, {f"m{i}.py": f"def f{i}(x):\n    return x + {i}\n" for i in range(10)})
    index = RepoIndex(tmp_path, [f"m{i}.py" for i in range(10)])
    for i in range(10):
        assert index.source(f"m{i}.py").python_ast is not None
    held = [rel for rel in index.files if "python_ast" in vars(index.loaded(rel))]
    assert held == ["m6.py", "m7.py", "m8.py", "m9.py"]  # the last four asked for
    read = [rel for rel in index.files if "data" in vars(index.loaded(rel))]
    assert read == [f"m{i}.py" for i in range(4, 10)]  # the last six keep their bytes
    again = index.source("m0.py")
    assert "data" not in vars(again)  # released, and read again when asked
    assert again.text == "def f0(x):\n    return x + 0\n"
    assert again.python_ast.body[0].name == "f0"  # type: ignore[union-attr]


def _report(findings: list[Finding]) -> Report:
    return Report(
        tool=ToolInfo(name="charter", version="test"),
        target="t",
        profiles=(),
        rules=(),
        findings=tuple(findings),
        files_scanned=len(findings),
    )


def _finding(i: int, message: str) -> Finding:
    return Finding(
        rule="type-hints",
        severity=Severity.LOW,
        path=f"pkg/m{i}.py",
        line=i + 1,
        message=message,
        fingerprint=f"{i:016x}",
        related=(Location(path="pkg/other.py", line=3),) if i % 2 else (),
    )


@pytest.mark.parametrize("count", [0, 1, 3])
def test_the_json_report_written_a_finding_at_a_time_is_the_whole_reports_text(
    count: int,
) -> None:
    messages = ["plain", "a C1 control \x85 and a bidi override \u202e", "line\nbreak \"quoted\""]
    report = _report([_finding(i, messages[i % 3]) for i in range(count)])
    whole = json_safe(report.model_dump_json(indent=2)) + "\n"
    assert json_report.render(report, None) == whole  # type: ignore[arg-type]
    assert "".join(json_report.chunks(report, None)) == whole  # type: ignore[arg-type]
    assert len(json.loads(whole)["findings"]) == count


def test_a_lone_surrogate_in_a_finding_is_still_valid_json() -> None:
    report = _report([_finding(0, "ok"), _finding(1, "half a pair \ud800 here")])
    text = json_report.render(report, None)  # type: ignore[arg-type]
    assert json.loads(text)["findings"][1]["message"] == "half a pair \ud800 here"
    assert "\\ud800" in text


def test_the_json_report_file_is_the_same_as_stdout(policies: PolicySet, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    _chain_repo(repo, links=3)
    runner = CliRunner()
    args = ["audit", str(repo), "--format", "json", "--no-cache", "--fail-on", "none"]
    shown = runner.invoke(app, args)
    assert shown.exit_code == 0, shown.output
    out = tmp_path / "out" / "report.json"
    written = runner.invoke(app, [*args, "--output", str(out)])
    assert written.exit_code == 0, written.output
    stdout, saved = json.loads(shown.stdout), json.loads(out.read_text(encoding="utf-8"))
    for data in (stdout, saved):
        data.pop("timing")
    assert saved == stdout
    assert any(f["rule"] == "retry-with-backoff" for f in saved["findings"])


def test_a_finding_two_profiles_ask_for_is_reported_once(
    policies: PolicySet, tmp_path: Path
) -> None:
    """Two profiles asking ``type-hints`` with different parameters run it twice; each
    function both runs find is reported once, and the nested one only the second asks for
    once."""
    from charter.engine import run_audit
    from charter.policy import Profile, ProfileRuleRef

    write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/calc.py": "def add(a, b):\n    def inner(x):\n        return x\n"
            "    return inner(a) + b\n\n\ndef sub(a, b):\n    return a - b\n",
        },
    )
    profiles = [
        Profile(id="plain", title="plain", rules=(ProfileRuleRef(id="type-hints"),)),
        Profile(
            id="nested",
            title="nested",
            rules=(ProfileRuleRef(id="type-hints", params={"include_nested": True}),),
        ),
    ]
    report = run_audit(tmp_path, policies, profiles)
    found = [f.where for f in report.findings if f.rule == "type-hints"]
    assert sorted(found) == ["app/calc.py:1", "app/calc.py:2", "app/calc.py:7"]
