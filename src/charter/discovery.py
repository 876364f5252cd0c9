"""Which files of the target are audited.

Inside a git work tree the list comes from ``git ls-files`` (tracked plus untracked-not-ignored),
so ``.gitignore``, ``.git/info/exclude`` and the global excludes all apply exactly as git applies
them. Outside git, the tree is walked and every ``.gitignore`` on the way is honoured with
pathspec's git-compatible matcher. In both cases:

- version-control folders, virtualenvs, ``node_modules``, caches and build outputs are skipped;
- dotfiles such as ``.env`` are included;
- symlinks are never followed (neither files nor folders), so nothing outside the target is read
  and link loops cannot occur. A link to a file inside the target loses nothing: the file itself
  is audited at its real path.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from charter import gitops

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        ".charter_cache",
        ".terraform",
        "site-packages",
        "__pypackages__",
        ".eggs",
        "build",
        "dist",
        "target",
        "vendor",
        ".next",
        ".direnv",
    }
)
SKIP_DIR_SUFFIXES = (".egg-info",)


def _skip_dir(name: str) -> bool:
    return name in SKIP_DIRS or name.endswith(SKIP_DIR_SUFFIXES)


def _is_virtualenv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file()


#: build output folders: skipped when git does not track them; a tracked file there is source
#: someone committed (a Gradle ``build/`` script folder, a checked-in ``dist/``) and is audited
BUILD_OUTPUT_DIRS = frozenset({"build", "dist", "target"})


def _in_skipped_dir(
    rel: str, root: Path, venv_cache: dict[str, bool], *, tracked: bool = False
) -> bool:
    parts = rel.split("/")[:-1]
    base = str(root)
    prefix = ""
    for name in parts:
        if _skip_dir(name) and not (tracked and name in BUILD_OUTPUT_DIRS):
            return True
        prefix = f"{prefix}/{name}" if prefix else name
        skipped = venv_cache.get(prefix)
        if skipped is None:
            # a string, not a Path: this runs for every folder of the tree
            skipped = venv_cache[prefix] = os.path.isfile(f"{base}/{prefix}/pyvenv.cfg")  # noqa: PTH113
        if skipped:
            return True
    return False


def _linked_folder(rel: str, root: str, cache: dict[str, bool]) -> bool:
    """Whether a folder on the way to ``rel`` is a symbolic link (memoised per folder: one
    ``lstat`` per folder of the tree, not a ``resolve()`` per file; iterative, so that a tree
    nested thousands of levels deep needs no recursion)."""
    folder = rel.rpartition("/")[0]
    pending: list[str] = []
    while folder and folder not in cache:
        pending.append(folder)
        folder = folder.rpartition("/")[0]
    linked = cache[folder] if folder else False
    for name in reversed(pending):  # from the top down
        linked = linked or os.path.islink(f"{root}/{name}")  # noqa: PTH114 - a string per folder
        cache[name] = linked
    return linked


#: ``-t`` tags each path: ``?`` untracked (not ignored), any other letter tracked
_LS_FILES = ("ls-files", "-z", "-t", "--cached", "--others", "--exclude-standard", "--", ".")


@dataclass
class Discovery:
    """The files to audit, how many of them git tracks, and what the reader should know."""

    files: list[str]
    #: files git tracks under the target (None outside a git work tree)
    tracked: int | None = None
    notes: list[str] = field(default_factory=list)


def _git_files(root: Path) -> tuple[list[str], set[str]] | None:
    """Paths relative to ``root`` from git and the number git tracks, or None if ``root`` is
    not in a git work tree (or is a folder that the enclosing repository ignores)."""
    # isolated like every git command on an audited repository (charter.gitops): no system or
    # global configuration, no hook, no fsmonitor; ls-files applies no filter
    stdout = gitops.read(root, *_LS_FILES)
    if stdout is None:
        return None
    out = stdout.decode("utf-8", "surrogateescape")
    tagged = [p for p in out.split("\0") if len(p) > 2]
    paths = sorted({p[2:] for p in tagged})
    tracked = {p[2:] for p in tagged if not p.startswith("? ")}
    # a tracked file is audited whatever .gitignore says (a committed `*` hides nothing); only
    # when git lists nothing at all may the folder itself be ignored by an enclosing repository
    if not paths and _ignored_by_enclosing_repo(root):
        return None  # the user chose a folder their repo ignores: audit it as a plain folder
    return paths, tracked


def _ignored_by_enclosing_repo(root: Path) -> bool:
    """True when git ignores ``root`` itself (e.g. a vendored tree or a checkout inside
    ``~/.pyenv``), where ``git ls-files`` would list nothing at all."""
    return gitops.read(root, "check-ignore", "-q", "--no-index", ".") is not None


def _walk_files(root: Path, *, honour_ignores: bool = True) -> tuple[list[str], int]:
    """Walk the tree without following links, honouring nested .gitignore files; returns the
    files and how many the ignore files hid."""
    found: list[str] = []
    hidden = 0
    # (directory relative path, spec) for every .gitignore seen on the way down
    stack: list[tuple[Path, list[tuple[str, pathspec.GitIgnoreSpec]]]] = [(root, [])]
    while stack:
        folder, specs = stack.pop()
        rel_folder = folder.relative_to(root).as_posix()
        rel_folder = "" if rel_folder == "." else rel_folder
        ignore_file = folder / ".gitignore"
        if honour_ignores and ignore_file.is_file() and not ignore_file.is_symlink():
            try:
                lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
                specs = [*specs, (rel_folder, gitignore_spec(lines))]
            except OSError:
                pass
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            rel = f"{rel_folder}/{entry.name}" if rel_folder else entry.name
            if entry.is_symlink():
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if gitignored(rel, is_dir, specs):
                hidden += 1
                continue
            if is_dir:
                if _skip_dir(entry.name) or _is_virtualenv(Path(entry.path)):
                    continue
                stack.append((Path(entry.path), specs))
            elif entry.is_file(follow_symlinks=False):
                found.append(rel)
    return sorted(found), hidden


def gitignore_spec(lines: list[str]) -> pathspec.GitIgnoreSpec:
    """A git-compatible spec; a pattern git would reject (e.g. a lone ``!``) is dropped, as
    git drops it, instead of failing the audit."""
    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except ValueError:
        valid: list[str] = []
        for line in lines:
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
            except ValueError:
                continue
            valid.append(line)
        return pathspec.GitIgnoreSpec.from_lines(valid)


def gitignored(rel: str, is_dir: bool, specs: list[tuple[str, pathspec.GitIgnoreSpec]]) -> bool:
    """Whether ``.gitignore`` specs ignore ``rel``, as git decides: ``specs`` are (folder,
    spec) of the ignore files of ``rel``'s folders, outermost first; the last match wins."""
    ignored = False
    for base, spec in specs:
        sub = rel[len(base) + 1 :] if base else rel
        candidate = f"{sub}/" if is_dir else sub
        result = spec.check_file(candidate)
        if result.include is not None:
            ignored = bool(result.include)
    return ignored


def discover(root: Path, exclude: Iterable[str] = ()) -> list[str]:
    """Every auditable file under ``root`` as sorted POSIX paths relative to it."""
    return discover_tree(root, exclude).files


def discover_tree(root: Path, exclude: Iterable[str] = ()) -> Discovery:
    """:func:`discover` with the number of files git tracks and notes for the report."""
    root = root.resolve()
    listed = _git_files(root)
    notes: list[str] = []
    tracked: int | None = None
    tracked_paths: set[str] = set()
    if listed is None:
        candidates, hidden = _walk_files(root)
        if not candidates and hidden:
            # ignore rules that hide the whole tree (a `*`) hide nothing: the files are audited
            candidates, _ = _walk_files(root, honour_ignores=False)
            notes.append(
                f"the .gitignore files ignore every file of the folder ({hidden} entries); "
                "all of them were audited"
            )
    else:
        candidates, tracked_paths = listed
        tracked = len(tracked_paths)
    exclude_spec = gitignore_spec(list(exclude)) if exclude else None
    venv_cache: dict[str, bool] = {}
    link_cache: dict[str, bool] = {}
    base = str(root)
    files: list[str] = []
    skipped_tracked: dict[str, int] = {}
    # strings only in this loop (one per file of the tree): no Path objects, no resolve() of
    # every file
    for rel in candidates:
        if rel.startswith("/") or ".." in rel.split("/"):
            continue
        if _in_skipped_dir(rel, root, venv_cache, tracked=rel in tracked_paths):
            if rel in tracked_paths:
                top = next((p for p in rel.split("/")[:-1] if _skip_dir(p)), "a virtualenv")
                skipped_tracked[top] = skipped_tracked.get(top, 0) + 1
            continue
        if exclude_spec is not None and exclude_spec.match_file(rel):
            continue
        # git lists tracked files deleted from the work tree, and tracked symlinks
        try:
            mode = os.lstat(f"{base}/{rel}").st_mode
        except (OSError, ValueError):
            continue
        if not stat.S_ISREG(mode):
            continue
        if _linked_folder(rel, base, link_cache):
            # a folder on the way is a link (e.g. a tracked folder replaced by a link to
            # outside the target): only what really lies inside the target is read
            try:
                inside = (root / rel).resolve().is_relative_to(root)
            except (OSError, RuntimeError):
                inside = False
            if not inside:
                continue
        files.append(rel)
    if skipped_tracked:
        where = ", ".join(f"{n} in {d}/" for d, n in sorted(skipped_tracked.items()))
        notes.append(
            f"tracked files in dependency, cache or virtualenv folders were not audited ({where})"
        )
    return Discovery(files, tracked, notes)


def split_undecodable(files: Iterable[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Paths a report can carry, and (display path, why) for names that are not valid UTF-8.

    A file name with a byte that is not UTF-8 (legal on Linux) cannot be written to JSON, SARIF
    or a UTF-8 terminal; it is shown with a backslash escape (``bad\\xff.py``) and skipped.
    """
    good: list[str] = []
    odd: list[tuple[str, str]] = []
    for rel in files:
        try:
            rel.encode("utf-8")
        except UnicodeEncodeError:
            shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            odd.append((shown, "skipped: the file name is not valid UTF-8; rename the file"))
            continue
        good.append(rel)
    return good, odd
