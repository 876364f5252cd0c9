"""Git for audits: which commit a target is, remote and historical checkouts, changed lines.

Clones, snapshots and diffs go through GitPython (``git`` must be on PATH), imported on first
use: it costs ~60 ms to import, and the one git question every audit asks (:func:`describe`) is
two plain ``git`` commands. A checkout made here lives in a temporary folder that is removed when
the ``with`` block ends, and never touches the working tree of a local repository.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from charter.errors import CharterError

if TYPE_CHECKING:
    import git

_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|[\w.-]+@[\w.-]+:)", re.IGNORECASE)
_CREDENTIALS = re.compile(r"//[^/@\s]+@")
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,(?P<count>\d+))? @@")


def is_remote(target: str) -> bool:
    """True for ``https://``, ``ssh://``, ``file://`` and ``user@host:path`` targets."""
    return bool(_URL.match(target))


def redact_url(url: str) -> str:
    """The URL without any user name or password, for reports and messages."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _repo(path: Path) -> git.Repo | None:
    import git

    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    # the audited repo's .git/config may name a command for git to run (core.fsmonitor)
    repo.git.set_persistent_git_options(c="core.fsmonitor=false")
    return repo


def _error(action: str, exc: git.GitCommandError) -> CharterError:
    """One line: git's ``fatal:`` message (or its last line), credentials removed."""
    lines = [
        line.strip().removeprefix("stderr:").strip().strip("'").strip()
        for line in str(exc.stderr or exc).splitlines()
    ]
    lines = [line for line in lines if line]
    fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
    last = (fatal or lines or ["git failed"])[-1]
    return CharterError(f"{action}: {_CREDENTIALS.sub('//', last)}")


def _git_out(path: Path, *args: str) -> str | None:
    """Stripped stdout of a read-only git command in ``path``, or None when it fails."""
    try:
        proc = subprocess.run(
            # core.fsmonitor in the audited repo's .git/config names a command git would run
            ["git", "-c", "core.fsmonitor=false", *args],
            cwd=path,
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def describe(path: Path) -> dict[str, Any] | None:
    """``{"commit": sha, "branch": name or None}`` of the repo ``path`` is in, or None (not
    in a repository, or a repository without commits)."""
    commit = _git_out(path, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if not commit:
        return None
    branch = _git_out(path, "symbolic-ref", "--quiet", "--short", "HEAD")  # None: detached
    return {"commit": commit, "branch": branch or None}


@dataclass(frozen=True)
class Checkout:
    """A tree to audit that charter made, and what it is."""

    root: Path
    git: dict[str, Any]


@contextmanager
def clone(url: str, ref: str | None = None) -> Iterator[Checkout]:
    """Clone ``url`` (at ``ref``: branch, tag or commit) into a temporary folder.

    Shallow (depth 1) when ``ref`` is a branch or tag or absent; a commit id needs the full
    history and falls back to a full clone.
    """
    import git

    shown = redact_url(url)
    tmp = Path(tempfile.mkdtemp(prefix="charter-clone-"))
    dest = tmp / "repo"
    try:
        try:
            kwargs: dict[str, Any] = {"depth": 1, "no_tags": ref is None}
            if ref is not None:
                kwargs["branch"] = ref
            repo = git.Repo.clone_from(url, dest, multi_options=["--single-branch"], **kwargs)
        except git.GitCommandError as exc:
            if ref is None:
                raise _error(f"{shown}: cannot clone", exc) from None
            shutil.rmtree(dest, ignore_errors=True)
            try:
                repo = git.Repo.clone_from(url, dest, no_checkout=True)
                repo.git.checkout("--detach", ref)
            except git.GitCommandError as exc2:
                raise _error(f"{shown}: cannot check out {ref!r}", exc2) from None
        info = describe(dest) or {}
        info.update({"remote": shown, "ref": ref})
        if ref is not None and info.get("branch") not in (None, ref):
            info["branch"] = None
        yield Checkout(dest, info)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def snapshot(path: Path, ref: str) -> Iterator[Checkout]:
    """The tree of commit ``ref`` of the local repo at ``path``, extracted to a temporary
    folder with ``git archive``; the repository and its working tree are not touched."""
    import git

    repo = _repo(path)
    if repo is None:
        raise CharterError(f"{path}: --ref needs a git repository; drop --ref or pass a repo")
    try:
        commit = repo.commit(ref)
    except (git.BadName, ValueError, git.GitCommandError):
        raise CharterError(
            f"--ref: {ref!r} is not a commit, branch or tag of {path}; "
            "check it with 'git rev-parse'"
        ) from None
    top = Path(repo.working_tree_dir or path).resolve()
    sub = path.resolve().relative_to(top).as_posix()
    tmp = Path(tempfile.mkdtemp(prefix="charter-ref-"))
    try:
        archive = tmp / "tree.tar"
        with archive.open("wb") as fh:
            repo.archive(fh, treeish=commit.hexsha, format="tar")
        dest = tmp / "tree"
        dest.mkdir()
        with tarfile.open(archive) as tar:
            tar.extractall(dest, filter="data")
        archive.unlink()
        branch = ref if ref in {h.name for h in repo.heads} else None
        root = dest / sub if sub != "." else dest
        yield Checkout(root, {"commit": commit.hexsha, "branch": branch, "ref": ref})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def changed_lines(path: Path, base: str) -> dict[str, set[int] | None]:
    """Lines added or changed since the merge base of ``base`` and HEAD, in the working tree.

    Keys are paths relative to ``path``; the value None means the whole file is new (also for
    untracked files). Deleted files are absent.
    """
    import git

    repo = _repo(path)
    if repo is None:
        raise CharterError(f"{path}: --diff-base needs a git repository; drop --diff-base")
    try:
        bases = repo.merge_base(base, "HEAD")
    except git.GitCommandError as exc:
        raise _error(f"--diff-base: cannot find the merge base of {base!r} and HEAD", exc) from None
    if not bases or bases[0] is None:
        raise CharterError(f"--diff-base: {base!r} and HEAD share no history; pick another ref")
    top = Path(repo.working_tree_dir or path).resolve()
    prefix = path.resolve().relative_to(top).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    out: dict[str, set[int] | None] = {}
    patch = repo.git.diff(
        bases[0].hexsha,
        "--unified=0",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--find-renames",
        "--diff-filter=AMR",
        "--",
        ".",
    )
    current: str | None = None
    for line in patch.splitlines():
        if line.startswith("+++ "):
            name = line[4:]
            current = name[2:] if name.startswith("b/") else None
            if current is not None:
                out.setdefault(current, set())
        elif current is not None and (m := _HUNK.match(line)):
            start, count = int(m["start"]), int(m["count"] or 1)
            lines = out[current]
            if lines is not None:
                lines.update(range(start, start + count))
    for name in repo.untracked_files:
        out[name] = None
    added = repo.git.diff(bases[0].hexsha, "--name-only", "--diff-filter=A", "--", ".")
    for name in added.splitlines():
        if name:
            out[name] = None
    rel: dict[str, set[int] | None] = {}
    for name, lines in out.items():
        if prefix and not name.startswith(prefix):
            continue
        rel[str(PurePosixPath(name[len(prefix) :]))] = lines
    return rel
