"""The pre-commit hooks as pre-commit runs them: the entry of .pre-commit-hooks.yaml, at the
repository's root, with the staged files when the hook asks for file names."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, write_tree

from charter.hook import file_level
from charter.policy import PolicySet

AWS_KEY = "AKIAQYLPMN5HHHFPZAM2"  # charter: ignore[no-hardcoded-secrets] -- planted test key
SECRET = f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n'
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def hooks() -> dict[str, dict]:
    return {
        h["id"]: h
        for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    }


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=repo, env={**os.environ, **GIT_ENV}, check=True, capture_output=True, text=True,
    ).stdout


def staged(repo: Path) -> list[str]:
    out = git(repo, "diff", "--cached", "--name-only", "--diff-filter=ACMR", "-z")
    return [n for n in out.split("\0") if n]


def run_hook(repo: Path, hook_id: str) -> subprocess.CompletedProcess[str]:
    """What pre-commit runs: the entry, plus the staged files when ``pass_filenames``."""
    hook = hooks()[hook_id]
    entry = hook["entry"].split()
    assert entry[0] == "charter"
    args = entry[1:]
    if hook.get("pass_filenames", True):
        args += staged(repo)
    return subprocess.run(
        [sys.executable, "-m", "charter", *args], cwd=repo, capture_output=True, text=True,
        env={**os.environ, **GIT_ENV, "XDG_CACHE_HOME": str(repo.parent / "cache")},
        timeout=300,
    )


def new_repo(path: Path, files: dict[str, str]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    write_tree(path, files)
    git(path, "init", "-q")
    return path


def test_the_hooks_file_runs_file_level_rules_on_the_staged_files_and_diff_on_pre_push():
    h = hooks()
    assert h["charter"]["entry"] == "charter hook"
    assert h["charter"]["pass_filenames"] is True and not h["charter"].get("always_run")
    assert h["charter-diff"]["entry"] == "charter hook --diff"
    assert h["charter-diff"]["pass_filenames"] is False
    assert "pre-push" in h["charter-diff"]["stages"]
    # the whole repository, every rule: on demand (pre-commit run --hook-stage manual)
    assert h["charter-full"]["entry"] == "charter audit" and h["charter-full"]["stages"] == [
        "manual"
    ]


def test_the_first_commit_of_a_non_python_repository_is_not_blocked(tmp_path: Path):
    # strict and fail-on low: every repository-level rule a new repository fails would gate
    repo = new_repo(
        tmp_path / "repo",
        {"README.md": "# notes\n", ".charter.yml": "strict: true\nfail-on: low\n"},
    )
    git(repo, "add", "-A")
    whole = subprocess.run(
        [sys.executable, "-m", "charter", "audit", ".", "--no-cache"], cwd=repo,
        capture_output=True, text=True, timeout=300,
    )
    assert whole.returncode == 1  # the repository rules fail: they are for CI
    proc = run_hook(repo, "charter")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "gate holds" in proc.stderr and "file-level rules" in proc.stderr


def test_an_empty_repositorys_first_commit_is_not_blocked(tmp_path: Path):
    repo = new_repo(tmp_path / "repo", {})
    proc = run_hook(repo, "charter")  # nothing staged
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no files to check" in proc.stderr


def test_a_staged_secret_blocks_the_commit_and_an_untracked_one_is_not_checked(tmp_path: Path):
    repo = new_repo(tmp_path / "repo", {"README.md": "# x\n", "scratch.py": SECRET})
    git(repo, "add", "README.md")
    proc = run_hook(repo, "charter")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # even named on the command line, an untracked file is not checked
    named = subprocess.run(
        [sys.executable, "-m", "charter", "hook", "README.md", "scratch.py"], cwd=repo,
        capture_output=True, text=True, timeout=300,
    )
    assert named.returncode == 0, named.stdout + named.stderr
    (repo / "app.py").write_text(SECRET, encoding="utf-8")
    git(repo, "add", "app.py")
    proc = run_hook(repo, "charter")
    assert proc.returncode == 1
    assert proc.stdout.startswith("app.py:1:22: no-hardcoded-secrets [critical] ")
    assert AWS_KEY not in proc.stdout + proc.stderr
    assert "scratch.py" not in proc.stdout


def test_only_the_given_files_are_checked_and_classed_by_the_whole_tree(tmp_path: Path):
    repo = new_repo(
        tmp_path / "repo",
        {
            "pyproject.toml": '[tool.charter]\nprofiles = ["backend-polyglot"]\n',
            "src/a.py": "def f(x):\n    return x\n",
            "src/b.py": "def g(x):\n    return x\n",
            # an Alembic migration: classed as one only because env.py is beside versions/
            "db/env.py": "X = 1\n",
            "db/script.py.mako": "",
            "db/versions/0001_init.py": "def upgrade(x):\n    return x\n",
        },
    )
    git(repo, "add", "-A")
    proc = subprocess.run(
        [sys.executable, "-m", "charter", "hook", "src/a.py", "db/versions/0001_init.py",
         "--fail-on", "low", "--strict"],
        cwd=repo, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 1, proc.stderr
    flagged = {line.split(":")[0] for line in proc.stdout.splitlines()}
    assert flagged == {"src/a.py"}  # not b.py (not staged), not the migration (not source)
    assert "type-hints" in proc.stdout


def test_file_level_rules_are_those_whose_findings_need_no_other_file(policies: PolicySet):
    rules = policies.rules
    for rule_id in ("no-hardcoded-secrets", "type-hints", "http-timeouts", "parse-error"):
        assert file_level(rules[rule_id]), rule_id
    for rule_id in ("ci-runs-tests", "tests-present", "setup-docs", "absolute-imports",
                    "coverage-threshold", "dependency-lock"):
        assert not file_level(rules[rule_id]), rule_id


# --- charter-diff: origin/main, else the upstream branch, else HEAD; untracked files never ---


def _history(tmp_path: Path) -> Path:
    repo = new_repo(tmp_path / "repo", {"README.md": "# x\n", "app.py": "X = 1\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "one")
    git(repo, "branch", "base")
    git(repo, "checkout", "-qb", "feature")
    (repo / "app.py").write_text("X = 1\n" + SECRET, encoding="utf-8")
    git(repo, "commit", "-qam", "two")
    (repo / "untracked.py").write_text(SECRET, encoding="utf-8")
    return repo


def test_charter_diff_uses_origin_main_when_it_exists(tmp_path: Path):
    repo = _history(tmp_path)
    git(repo, "update-ref", "refs/remotes/origin/main", "base")
    proc = run_hook(repo, "charter-diff")
    assert "charter: diff base: origin/main\n" in proc.stderr
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("app.py:2:22: no-hardcoded-secrets")
    assert "untracked.py" not in proc.stdout + proc.stderr


def test_charter_diff_falls_back_to_the_upstream_branch(tmp_path: Path):
    repo = _history(tmp_path)
    git(repo, "branch", "--set-upstream-to=base")
    proc = run_hook(repo, "charter-diff")
    assert "charter: origin/main not found; diff base: @{upstream} (base)\n" in proc.stderr
    assert proc.returncode == 1, proc.stderr
    assert "app.py:2:22: no-hardcoded-secrets" in proc.stdout
    assert "untracked.py" not in proc.stdout


def test_charter_diff_falls_back_to_head_and_says_so(tmp_path: Path):
    repo = _history(tmp_path)
    proc = run_hook(repo, "charter-diff")
    assert "diff base: HEAD (uncommitted changes only)" in proc.stderr
    # the committed secret is not a change against HEAD; the untracked file is not audited
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (repo / "app.py").write_text("X = 1\n" + SECRET + SECRET.replace("ID", "ID_2"), "utf-8")
    proc = run_hook(repo, "charter-diff")
    assert proc.returncode == 1
    assert [line.split(": ")[0] for line in proc.stdout.splitlines()] == ["app.py:3:24"]


@pytest.mark.parametrize("ref", ["-x", "a\nb"])
def test_a_bad_diff_base_is_refused(tmp_path: Path, ref: str):
    repo = _history(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "charter", "hook", "--diff", "--diff-base", ref], cwd=repo,
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 2 and "--diff-base" in proc.stderr


def test_the_result_cache_gives_the_same_answer(tmp_path: Path):
    repo = new_repo(tmp_path / "repo", {"app.py": SECRET, "b.py": "def g(x):\n    return x\n"})
    git(repo, "add", "-A")
    cold = run_hook(repo, "charter")
    assert any((tmp_path / "cache" / "charter").iterdir())  # written
    warm = run_hook(repo, "charter")
    assert (warm.returncode, warm.stdout) == (cold.returncode, cold.stdout) == (1, warm.stdout)
    assert warm.stdout.startswith("app.py:1:22: no-hardcoded-secrets")
