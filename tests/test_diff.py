"""Diff mode: the whole repo is evaluated, only findings on changed lines are reported."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import write_tree

from charter import api
from charter.cli import main
from charter.gitops import changed_lines

DATA = Path(__file__).parent / "data"
OPTIONS = api.Options(profiles=("ci-test",), policy_dirs=(DATA / "policies",))
BASE = "def old(a):\n    return a\n\n\ndef kept(b: int) -> int:\n    return b\n"


def git(root: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
        "HOME": str(root), "PATH": "/usr/bin:/bin:/usr/local/bin",
    }
    out = subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    return out.stdout.decode().strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "repo", {"app.py": BASE})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "feature")
    return root


def hints(report) -> list[tuple[str, int]]:
    return [(f.path, f.line) for f in report.findings if f.rule == "type-hints"]


def test_only_the_added_function_is_reported(repo: Path):
    added = BASE.replace("def kept", "def added(c):\n    return c\n\n\ndef kept")
    write_tree(repo, {"app.py": added})
    git(repo, "commit", "-q", "-am", "add a function")
    full = api.audit(repo, OPTIONS)
    assert hints(full) == [("app.py", 1), ("app.py", 5)]
    report = api.audit(repo, api.replace(OPTIONS, diff_base="main"))
    assert hints(report) == [("app.py", 5)]
    assert report.extra["diff_base"] == "main" and report.extra["outside_diff"] >= 1


def test_new_and_untracked_files_count_whole(repo: Path):
    write_tree(repo, {"committed.py": "def n(x):\n    return x\n"})
    git(repo, "add", "committed.py")
    git(repo, "commit", "-q", "-m", "new file")
    write_tree(repo, {"scratch.py": "def s(y):\n    return y\n"})
    report = api.audit(repo, api.replace(OPTIONS, diff_base="main"))
    assert hints(report) == [("committed.py", 1), ("scratch.py", 1)]
    assert changed_lines(repo, "main") == {"committed.py": None, "scratch.py": None}


def test_a_rule_whose_findings_are_outside_the_diff_passes(repo: Path):
    write_tree(repo, {"app.py": BASE + "\nX = 1\n"})
    report = api.audit(repo, api.replace(OPTIONS, diff_base="main"))
    assert hints(report) == []
    row = next(r for r in report.profiles[0].rules if r.id == "type-hints")
    assert row.status.value == "pass"


def test_cli_diff_base_exit_codes(repo: Path, capsys):
    pol = ["-p", "ci-test", "--policies", str(DATA / "policies")]
    assert main(["audit", str(repo), *pol, "--diff-base", "main"]) == 0
    assert main(["audit", str(repo), *pol]) == 1
    assert main(["audit", str(repo), *pol, "--diff-base", "no-such-ref"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("charter: error: --diff-base: cannot find the merge base")
