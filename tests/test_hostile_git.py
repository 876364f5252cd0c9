"""A hostile repository's git configuration runs nothing, and damaged input never costs the
report (issue 14, items 2 and 9).

Every test plants commands in the audited repository's own git configuration (filters, hooks,
textconv and external diff drivers, fsmonitor, a submodule's config) that touch a marker file,
runs ``charter audit`` with ``--diff-base`` and ``--ref``, and asserts that no marker appears.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from helpers import write_tree

from charter import api, cli, gitops

DATA = Path(__file__).parent / "data"
POLICIES = ["-p", "ci-test", "--policies", str(DATA / "policies")]
OPTIONS = api.Options(profiles=("ci-test",), policy_dirs=(DATA / "policies",))
HOOKS = (
    "post-index-change",
    "post-checkout",
    "post-merge",
    "pre-commit",
    "post-commit",
    "reference-transaction",
    "pre-auto-gc",
    "post-rewrite",
    "fsmonitor-watchman",
)
MODES = {"diff-base": ["--diff-base", "HEAD"], "ref": ["--ref", "HEAD"]}


def git(root: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "HOME": str(root),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_ALLOW_PROTOCOL": "file",
    }
    out = subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    return out.stdout.decode().strip()


def _marker_command(markers: Path, name: str) -> str:
    return f'sh -c "touch {markers}/{name}; cat"'


def _repo(tmp_path: Path) -> tuple[Path, Path]:
    """A committed repository (``r``) and an empty folder for markers (``m``)."""
    markers = tmp_path / "m"
    markers.mkdir()
    root = write_tree(
        tmp_path / "r",
        {
            "a.py": "x = 1\n",
            "b.py": "def f(a):\n    return a\n",
            ".gitattributes": "* filter=x diff=x\n",
        },
    )
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-qm", "1")
    return root, markers


def _plant_everything(root: Path, markers: Path) -> None:
    """Every command git could take from the repository's own config, each touching a marker."""
    git(root, "config", "filter.x.clean", _marker_command(markers, "clean"))
    git(root, "config", "filter.x.smudge", _marker_command(markers, "smudge"))
    git(root, "config", "filter.x.process", f"sh -c 'touch {markers}/process'")
    git(root, "config", "diff.x.textconv", f"sh -c 'touch {markers}/textconv; cat \"$0\"'")
    git(root, "config", "diff.x.command", f"sh -c 'touch {markers}/diff-command'")
    git(root, "config", "diff.external", f"sh -c 'touch {markers}/diff-external'")
    git(root, "config", "core.fsmonitor", f"sh -c 'touch {markers}/fsmonitor'")
    hooks = root / ".git" / "evil-hooks"
    hooks.mkdir()
    for name in HOOKS:
        hook = hooks / name
        hook.write_text(f"#!/bin/sh\ntouch '{markers}/hook-{name}'\n", encoding="utf-8")
        hook.chmod(0o755)
    git(root, "config", "core.hooksPath", str(hooks))


def _touch_work_tree(root: Path) -> None:
    """A changed file, an untracked file and a file whose stat changed but content did not
    (so that any index refresh would rewrite the index and fire post-index-change)."""
    (root / "a.py").write_text("x = 1\ny = 2\n", encoding="utf-8")
    (root / "new.py").write_text("def g(b):\n    return b\n", encoding="utf-8")
    os.utime(root / "b.py", (1, 1))


def _audit(capsys: pytest.CaptureFixture[str], root: Path, *extra: str) -> tuple[int, dict]:
    code = cli.main(["audit", str(root), *POLICIES, "--format", "json", "--no-cache", *extra])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert "Traceback" not in err
    return code, json.loads(out)


# --- 1. no command from the audited repository's config runs ------------------------------


@pytest.mark.parametrize("mode", sorted(MODES))
def test_clean_and_smudge_filters_never_run(
    mode: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reproduction of the issue: a filter driver named by .gitattributes and defined in
    .git/config."""
    root, markers = _repo(tmp_path)
    git(root, "config", "filter.x.clean", _marker_command(markers, "clean"))
    git(root, "config", "filter.x.smudge", _marker_command(markers, "smudge"))
    (root / "a.py").write_text("x = 1\ny = 2\n", encoding="utf-8")
    _audit(capsys, root, *MODES[mode])
    assert sorted(p.name for p in markers.iterdir()) == []


@pytest.mark.parametrize("mode", sorted(MODES))
def test_hooks_textconv_external_diff_and_fsmonitor_never_run(
    mode: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, markers = _repo(tmp_path)
    _plant_everything(root, markers)
    _touch_work_tree(root)
    _audit(capsys, root, *MODES[mode])
    assert sorted(p.name for p in markers.iterdir()) == []


@pytest.mark.parametrize("mode", sorted(MODES))
def test_a_submodules_own_config_runs_nothing(
    mode: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A dirty submodule whose own .git/config defines a clean filter and hooks: git asks a
    submodule whether it is modified by running ``git status`` in it, under its config."""
    root, markers = _repo(tmp_path)
    sub = write_tree(root / "sub", {"s.py": "s = 1\n", ".gitattributes": "* filter=y\n"})
    git(sub, "init", "-q", "-b", "main")
    git(sub, "add", ".")
    git(sub, "commit", "-qm", "sub")
    git(root, "add", "sub")
    git(root, "commit", "-qm", "add submodule")
    git(sub, "config", "filter.y.clean", _marker_command(markers, "sub-clean"))
    git(sub, "config", "filter.y.smudge", _marker_command(markers, "sub-smudge"))
    hooks = sub / ".git" / "hooks"
    for name in HOOKS:
        (hooks / name).write_text(f"#!/bin/sh\ntouch '{markers}/sub-{name}'\n", "utf-8")
        (hooks / name).chmod(0o755)
    (sub / "s.py").write_text("s = 2\n", encoding="utf-8")
    os.utime(sub / ".gitattributes", (1, 1))
    _audit(capsys, root, *MODES[mode])
    assert sorted(p.name for p in markers.iterdir()) == []


def test_diff_base_still_reports_the_changed_lines_with_everything_planted(
    tmp_path: Path,
) -> None:
    """Reading objects instead of asking git to diff the work tree keeps diff mode's meaning:
    changed lines of changed files, new and untracked files whole, unchanged files absent."""
    root, markers = _repo(tmp_path)
    _plant_everything(root, markers)
    _touch_work_tree(root)
    assert gitops.changed_lines(root, "HEAD") == {"a.py": {2}, "new.py": None}
    assert list(markers.iterdir()) == []


def test_diff_base_follows_renames_and_subfolders(tmp_path: Path) -> None:
    root, _ = _repo(tmp_path)
    body = "".join(f"line_{i} = {i}\n" for i in range(40))
    write_tree(root, {"pkg/old.py": body, "pkg/keep.py": "k = 1\n"})
    git(root, "add", ".")
    git(root, "commit", "-qm", "2")
    git(root, "mv", "pkg/old.py", "pkg/new.py")
    (root / "pkg" / "new.py").write_text(body + "extra = 1\n", encoding="utf-8")
    (root / "pkg" / "keep.py").write_text("k = 2\n", encoding="utf-8")
    assert gitops.changed_lines(root / "pkg", "HEAD") == {"new.py": {41}, "keep.py": {1}}


def test_diff_base_ignores_the_line_ends_git_converts(tmp_path: Path) -> None:
    """``eol=crlf`` files are stored with LF and written with CRLF: not a change."""
    root, _ = _repo(tmp_path)
    write_tree(root, {".gitattributes": "*.bat text eol=crlf\n", "run.bat": "echo a\r\necho b\r\n"})
    git(root, "add", ".")
    git(root, "commit", "-qm", "crlf")
    assert git(root, "cat-file", "-p", "HEAD:run.bat") == "echo a\necho b"
    assert gitops.changed_lines(root, "HEAD") in ({}, {"run.bat": set()})
    (root / "run.bat").write_bytes(b"echo a\r\necho c\r\n")
    assert gitops.changed_lines(root, "HEAD") == {"run.bat": {2}}


def test_export_ignore_hides_nothing_from_ref(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``git archive`` honours ``export-ignore``; a snapshot written from the blobs does not,
    so a committed attribute cannot hide a file from ``--ref``."""
    root, _ = _repo(tmp_path)
    write_tree(
        root,
        {".gitattributes": "hidden.py export-ignore\n", "hidden.py": "def h(a):\n    return a\n"},
    )
    git(root, "add", ".")
    git(root, "commit", "-qm", "hide")
    _, report = _audit(capsys, root, "--ref", "HEAD")
    assert "hidden.py" in {f["path"] for f in report["findings"]}


# --- 2. refs are validated -----------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--ref=--recurse-submodules"],
        ["--ref=--output=OUT"],
        ["--diff-base=--output=OUT"],
        ["--diff-base=-p"],
    ],
)
def test_a_ref_that_looks_like_an_option_is_refused(
    args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = _repo(tmp_path)
    args = [a.replace("OUT", str(tmp_path / "out")) for a in args]
    code = cli.main(["audit", str(root), *POLICIES, "--no-cache", *args])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1, err
    assert err.startswith("charter: error: --")
    assert "must not start with '-'" in err
    assert not (tmp_path / "out").exists()


def test_end_of_options_is_passed_wherever_a_ref_is_an_argument(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = _repo(tmp_path)
    (root / "a.py").write_text("x = 2\n", encoding="utf-8")
    seen: list[list[str]] = []
    real = subprocess.run

    def spy(cmd, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(cmd, list) and cmd and cmd[0] == "git":
            seen.append([str(c) for c in cmd])
        return real(cmd, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", spy)
    api.audit(root, api.replace(OPTIONS, diff_base="main"))
    api.audit(root, api.replace(OPTIONS, ref="main"))
    with_ref = [cmd for cmd in seen if "main" in cmd or any("main^" in c for c in cmd)]
    assert with_ref
    for cmd in with_ref:
        ref_at = max(i for i, c in enumerate(cmd) if c == "main" or c.startswith("main^"))
        assert "--end-of-options" in cmd[:ref_at], cmd


# --- 3. links in a --ref snapshot are never followed ---------------------------------------


def test_ref_with_absolute_and_escaping_symlinks_completes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = write_tree(tmp_path / "outside", {"secret.py": "def leak(a):\n    return a\n"})
    root, _ = _repo(tmp_path)
    (root / "abs.py").symlink_to(secret / "secret.py")
    (root / "rel.py").symlink_to("../outside/secret.py")
    (root / "absdir").symlink_to(secret)
    (root / "reldir").symlink_to("../outside")
    (root / "up").symlink_to("..")
    (root / "hop").symlink_to("up/outside/secret.py")
    (root / "self").symlink_to(".")
    (root / "via_self.py").symlink_to("self/../outside/secret.py")
    (root / "AGENTS.md").write_text("# Agents\n\n- Use type hints.\n", encoding="utf-8")
    (root / "CLAUDE.md").symlink_to("AGENTS.md")
    git(root, "add", ".")
    git(root, "commit", "-qm", "links")
    _, report = _audit(capsys, root, "--ref", "HEAD")
    paths = {f["path"] for f in report["findings"]}
    assert paths == {"b.py"}  # the untyped function of the tree; nothing through a link
    assert report["files_scanned"] == 4  # .gitattributes, AGENTS.md, a.py, b.py

    with gitops.snapshot(root, "HEAD") as checkout:
        tree = checkout.root
        names = sorted(p.name for p in tree.iterdir())
        assert "CLAUDE.md" in names and (tree / "CLAUDE.md").is_symlink()
        assert (tree / "CLAUDE.md").resolve() == (tree / "AGENTS.md").resolve()
        for name in ("abs.py", "rel.py", "absdir", "reldir", "up", "hop", "via_self.py"):
            assert not (tree / name).exists(), name
            assert not (tree / name).is_symlink(), name


def test_a_clone_is_written_from_blobs_without_links_out(tmp_path: Path) -> None:
    """A git URL is cloned without a checkout and its tree written the same way: a link out of
    the tree is not written, a link inside it is, and git's index lists the files."""
    root, _ = _repo(tmp_path)
    (root / "abs.py").symlink_to("/etc/passwd")
    (root / "rel.py").symlink_to("../../outside.py")
    (root / "in.py").symlink_to("b.py")
    git(root, "add", ".")
    git(root, "commit", "-qm", "links")
    with gitops.clone(f"file://{root}") as checkout:
        tree = checkout.root
        assert not (tree / "abs.py").is_symlink() and not (tree / "rel.py").is_symlink()
        assert (tree / "in.py").is_symlink() and (tree / "in.py").resolve() == tree / "b.py"
        assert (tree / "b.py").read_text(encoding="utf-8") == "def f(a):\n    return a\n"
        listed = git(tree, "ls-files").split()
        assert {"a.py", "b.py", "in.py"} <= set(listed)
        assert checkout.git["branch"] == "main"


def test_ref_snapshot_never_writes_a_dot_git_or_dot_dot_path(tmp_path: Path) -> None:
    """A crafted tree (git itself refuses to check these out) cannot plant a repository or
    write outside the snapshot."""
    root, _ = _repo(tmp_path)
    blob = (
        subprocess.run(
            ["git", "hash-object", "-w", "--stdin"],
            cwd=root,
            input=b"[core]\n\tfsmonitor = touch PWNED\n",
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    inner = (
        subprocess.run(
            ["git", "mktree"],
            cwd=root,
            input=f"100644 blob {blob}\tconfig\n".encode(),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    base = git(root, "rev-parse", "HEAD^{tree}")
    listing = git(root, "ls-tree", base)
    listing += f"\n040000 tree {inner}\t.git\n040000 tree {inner}\t.GIT\n"
    tree = (
        subprocess.run(
            ["git", "mktree", "--missing"],
            cwd=root,
            input=listing.encode(),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    commit = git(root, "commit-tree", tree, "-m", "crafted")
    with gitops.snapshot(root, commit) as checkout:
        assert sorted(p.name for p in checkout.root.iterdir()) == [".gitattributes", "a.py", "b.py"]


# --- 4. a profile document that is not UTF-8 ------------------------------------------------


def test_repo_profiles_with_a_non_utf8_claude_md_is_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = _repo(tmp_path)
    (root / "CLAUDE.md").write_bytes(b"# Rules\n\n- Use type hints \xff\xfe everywhere.\n")
    (root / "AGENTS.md").write_text("# Agents\n\n- Use type hints.\n", encoding="utf-8")
    _, report = _audit(capsys, root, "--repo-profiles")
    notes = [n for n in report["notes"] if n["path"] == "CLAUDE.md"]
    assert len(notes) == 1 and "not valid UTF-8" in notes[0]["message"], report["notes"]
    assert "agents" in report["extra"]["repo_profiles"]  # the readable one still counts
    assert "b.py" in {f["path"] for f in report["findings"]}


# --- 5. max-file-seconds ------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0.000001", "-1", "1e9"])
def test_max_file_seconds_out_of_range_is_a_config_error(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = _repo(tmp_path)
    (root / ".charter.yml").write_text(f"max-file-seconds: {value}\n", encoding="utf-8")
    code = cli.main(["audit", str(root), *POLICIES, "--no-cache", "--jobs", "1"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1, err
    assert ".charter.yml" in err and "max-file-seconds" in err
    assert "0.1" in err and "86400" in err


@pytest.mark.parametrize("value", ["0", "0.1", "30"])
def test_max_file_seconds_in_range_works(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _ = _repo(tmp_path)
    (root / ".charter.yml").write_text(f"max-file-seconds: {value}\n", encoding="utf-8")
    _audit(capsys, root, "--jobs", "1")
