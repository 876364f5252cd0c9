"""Git for audits: which commit a target is, remote and historical checkouts, changed lines.

The audited repository is untrusted, and so is its git configuration: ``.git/config`` (or a
submodule's) can name commands for git to run (clean/smudge filters named by
``.gitattributes``, hooks through ``core.hooksPath``, textconv and external diff drivers,
``core.fsmonitor``). So charter only asks git to read objects and the index: ``rev-parse``,
``merge-base``, ``ls-tree``, ``ls-files``, ``cat-file --batch``. It never runs a command that
converts work-tree content or checks out (``diff`` against the work tree, ``status``,
``archive``, ``checkout``, ``stash``), and every command runs isolated (:data:`ISOLATION_ENV`,
:data:`ISOLATION_OPTIONS`) with ``--end-of-options`` before a ref. A ``--ref`` snapshot or a
clone's tree is written from the blobs here (:func:`materialise`); changed lines compare blob
content to the bytes on disk (:func:`changed_lines`), diffed by ``git diff --no-index`` in a
temporary folder outside any repository.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

from charter.errors import CharterError

_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|[\w.-]+@[\w.-]+:)", re.IGNORECASE)
_CREDENTIALS = re.compile(r"//[^/@\s]+@")
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,(?P<count>\d+))? @@")

#: the environment of every git command on an audited repository: no system or global
#: configuration (only the repository's own, which the options below neutralise), no prompt
ISOLATION_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_OPTIONAL_LOCKS": "0",  # never rewrite the index
    "GIT_NO_LAZY_FETCH": "1",  # a partial clone's missing object is not fetched
    "GIT_PAGER": "cat",
}
#: ``-c`` options of every git command on an audited repository: no hook, no fsmonitor
#: command, no transport (a lazy fetch could run the repository's ``core.sshCommand``), no
#: attributes file of the user's
ISOLATION_OPTIONS = (
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.fsmonitor=false",
    "-c", "protocol.allow=never",
    "-c", "core.attributesFile=/dev/null",
)  # fmt: skip
#: variables that would point git at another repository, index or object store than the
#: folder it runs in
_REPO_VARIABLES = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
)
_REGULAR = {b"100644": 0o644, b"100755": 0o755}
_LINK = b"120000"
_TIMEOUT = 600


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


def check_ref(flag: str, ref: str) -> None:
    """Refuse a ref git could take for an option or that is not one line (exit code 2)."""
    if ref.startswith("-"):
        raise CharterError(f"{flag}: {ref!r} must not start with '-'; pass a commit, branch or tag")
    if not ref.strip() or any(ord(c) < 32 or c == "\x7f" for c in ref):
        raise CharterError(f"{flag}: {ref!r} is not a ref; pass a commit, branch or tag")


class _GitFailed(Exception):
    def __init__(self, stderr: bytes) -> None:
        super().__init__(stderr)
        self.stderr = stderr.decode("utf-8", "replace")


def _one_line(stderr: str) -> str:
    """git's ``fatal:`` message (or its last line), credentials removed."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
    last = (fatal or lines or ["git failed"])[-1]
    return _CREDENTIALS.sub("//", last)


@cache
def _safe_directories() -> tuple[str, ...]:
    """``-c safe.directory=…`` for each folder the user's own (system or global) configuration
    trusts: the isolation drops that configuration, but not the user's trust decisions."""
    try:
        proc = subprocess.run(
            ["git", "config", "--show-scope", "--get-all", "safe.directory"],
            cwd=tempfile.gettempdir(),
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    out: list[str] = []
    for line in proc.stdout.decode("utf-8", "surrogateescape").splitlines():
        scope, _, value = line.partition("\t")
        if scope in ("system", "global", "command") and value:
            out += ["-c", f"safe.directory={value}"]
    return tuple(out)


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _REPO_VARIABLES}
    env.update(ISOLATION_ENV)
    env.update(extra or {})
    return env


def _command(*args: str) -> list[str]:
    return ["git", *_safe_directories(), *ISOLATION_OPTIONS, *args]


def _run(cwd: Path, *args: str, ok: Iterable[int] = (0,)) -> bytes:
    """stdout of an isolated, read-only git command in ``cwd``; raises :class:`_GitFailed`."""
    try:
        proc = subprocess.run(
            _command(*args),
            cwd=cwd,
            env=_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise _GitFailed(f"fatal: cannot run git: {exc}".encode()) from None
    if proc.returncode not in ok:
        raise _GitFailed(proc.stderr)
    return proc.stdout


def read(path: Path, *args: str) -> bytes | None:
    """stdout of an isolated, read-only git command in ``path``, or None when it fails (not a
    work tree, git missing, a non-zero exit)."""
    try:
        return _run(path, *args)
    except _GitFailed:
        return None


def _git_out(path: Path, *args: str) -> str | None:
    """Stripped stdout of a read-only git command in ``path``, or None when it fails."""
    try:
        return _run(path, *args).decode("utf-8", "surrogateescape").strip()
    except _GitFailed:
        return None


def describe(path: Path) -> dict[str, Any] | None:
    """``{"commit": sha, "branch": name or None}`` of the repo ``path`` is in, or None (not
    in a repository, or a repository without commits). When ``path`` is a folder below the
    repository's top level, ``"prefix"`` is its path from there (``services/api/``): SARIF
    locations are written from the repository root, as GitHub code scanning reads them."""
    commit = _git_out(path, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if not commit:
        return None
    branch = _git_out(path, "symbolic-ref", "--quiet", "--short", "HEAD")  # None: detached
    info: dict[str, Any] = {"commit": commit, "branch": branch or None}
    try:  # not stripped: a folder name may end in a space
        prefix = _run(path, "rev-parse", "--show-prefix").decode("utf-8", "surrogateescape")
    except _GitFailed:
        prefix = ""
    prefix = prefix.removesuffix("\n")
    if prefix:
        info["prefix"] = prefix
    return info


@dataclass(frozen=True)
class _WorkTree:
    #: the folder's path inside its repository, with a trailing ``/`` ("" at the top)
    prefix: str
    #: the repository's hash (sha1 or sha256), for blob ids of files on disk
    object_format: str


def _work_tree(path: Path) -> _WorkTree | None:
    out = _git_out(path, "rev-parse", "--is-inside-work-tree", "--show-object-format")
    prefix = _git_out(path, "rev-parse", "--show-prefix")
    if out is None or prefix is None:
        return None
    inside, _, fmt = out.partition("\n")
    if inside != "true" or fmt not in ("sha1", "sha256"):
        return None
    return _WorkTree(prefix, fmt)


def _resolve(path: Path, ref: str) -> str | None:
    """The commit id ``ref`` names in the repository at ``path``, or None."""
    return _git_out(
        path, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"
    )


@dataclass(frozen=True)
class Checkout:
    """A tree to audit that charter made, and what it is."""

    root: Path
    git: dict[str, Any]


# --- reading objects --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    mode: bytes
    oid: str
    size: int


def _ls_tree(path: Path, commit: str, prefix: str) -> dict[str, _Entry]:
    """Blobs, links and submodules of ``commit`` under ``prefix``, by path relative to it."""
    raw = _run(path, "ls-tree", "-r", "-l", "-z", "--full-tree", "--end-of-options", commit)
    out: dict[str, _Entry] = {}
    for record in raw.split(b"\0"):
        meta, tab, name = record.partition(b"\t")
        fields = meta.split()
        if not tab or len(fields) != 4:
            continue
        mode, _, oid, size = fields
        rel = os.fsdecode(name)
        if not rel.startswith(prefix):
            continue
        rel = rel[len(prefix) :]
        out[rel] = _Entry(mode, oid.decode("ascii"), int(size) if size.isdigit() else -1)
    return out


def _chunks(stream: IO[bytes], size: int) -> Iterator[bytes]:
    left = size
    while left > 0:
        chunk = stream.read(min(left, 1 << 20))
        if not chunk:
            raise _GitFailed(b"fatal: cat-file ended early")
        left -= len(chunk)
        yield chunk


def _blobs(path: Path, oids: Sequence[str]) -> Iterator[tuple[str, Iterator[bytes] | None]]:
    """``(oid, chunks)`` for each blob, in order, read with one ``git cat-file --batch`` (raw
    content: no filter, no textconv); chunks is None for a missing object. Each chunks
    iterator must be consumed before the next item is taken."""
    if not oids:
        return
    proc = subprocess.Popen(
        _command("cat-file", "--batch"),
        cwd=path,
        env=_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None
    stdin, stdout = proc.stdin, proc.stdout

    def feed() -> None:
        try:
            for oid in oids:
                stdin.write(oid.encode("ascii") + b"\n")
            stdin.close()
        except OSError:
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for oid in oids:
            header = stdout.readline().split()
            if len(header) == 3 and header[1] == b"blob" and header[2].isdigit():
                chunks = _chunks(stdout, int(header[2]))
                yield oid, chunks
                for _ in chunks:  # whatever the caller left
                    pass
                stdout.read(1)  # the newline after the content
            elif len(header) == 3 and header[2].isdigit():  # not a blob
                for _ in _chunks(stdout, int(header[2])):
                    pass
                stdout.read(1)
                yield oid, None
            elif len(header) == 2 and header[1] == b"missing":
                yield oid, None
            else:
                raise _GitFailed(b"fatal: unexpected output of git cat-file --batch")
    finally:
        proc.kill()
        proc.wait()
        stdout.close()
        writer.join(timeout=5)


def _blob_id(data: bytes, object_format: str) -> str:
    return hashlib.new(object_format, b"blob %d\0" % len(data) + data).hexdigest()


def _safe_parts(rel: str) -> bool:
    """A path a checkout may write: no empty, ``.`` or ``..`` part, nothing git would refuse
    to check out as its own folder (``.git`` in any case, with trailing dots or spaces, or its
    short name ``git~1``)."""
    for part in rel.split("/"):
        if part in ("", ".", ".."):
            return False
        if part.lower().rstrip(". ") in (".git", "git~1"):
            return False
    return True


def _link_target(
    entries: dict[str, _Entry], texts: dict[str, str], folders: set[str], rel: str
) -> str | None:
    """Where the committed link ``rel`` leads inside the tree, resolved over the tree's own
    entries the way the operating system would (links on the way followed, ``..`` taken from
    where a link leads): a file or folder path, or None when it leads outside (absolute, above
    the root), to itself, nowhere, or through too many links."""
    first = texts.get(rel)
    if not first or first.startswith("/"):
        return None
    at: list[str] = rel.split("/")[:-1]  # the folder the link is in, resolved
    pending = first.split("/")
    hops = 0
    while pending:
        part = pending.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if not at:
                return None  # above the root
            at.pop()
            continue
        here = "/".join([*at, part])
        entry = entries.get(here)
        if entry is not None and entry.mode == _LINK:
            hops += 1
            text = texts.get(here)
            if hops > 40 or text is None or text.startswith("/"):
                return None
            pending = text.split("/") + pending
        elif entry is not None and entry.mode in _REGULAR:
            if any(p not in ("", ".") for p in pending):
                return None  # a file used as a folder
            at.append(part)
            pending = []
        elif here in folders:
            at.append(part)
        else:
            return None
    target = "/".join(at)
    return target or None  # the root itself: a loop for anything that walks it


def write_blobs(
    path: Path, root: Path, by_oid: dict[str, list[str]], modes: dict[str, int]
) -> None:
    """Write each blob of ``by_oid`` (object id -> paths under the resolved ``root``) with its
    file mode, streaming it once to all its paths. A path is never written through a link
    (its folder must be where the path says) or over an existing file."""
    for oid, chunks in _blobs(path, sorted(by_oid)):
        if chunks is None:
            continue
        handles: list[IO[bytes]] = []
        for rel in by_oid[oid]:
            target = root / rel
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.parent.resolve() != root / PurePosixPath(rel).parent:
                    continue  # never write through a link
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                fd = os.open(target, flags, modes[rel])
            except OSError:
                continue
            handles.append(os.fdopen(fd, "wb"))
        try:
            for chunk in chunks:
                for handle in handles:
                    handle.write(chunk)
        finally:
            for handle in handles:
                handle.close()


def materialise(path: Path, commit: str, prefix: str, dest: Path) -> None:
    """Write the tree of ``commit`` under ``prefix`` into ``dest`` from its blobs.

    Regular files keep their executable bit. A symlink is written only when it leads to a file
    or folder of the tree, and then as a relative link straight to it; a link that leads
    anywhere else (absolute, above the root, through another link out) is left out, as are
    submodules and paths git would refuse to check out (``.git``, ``..``). No filter, hook or
    attribute of the repository applies."""
    entries = {rel: e for rel, e in _ls_tree(path, commit, prefix).items() if _safe_parts(rel)}
    # a crafted tree can list a path under a file, link or submodule path: drop it
    leaves = set(entries)
    entries = {
        rel: e
        for rel, e in entries.items()
        if not any(str(p) in leaves for p in PurePosixPath(rel).parents if str(p) != ".")
    }
    texts: dict[str, str] = {}
    link_ids = sorted({e.oid for e in entries.values() if e.mode == _LINK})
    for oid, chunks in _blobs(path, link_ids):
        data = b""
        for chunk in chunks or ():
            data += chunk
            if len(data) > 4096:
                break
        if chunks is not None and 0 < len(data) <= 4096 and b"\0" not in data:
            texts[oid] = os.fsdecode(data)
    link_texts = {rel: texts[e.oid] for rel, e in entries.items() if e.oid in texts}
    by_oid: dict[str, list[str]] = {}
    for rel, entry in sorted(entries.items()):
        if entry.mode in _REGULAR:
            by_oid.setdefault(entry.oid, []).append(rel)
    dest_fd_root = dest.resolve()
    modes = {rel: _REGULAR[e.mode] for rel, e in entries.items() if e.mode in _REGULAR}
    write_blobs(path, dest_fd_root, by_oid, modes)
    folders = {str(p) for rel in entries for p in PurePosixPath(rel).parents}
    for rel, entry in sorted(entries.items()):
        if entry.mode != _LINK:
            continue
        leads_to = _link_target(entries, link_texts, folders, rel)
        if leads_to is None:
            continue
        where = dest_fd_root / rel
        text = os.path.relpath(leads_to, str(PurePosixPath(rel).parent))
        try:
            where.parent.mkdir(parents=True, exist_ok=True)
            if where.parent.resolve() != (dest_fd_root / rel).parent:
                continue  # its folder is itself reached through a link: never write there
            where.symlink_to(text)
        except OSError:
            continue


# --- clones and snapshots ---------------------------------------------------------------------


def _clone(url: str, dest: Path, *options: str) -> None:
    """``git clone --no-checkout``: objects only, no filter, no hook; the user's configuration
    (credentials, proxies) applies to the transfer, the remote's never does."""
    cmd = [
        "git",
        "-c", "core.hooksPath=/dev/null",
        "-c", "core.fsmonitor=false",
        "clone", "--quiet", "--no-checkout", *options,
        "--end-of-options", url, str(dest),
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in _REPO_VARIABLES}
    env["GIT_TERMINAL_PROMPT"] = "0"
    try:
        proc = subprocess.run(
            cmd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=_TIMEOUT * 3,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise _GitFailed(f"fatal: cannot run git: {exc}".encode()) from None
    if proc.returncode != 0:
        raise _GitFailed(proc.stderr)


@contextmanager
def clone(url: str, ref: str | None = None) -> Iterator[Checkout]:
    """Clone ``url`` (at ``ref``: branch, tag or commit) into a temporary folder.

    Shallow (depth 1) when ``ref`` is a branch or tag or absent; a commit id needs the full
    history and falls back to a full clone. Nothing is checked out by git: the tree is
    written from the blobs (:func:`materialise`) and the index from the tree.
    """
    if ref is not None:
        check_ref("--ref", ref)
    shown = redact_url(url)
    tmp = Path(tempfile.mkdtemp(prefix="charter-clone-"))
    dest = tmp / "repo"
    try:
        try:
            if ref is None:
                _clone(url, dest, "--depth", "1", "--single-branch", "--no-tags")
            else:
                _clone(url, dest, "--depth", "1", "--single-branch", "--branch", ref)
        except _GitFailed as exc:
            if ref is None:
                raise CharterError(f"{shown}: cannot clone: {_one_line(exc.stderr)}") from None
            shutil.rmtree(dest, ignore_errors=True)
            try:
                _clone(url, dest)
            except _GitFailed as exc2:
                raise CharterError(
                    f"{shown}: cannot check out {ref!r}: {_one_line(exc2.stderr)}"
                ) from None
        commit = _resolve(dest, ref or "HEAD")
        if commit is None:
            raise CharterError(
                f"{shown}: cannot check out {ref!r}: not a commit, branch or tag of the remote"
            )
        try:
            if _resolve(dest, "HEAD") != commit:
                _run(dest, "update-ref", "--no-deref", "HEAD", commit)
            _run(dest, "read-tree", "--end-of-options", commit)
            materialise(dest, commit, "", dest)
        except _GitFailed as exc:
            raise CharterError(f"{shown}: cannot check out: {_one_line(exc.stderr)}") from None
        info = describe(dest) or {}
        info.update({"remote": shown, "ref": ref})
        if ref is not None and info.get("branch") not in (None, ref):
            info["branch"] = None
        yield Checkout(dest, info)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def snapshot(path: Path, ref: str) -> Iterator[Checkout]:
    """The tree of commit ``ref`` of the local repo at ``path``, written to a temporary folder
    from its blobs; the repository and its working tree are not touched."""
    check_ref("--ref", ref)
    where = _work_tree(path)
    if where is None:
        raise CharterError(f"{path}: --ref needs a git repository; drop --ref or pass a repo")
    commit = _resolve(path, ref)
    if not commit:
        raise CharterError(
            f"--ref: {ref!r} is not a commit, branch or tag of {path}; "
            "check it with 'git rev-parse'"
        )
    tmp = Path(tempfile.mkdtemp(prefix="charter-ref-"))
    try:
        dest = tmp / "tree"
        dest.mkdir()
        try:
            materialise(path, commit, where.prefix, dest)
        except _GitFailed as exc:
            raise CharterError(f"--ref: cannot read {ref!r}: {_one_line(exc.stderr)}") from None
        head = _git_out(path, "rev-parse", "--verify", "--quiet", f"refs/heads/{ref}")
        branch = ref if head else None
        info: dict[str, Any] = {"commit": commit, "branch": branch, "ref": ref}
        if where.prefix:
            info["prefix"] = where.prefix
        yield Checkout(dest, info)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- changed lines ----------------------------------------------------------------------------


def _regular_bytes(root: Path, rel: str, folders: dict[str, bool]) -> bytes | None:
    """The content of ``root/rel`` when it is a regular file reached through no link."""
    parts = rel.split("/")
    for i in range(1, len(parts)):
        folder = "/".join(parts[:i])
        if folder not in folders:
            try:
                folders[folder] = stat.S_ISDIR(os.lstat(root / folder).st_mode)
            except OSError:
                folders[folder] = False
        if not folders[folder]:
            return None
    try:
        fd = os.open(root / rel, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read()
    except OSError:
        return None
    finally:
        os.close(fd)


def changed_lines(path: Path, base: str) -> dict[str, set[int] | None]:
    """Lines added or changed since the merge base of ``base`` and HEAD, in the working tree.

    Keys are paths relative to ``path``; the value None means the whole file is new (also for
    untracked files). Deleted files are absent. Renames are followed as ``git diff
    --find-renames`` does. The blobs of the merge base are compared with the bytes on disk;
    git never reads the work tree, so no filter of the repository runs. Line ends are compared
    without their carriage return (``eol=crlf`` files are stored with LF), and no other
    attribute applies (``ident``, ``working-tree-encoding``).
    """
    check_ref("--diff-base", base)
    where = _work_tree(path)
    if where is None:
        raise CharterError(f"{path}: --diff-base needs a git repository; drop --diff-base")
    try:
        out = _run(path, "merge-base", "--end-of-options", base, "HEAD", ok=(0, 1))
    except _GitFailed as exc:
        raise CharterError(
            f"--diff-base: cannot find the merge base of {base!r} and HEAD: {_one_line(exc.stderr)}"
        ) from None
    merge_base = out.decode("ascii", "replace").split()
    if not merge_base:
        raise CharterError(f"--diff-base: {base!r} and HEAD share no history; pick another ref")
    try:
        tree = _ls_tree(path, merge_base[0], where.prefix)
        listed = _run(path, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    except _GitFailed as exc:
        raise CharterError(f"--diff-base: cannot read {base!r}: {_one_line(exc.stderr)}") from None
    work = sorted({os.fsdecode(n) for n in listed.split(b"\0") if n})

    out_lines: dict[str, set[int] | None] = {}
    folders: dict[str, bool] = {}
    modified: dict[str, bytes] = {}
    added: dict[str, bytes] = {}
    present: set[str] = set()
    for rel in work:
        data = _regular_bytes(path, rel, folders)
        if data is None:
            continue
        present.add(rel)
        entry = tree.get(rel)
        if entry is None or entry.mode not in _REGULAR:
            added[rel] = data
        elif entry.size != len(data) or entry.oid != _blob_id(data, where.object_format):
            modified[rel] = data
    deleted = {rel: e.oid for rel, e in tree.items() if e.mode in _REGULAR and rel not in present}
    # an exact rename changes no line, as in git diff
    gone = set(deleted.values())
    for rel, data in list(added.items()):
        if deleted and _blob_id(data, where.object_format) in gone:
            del added[rel]
    out_lines.update(dict.fromkeys(added))
    pair_renames = bool(added) and bool(deleted) and max(len(added), len(deleted)) <= 1000
    if modified or pair_renames:
        old = {rel: tree[rel].oid for rel in modified}
        if pair_renames:
            old.update(deleted)
        new = {**modified, **(added if pair_renames else {})}
        try:
            out_lines.update(_diff_contents(path, old, new))
        except _GitFailed as exc:
            msg = _one_line(exc.stderr)
            raise CharterError(f"--diff-base: cannot read {base!r}: {msg}") from None
    return {str(PurePosixPath(rel)): lines for rel, lines in out_lines.items()}


def _diff_contents(
    path: Path, old: dict[str, str], new: dict[str, bytes]
) -> dict[str, set[int] | None]:
    """Changed lines of each ``new`` file against the ``old`` blob of the same path or, for a
    path that is new, the old file it was renamed from (None: a new file)."""
    names = sorted(set(old) | set(new))
    number = {rel: str(i) for i, rel in enumerate(names)}
    by_number = {number[rel]: rel for rel in names}
    tmp = Path(tempfile.mkdtemp(prefix="charter-diff-"))
    try:
        (tmp / "a").mkdir()
        (tmp / "b").mkdir()
        wanted = sorted(set(old.values()))
        rels_of: dict[str, list[str]] = {}
        for rel, oid in old.items():
            rels_of.setdefault(oid, []).append(rel)
        for oid, chunks in _blobs(path, wanted):
            first, *copies = [tmp / "a" / number[rel] for rel in rels_of[oid]]
            with first.open("wb") as fh:
                for chunk in chunks or ():
                    fh.write(chunk)
            for copy in copies:
                shutil.copyfile(first, copy)
        for rel, data in new.items():
            (tmp / "b" / number[rel]).write_bytes(data)
        cmd = [
            "git",
            *ISOLATION_OPTIONS,
            "diff", "--no-index", "--no-color", "--no-ext-diff", "--no-textconv",
            "--unified=0", "--find-renames", "--ignore-cr-at-eol", "--", "a", "b",
        ]  # fmt: skip
        env = _env({"GIT_CEILING_DIRECTORIES": str(tmp.parent)})
        try:
            proc = subprocess.run(
                cmd, cwd=tmp, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                timeout=_TIMEOUT, check=False,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError) as exc:
            raise CharterError(f"--diff-base: cannot run git diff: {exc}") from None
        if proc.returncode not in (0, 1):
            msg = _one_line(proc.stderr.decode("utf-8", "replace"))
            raise CharterError(f"--diff-base: cannot compare the work tree: {msg}")
        return _parse_patch(proc.stdout.decode("utf-8", "replace"), by_number, set(new))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _parse_patch(
    patch: str, by_number: dict[str, str], new: set[str]
) -> dict[str, set[int] | None]:
    out: dict[str, set[int] | None] = {}
    current: str | None = None
    for line in patch.splitlines():
        if line.startswith("diff --git "):
            dst = line.rsplit(" ", 1)[-1]  # b/b/<n> (or b/a/<n> for a deleted file)
            current = None
            if dst.startswith("b/b/"):
                current = by_number.get(dst[4:])
                if current is not None and current in new:
                    out[current] = set()
        elif current is None:
            continue
        elif line.startswith(("new file mode", "--- /dev/null")):
            out[current] = None  # not a rename: a new file
        elif (m := _HUNK.match(line)) and out.get(current) is not None:
            start, count = int(m["start"]), int(m["count"] or 1)
            lines = out[current]
            assert lines is not None
            lines.update(range(start, start + count))
    return out
