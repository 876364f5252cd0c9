"""``charter audit --timing``: per-rule wall and CPU time, parse time apart, the slowest files.

Tested for its fields and where they point, never for the numbers (they depend on the machine).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from charter.cli import main


def _tree(root: Path) -> None:
    (root / "app.py").write_text("def f(x):\n    return x\n\n\ndef g(y):\n    return y\n")
    (root / "other.py").write_text("import os\n\n\ndef h() -> str:\n    return os.sep\n")
    (root / "deploy.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")


def _audit(root: Path, *extra: str) -> dict:
    out = root.parent / f"{root.name}-report.json"
    code = main(["audit", str(root), "--profile", "backend-polyglot", "--format", "json",
                 "--output", str(out), "--fail-on", "none", *extra])
    assert code == 0
    return json.loads(out.read_text())


def test_timing_reports_each_rule_parse_time_and_slowest_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    _tree(root)
    timing = _audit(root, "--timing", "--no-cache", "--jobs", "1")["timing"]

    rules = timing["rules"]
    hints = rules["type-hints"]
    assert hints["rule"] == "type-hints"
    assert set(hints) >= {"wall_s", "cpu_s", "file_wall_s", "repo_wall_s", "files",
                          "slowest_file", "slowest_file_s"}
    assert hints["files"] == 2  # both Python files, not the YAML one
    assert hints["slowest_file"] in {"app.py", "other.py"}
    assert all(r["wall_s"] >= 0 and r["cpu_s"] >= 0 for r in rules.values())
    # a repo-phase rule is timed in its repo phase
    assert any(r["repo_wall_s"] > 0 for r in rules.values())
    # slowest rules first
    walls = [r["wall_s"] for r in rules.values()]
    assert walls == sorted(walls, reverse=True)

    # parse time is apart from the rules', by parser, with the files it parsed
    assert timing["parse"]["python-ast"]["files"] == 2
    assert timing["parse"]["read"]["files"] == 3
    assert set(timing["ast_walk"]) == {"wall_s", "cpu_s"}
    assert {f["path"] for f in timing["top_files"]} >= {"app.py", "other.py"}

    err = capsys.readouterr().err
    assert "charter: timing" in err
    assert "type-hints" in err and "parse: python-ast" in err and "slowest files:" in err


def test_timing_works_through_the_worker_pool(tmp_path: Path) -> None:
    root = tmp_path / "many"
    root.mkdir()
    for i in range(70):  # past the pool's threshold (runner.POOL_MIN_FILES)
        (root / f"m{i}.py").write_text(f"def f{i}(x):\n    return x\n")
    rules = _audit(root, "--timing", "--no-cache", "--jobs", "2")["timing"]["rules"]
    assert rules["type-hints"]["files"] == 70


def test_without_timing_the_report_has_no_rule_detail(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    _tree(root)
    timing = _audit(root, "--no-cache")["timing"]
    assert "rules" not in timing and "parse" not in timing
    assert "total_s" in timing


def test_timing_does_not_reuse_a_cached_report(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    _tree(root)
    cache = str(tmp_path / "cache")
    _audit(root, "--cache-dir", cache)
    timing = _audit(root, "--cache-dir", cache, "--timing")["timing"]
    # the files came from the cache (not timed), but the rules' repo phase ran and was timed
    assert timing["cache_hits"] == 3
    assert "report_reused" not in timing
    assert "rules" in timing and timing["top_files"] == []
