"""Remote and historical audits: a git URL (file:// here, no network) and --ref."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from helpers import write_tree
from test_diff import git

from charter import api
from charter.cli import main
from charter.gitops import redact_url

DATA = Path(__file__).parent / "data"
OPTIONS = api.Options(profiles=("ci-test",), policy_dirs=(DATA / "policies",))


@pytest.fixture
def origin(tmp_path: Path) -> tuple[Path, str, str]:
    """A repo whose tag v1 has one untyped function and whose main has two."""
    root = write_tree(tmp_path / "origin", {"app.py": "def one(a):\n    return a\n"})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "v1")
    git(root, "tag", "v1")
    v1 = git(root, "rev-parse", "HEAD")
    write_tree(root, {"app.py": "def one(a):\n    return a\n\n\ndef two(b):\n    return b\n"})
    git(root, "commit", "-q", "-am", "v2")
    return root, v1, git(root, "rev-parse", "HEAD")


def hints(report) -> list[tuple[str, int]]:
    return [(f.path, f.line) for f in report.findings if f.rule == "type-hints"]


def _clones() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("charter-clone-*")}


def test_git_url_at_a_tag_is_audited_at_that_tag(origin):
    root, v1, _ = origin
    before = _clones()
    report = api.audit(f"file://{root}", api.replace(OPTIONS, ref="v1"))
    assert hints(report) == [("app.py", 1)]
    assert report.extra["git"]["commit"] == v1
    assert report.extra["git"]["ref"] == "v1"
    assert report.target == f"file://{root}"
    assert _clones() == before  # the clone was removed


def test_git_url_default_branch(origin):
    root, _, head = origin
    report = api.audit(f"file://{root}", OPTIONS)
    assert hints(report) == [("app.py", 1), ("app.py", 5)]
    assert report.extra["git"]["commit"] == head
    assert report.extra["git"]["branch"] == "main"


def test_git_url_at_a_commit_id(origin):
    root, v1, _ = origin
    report = api.audit(f"file://{root}", api.replace(OPTIONS, ref=v1))
    assert hints(report) == [("app.py", 1)]
    assert report.extra["git"]["commit"] == v1


def test_local_ref_leaves_the_working_tree_alone(origin):
    root, v1, _ = origin
    write_tree(root, {"app.py": "# uncommitted edit\n", "new.py": "def n(x):\n    return x\n"})
    status = git(root, "status", "--porcelain")
    report = api.audit(root, api.replace(OPTIONS, ref="v1"))
    assert hints(report) == [("app.py", 1)]
    assert report.extra["git"] == {"commit": v1, "branch": None, "ref": "v1"}
    assert git(root, "status", "--porcelain") == status
    assert (root / "app.py").read_text() == "# uncommitted edit\n"
    assert git(root, "worktree", "list").count("\n") == 0


def test_local_audit_records_commit_and_branch(origin):
    root, _, head = origin
    report = api.audit(root, OPTIONS)
    assert report.extra["git"] == {"commit": head, "branch": "main"}


def test_unknown_ref_and_bad_url_are_one_line_errors(origin, tmp_path: Path, capsys):
    root, _, _ = origin
    assert main(["audit", str(root), "--ref", "nope"]) == 2
    assert main(["audit", f"file://{tmp_path}/missing", "--ref", "v1"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith("charter: error: --ref: 'nope' is not a commit")
    assert lines[1].startswith(f"charter: error: file://{tmp_path}/missing: cannot")


def test_credentials_never_reach_the_report():
    assert redact_url("https://user:s3cret@example.com/o/r.git") == "https://example.com/o/r.git"


def test_clone_errors_do_not_echo_credentials(tmp_path: Path, capsys):
    url = f"file://user:s3cret@localhost{tmp_path}/missing"
    assert main(["audit", url]) == 2
    err = capsys.readouterr().err
    assert "s3cret" not in err and err.count("\n") == 1
    assert err.startswith(f"charter: error: file://localhost{tmp_path}/missing: cannot clone: ")
    assert "fatal:" in err


def test_audits_of_temporary_checkouts_share_one_cache_entry(origin, tmp_path: Path):
    """A clone (or --ref snapshot) lives in a new temporary folder each time: its cache is
    named after what it is a checkout of, so the next audit reuses it and the cache folder
    does not gain two files per audit."""
    root, _, _ = origin
    cache = tmp_path / "cache"
    opts = api.replace(OPTIONS, use_cache=True, cache_dir=cache)
    first = api.audit(f"file://{root}", opts)
    again = api.audit(f"file://{root}", opts)
    assert "report_reused" not in first.timing
    assert again.timing["report_reused"] == 1
    assert hints(again) == hints(first) == [("app.py", 1), ("app.py", 5)]
    at_tag = api.audit(f"file://{root}", api.replace(opts, ref="v1"))
    assert hints(at_tag) == [("app.py", 1)]  # another tree: recomputed, never the stored one
    snap_1 = api.audit(root, api.replace(opts, ref="v1"))
    snap_2 = api.audit(root, api.replace(opts, ref="v1"))
    assert snap_2.timing["report_reused"] == 1
    assert hints(snap_1) == hints(snap_2) == [("app.py", 1)]
    assert len([p for p in cache.iterdir() if p.name != ".gitignore"]) == 4  # 2 per scope
