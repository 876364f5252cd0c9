"""Result cache: per-file results keyed by content hash, repo-phase results keyed by what they read.

Per audited tree, one JSON-lines file of results (:class:`AuditCache`) and one file with
the last finished report (:class:`ReportCache`); never pickle: the cache may sit next to
untrusted code, and loading it must not be able to run anything. The whole cache is discarded
when the *rule-set key* changes: charter's version and source, every policy file in force
(rules, profiles, secret detectors), the selected rule instances with their parameters, and the
per-file size cap.

Default location: the user cache folder (``$XDG_CACHE_HOME/charter`` or ``~/.cache/charter``),
outside the audited tree, so an audited repository cannot plant cache entries that hide its own
findings. ``--cache-dir DIR`` puts it elsewhere (a ``.gitignore`` is written into it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from charter import __version__
from charter.models import Applicability, Finding, Location, Report, Severity
from charter.sources import ParseProblem

if TYPE_CHECKING:
    from charter.engine import FileResult, RuleInstance
    from charter.policy import PolicySet

CACHE_FORMAT = 9


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "charter"


def _tree_digest(paths: Iterable[Path], *, content: bool) -> str:
    h = hashlib.sha256()
    for path in sorted(paths):
        try:
            if content:
                data = path.read_bytes()
                h.update(f"{path.name}\0{len(data)}\0".encode())
                h.update(data)
            else:
                st = path.stat()
                h.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
        except OSError:
            h.update(f"{path}\0missing".encode())
    return h.hexdigest()


#: while :func:`memoised` is active: file digests by what ``stat`` says of the file, setup
#: digests by policy set (kept alive here, so that its id is not reused), file results
#: (:class:`_Results`), and the last audit's file results as objects, by (cache key, path,
#: content digest): the next audit takes a file's unchanged result as it is, not decoded and
#: shared (:class:`charter.compact.Interner`) again
_MEMO: dict[str, Any] | None = None

#: characters of encoded file results :func:`memoised` keeps at most
RESULTS_MEMO_CHARS = 64_000_000


class _Results:
    """Encoded file results by (cache key, path, content digest), the least recently used
    dropped past ``max_chars`` characters. A history's cache file for a point keeps one
    result per path (that point's version); this keeps every version analysed in this
    process, so a file that returns to an earlier content, or that a point already audited
    in the parent process of the stretches has, is not analysed again."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.chars = 0
        self.entries: OrderedDict[tuple[str, str, str], str] = OrderedDict()

    def get(self, key: tuple[str, str, str]) -> str | None:
        text = self.entries.get(key)
        if text is not None:
            self.entries.move_to_end(key)
        return text

    def put(self, key: tuple[str, str, str], text: str) -> None:
        if len(text) > self.max_chars:
            return
        old = self.entries.pop(key, None)
        if old is not None:
            self.chars -= len(old)
        self.entries[key] = text
        self.chars += len(text)
        while self.chars > self.max_chars:
            _, dropped = self.entries.popitem(last=False)
            self.chars -= len(dropped)


@contextlib.contextmanager
def memoised() -> Iterator[None]:
    """Inside the block, a file whose path, inode, size, modification and change times are
    those of a file hashed before is not read and hashed again, and the digest of the same
    policy set is computed once. For ``charter history``, which moves one temporary tree
    from commit to commit, writing only the files that changed (anew, each stamped with a
    modification time derived from its blob id), in one process whose policies are loaded
    once (:func:`charter.policy.memoised`)."""
    global _MEMO
    outer = _MEMO
    if outer is None:
        _MEMO = {
            "files": {},
            "setup": {},
            "results": _Results(RESULTS_MEMO_CHARS),
            "decoded": {},
        }
    else:
        _MEMO = outer
    try:
        yield
    finally:
        _MEMO = outer


def setup_digest(policies: PolicySet) -> str:
    """charter itself and its policies: the cache format, version and source files (by size
    and mtime), and the content of every policy file in force."""
    memo = _MEMO
    if memo is not None:
        kept = memo["setup"].get(id(policies))
        if kept is not None and kept[0] is policies:
            return str(kept[1])
        digest = _setup_digest(policies)
        memo["setup"][id(policies)] = (policies, digest)
        return digest
    return _setup_digest(policies)


def _setup_digest(policies: PolicySet) -> str:
    h = hashlib.sha256()
    h.update(f"{CACHE_FORMAT}\0{__version__}\0".encode())
    package = Path(__file__).resolve().parent
    h.update(_tree_digest(package.rglob("*.py"), content=False).encode())
    policy_files = [p for d in policies.dirs for p in d.rglob("*") if p.is_file()]
    h.update(_tree_digest(policy_files, content=True).encode())
    return h.hexdigest()


def ruleset_key(
    policies: PolicySet,
    instances: Sequence[RuleInstance],
    max_file_bytes: int,
    classes: str = "",
) -> str:
    """What every cached result depends on besides the file's own path and content: charter,
    its policies, the rule instances (parameters, severities, scopes) and what the path
    classification reads beyond a path (``classes``: .gitattributes, configured classes)."""
    h = hashlib.sha256()
    h.update(f"{setup_digest(policies)}\0{max_file_bytes}\0{classes}\0".encode())
    for inst in instances:
        params = json.dumps(inst.params, sort_keys=True, default=str)
        spec = [inst.key, inst.rule.analyzer, inst.severity.value, params, sorted(inst.scope)]
        h.update("\0".join(str(s) for s in spec).encode())
    return h.hexdigest()


def file_digest(path: Path, max_bytes: int) -> str:
    """Content hash of a file; over the size cap, its size and mtime stand in for it; a
    folder or a missing path get a marker of their own."""
    try:
        st = path.stat()
    except OSError:
        return "missing"
    try:
        if stat.S_ISDIR(st.st_mode):
            return "folder"
        if st.st_size > max_bytes:
            return f"size:{st.st_size}:{st.st_mtime_ns}"
        memo = _MEMO
        if memo is None:
            return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
        key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        digest = memo["files"].get(key)
        if digest is None:
            digest = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
            files = memo["files"]
            if len(files) >= 200_000:
                files.clear()
            files[key] = digest
        return str(digest)
    except OSError:
        return "unreadable"


# --- FileResult <-> JSON -----------------------------------------------------------------------


def file_result_to_json(result: FileResult) -> dict[str, Any] | None:
    """JSON form of a file result, or None when it must not be cached (an analyzer failed, or
    the file was skipped for a reason of this run such as the time cap)."""
    if result.errors or any(p.transient for p in result.problems):
        return None
    data = {
        "findings": {
            k: [[_plain(getattr(f, name)) for name in _FINDING_ORDER] for f in v]
            for k, v in sorted(result.findings.items())
        },
        "counters": {k: dict(v) for k, v in sorted(result.counters.items())},
        "facts": result.facts,
        "applicable": sorted(result.applicable),
        "problems": [
            [p.path, p.line, p.column, p.message, p.skipped, p.note] for p in result.problems
        ],
        "klass": result.klass,
    }
    return data


def file_result_from_json(path: str, data: dict[str, Any]) -> FileResult:
    from charter.engine import FileResult

    return FileResult(
        path=path,
        findings={k: [_finding(f) for f in v] for k, v in data["findings"].items()},
        counters={k: Counter(v) for k, v in data["counters"].items()},
        facts=data["facts"],
        applicable=set(data["applicable"]),
        problems=[ParseProblem(*p) for p in data["problems"]],
        klass=data["klass"],
    )


#: cached findings are rows in this field order (half the size of dicts, faster both ways)
_FINDING_ORDER = tuple(Finding.model_fields)


def _plain(value: Any) -> Any:
    """A finding field as JSON: related locations as ``[path, line]`` pairs."""
    if isinstance(value, tuple):
        return [[loc.path, loc.line] for loc in value]
    return value


#: the given-fields set of every cached finding (all of them), shared (charter.compact)
_ALL_FIELDS: set[str] = set()


def _finding(row: list[Any]) -> Finding:
    """A cached finding, rebuilt without re-validating what charter itself wrote (~10x faster
    than validation on warm runs); the one non-JSON type, the severity, is restored."""
    if len(row) != len(_FINDING_ORDER):
        raise ValueError("cached finding row does not match the Finding fields")
    values = dict(zip(_FINDING_ORDER, row, strict=True))
    values["severity"] = Severity(values["severity"])
    if values["fix"] is not None:  # a str serialises with a warning per finding
        values["fix"] = Applicability(values["fix"])
    values["related"] = tuple(Location(path=p, line=n) for p, n in values["related"])
    if not _ALL_FIELDS:
        _ALL_FIELDS.update(values)
    finding = Finding.__new__(Finding)
    object.__setattr__(finding, "__dict__", values)
    object.__setattr__(finding, "__pydantic_fields_set__", _ALL_FIELDS)
    object.__setattr__(finding, "__pydantic_extra__", None)
    object.__setattr__(finding, "__pydantic_private__", None)
    return finding


@dataclass
class RepoEntry:
    """A repo-phase result and the inputs it was computed from."""

    inputs: str
    output: dict[str, Any]


def _root_id(scope: Path | str) -> str:
    """The cache files' name for one audited tree: its resolved path, or for a checkout charter
    made in a temporary folder (a clone, ``--ref``) what it is a checkout of, so that those
    audits reuse each other's results instead of leaving one cache file per temporary folder."""
    return hashlib.sha256(str(scope).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _write_atomic(cache_dir: Path, target: Path, data: bytes) -> None:
    """Write ``target`` in one step (a temporary file renamed over it), with the folder's
    ``.gitignore``; a cache that cannot be written only costs time next run."""
    try:
        cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(OSError):  # a folder the user shares (--cache-dir /tmp)
            if cache_dir.stat().st_uid == os.getuid():
                cache_dir.chmod(0o700)
        ignore = cache_dir / ".gitignore"
        # another process writing to the same folder may create it first (history stretches,
        # audits side by side): that one is as good, and this cache file is still written
        with contextlib.suppress(FileExistsError):
            fd = os.open(ignore, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write("# charter's result cache\n*\n")
        # mkstemp creates the file 0600: only the user reads what the audit found
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".tmp-", suffix=target.suffix)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp).replace(target)
    except OSError:
        pass


class AuditCache:
    """The cache of one audited root for one rule set.

    Stored as lines: a header ``{"format", "key"}``, then one line per file
    (``F<tab>"path"<tab>digest<tab>result JSON``) and per repo-level rule
    (``R<tab>"rule key"<tab>inputs JSON<tab>output JSON``). A line is parsed only when its entry
    is used, and saving writes the unchanged entries' lines back as they were read: with one
    file changed, one line is encoded instead of the whole cache (0.14 s for the stdlib's).
    """

    def __init__(self, cache_dir: Path, scope: Path | str, key: str) -> None:
        self.cache_dir = cache_dir
        self.path = cache_dir / f"{_root_id(scope)}.jsonl"
        self.key = key
        #: path -> (content digest, the result's JSON text as stored, or its data once changed)
        self.files: dict[str, tuple[str, str | dict[str, Any]]] = {}
        self.repo: dict[str, RepoEntry] = {}
        #: rule key -> the stored line, for repo entries that were not replaced
        self._repo_lines: dict[str, str] = {}
        self.hits = 0
        self.misses = 0
        #: paths whose result :meth:`get_file` took from the last audit's objects
        self.kept: set[str] = set()
        #: repo-level rules whose cached result was reused, or that ran
        self.repo_hits = 0
        self.repo_misses = 0
        self._dirty = False
        self._load()

    def _load(self) -> None:
        try:
            lines = self.path.read_text(encoding="utf-8").split("\n")
            head = json.loads(lines[0])
        except (OSError, ValueError, UnicodeDecodeError, IndexError):
            self._dirty = self.path.exists()
            return
        if not isinstance(head, dict) or head.get("key") != self.key:
            self._dirty = True
            return
        for line in lines[1:]:
            parts = line.split("\t", 3)
            if len(parts) != 4:
                continue
            kind, name_json, first, rest = parts
            try:
                name = json.loads(name_json)
            except ValueError:
                continue
            if not isinstance(name, str):
                continue
            if kind == "F":
                self.files[name] = (first, rest)
            elif kind == "R":
                try:
                    inputs, output = json.loads(first), json.loads(rest)
                except ValueError:
                    continue
                if isinstance(inputs, str) and isinstance(output, dict):
                    self.repo[name] = RepoEntry(inputs, output)
                    self._repo_lines[name] = line

    def get_file(self, rel: str, digest: str) -> FileResult | None:
        entry = self.files.get(rel)
        if _MEMO is not None:
            kept = _MEMO["decoded"].get((self.key, rel, digest))
            if kept is not None:
                if entry is None or entry[0] != digest:  # its text, for this audit's file
                    text = _MEMO["results"].get((self.key, rel, digest))
                    if text is not None:
                        entry = self.files[rel] = (digest, text)
                        self._dirty = True
                if entry is not None and entry[0] == digest:
                    self.hits += 1
                    self.kept.add(rel)
                    return cast("FileResult", kept)
        if entry is None or entry[0] != digest:
            text = _MEMO["results"].get((self.key, rel, digest)) if _MEMO is not None else None
            if text is None:
                self.misses += 1
                return None
            entry = self.files[rel] = (digest, text)
            self._dirty = True
        try:
            data = json.loads(entry[1]) if isinstance(entry[1], str) else entry[1]
            result = file_result_from_json(rel, data)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            self.misses += 1
            return None
        self.hits += 1
        return result

    def put_encoded(self, rel: str, digest: str, text: str) -> None:
        """Store a result already encoded by :func:`encode_result` ("" = not cacheable); the
        worker processes encode theirs, in parallel."""
        if text:
            self.files[rel] = (digest, text)
            if _MEMO is not None:
                _MEMO["results"].put((self.key, rel, digest), text)
        else:
            self.files.pop(rel, None)
        self._dirty = True

    def keep_objects(self, results: Mapping[str, FileResult], digests: Mapping[str, str]) -> None:
        """This audit's file results, for the next audit of the process (:func:`memoised`);
        those of the audit before are let go."""
        if _MEMO is not None:
            _MEMO["decoded"] = {(self.key, rel, digests[rel]): r for rel, r in results.items()}

    def forget_missing(self, present: Iterable[str]) -> None:
        keep = set(present)
        for rel in [r for r in self.files if r not in keep]:
            del self.files[rel]
            self._dirty = True

    def put_repo(self, key: str, inputs: str, output: dict[str, Any]) -> None:
        self.repo[key] = RepoEntry(inputs, output)
        self._repo_lines.pop(key, None)
        self._dirty = True

    def save(self) -> None:
        if not self._dirty:
            return
        # json.dumps, not json.dump: dump() to a file always takes the pure-Python encoder
        lines = [json.dumps({"format": CACHE_FORMAT, "key": self.key})]
        for rel, (digest, data) in sorted(self.files.items()):
            text = data if isinstance(data, str) else _encoded(data)
            if text is not None:
                lines.append(f"F\t{json.dumps(rel)}\t{digest}\t{text}")
        for name, entry in sorted(self.repo.items()):
            line = self._repo_lines.get(name)
            if line is None:
                inputs, output = _encoded(entry.inputs), _encoded(entry.output)
                if inputs is None or output is None:
                    continue
                line = f"R\t{json.dumps(name)}\t{inputs}\t{output}"
            lines.append(line)
        data_bytes = "\n".join(lines).encode("utf-8", "surrogatepass")
        _write_atomic(self.cache_dir, self.path, data_bytes)


def encode_result(result: FileResult) -> str:
    """A file result as its cache entry's JSON text, or "" when it must not be cached."""
    data = file_result_to_json(result)
    return (_encoded(data) or "") if data is not None else ""


def _encoded(data: object) -> str | None:
    """Compact JSON of a new entry, or None when it cannot be (an analyzer recorded a fact that
    is not JSON: a bug; that entry is simply not cached)."""
    try:
        return json.dumps(data, separators=(",", ":"))
    except (TypeError, ValueError):
        return None


class ReportCache:
    """The last audit's finished report, reused when nothing it depended on changed.

    A warm run with nothing changed then does little more than discover and hash the files:
    no analyzer is imported or run, nothing is rebuilt per rule. The entry is one line of JSON
    (the key, the extra paths read, the state digest) followed by the report's JSON. The key
    is everything about the audit's *set-up* (charter, its policies, the profiles in force,
    configuration and options, see ``api``); the state digest is every discovered file with its
    content digest, plus the paths repo rules read or probed outside that list.
    """

    def __init__(self, cache_dir: Path, scope: Path | str, key: str) -> None:
        self.cache_dir = cache_dir
        self.path = cache_dir / f"{_root_id(scope)}.report"
        self.key = key

    @staticmethod
    def _state(
        files: Sequence[str],
        odd_names: Sequence[tuple[str, str]],
        digests: Mapping[str, str],
        extra: Sequence[str],
        digest: Callable[[str], str],
    ) -> str:
        h = hashlib.sha256()
        for rel in files:
            h.update(f"{rel}\0{digests[rel]}\n".encode("utf-8", "surrogateescape"))
        for shown, why in odd_names:
            h.update(f"odd\0{shown}\0{why}\n".encode("utf-8", "surrogateescape"))
        for rel in extra:
            h.update(f"read\0{rel}\0{digest(rel)}\n".encode("utf-8", "surrogateescape"))
        return h.hexdigest()

    def load(
        self,
        files: Sequence[str],
        odd_names: Sequence[tuple[str, str]],
        digests: Mapping[str, str],
        digest: Callable[[str], str],
    ) -> Report | None:
        from pydantic import ValidationError

        try:
            header, _, body = self.path.read_bytes().partition(b"\n")
            head = json.loads(header)
            if not isinstance(head, dict) or head.get("key") != self.key:
                return None
            extra = [str(p) for p in head["reads"]]
            if head["state"] != self._state(files, odd_names, digests, extra, digest):
                return None
            return Report.model_validate_json(body)
        except (OSError, ValueError, KeyError, TypeError, ValidationError):
            return None

    def store(
        self,
        report: Report,
        files: Sequence[str],
        odd_names: Sequence[tuple[str, str]],
        digests: Mapping[str, str],
        reads: Iterable[str],
        digest: Callable[[str], str],
    ) -> None:
        listed = set(files)
        extra = sorted({r for r in reads if r not in listed})
        state = self._state(files, odd_names, digests, extra, digest)
        header = json.dumps({"key": self.key, "reads": extra, "state": state})
        try:
            data = f"{header}\n{report.model_dump_json()}".encode()
        except (ValueError, UnicodeError):  # e.g. a lone surrogate quoted from a file
            return
        _write_atomic(self.cache_dir, self.path, data)
