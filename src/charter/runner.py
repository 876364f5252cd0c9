"""Running the two phases: files in a process pool with a cache, then the repo phase.

- **Parallel**: per-file work is self-contained (:func:`charter.engine.analyze_file`), so files
  go to a process pool (``--jobs N``, default: CPU count). Workers are forked once per audit and
  receive the rule instances once (start-up cost per worker, not per file); results come back in
  file order, so reports are deterministic whatever the scheduling. Small audits stay in-process:
  a pool costs more than it saves under ~64 files.
- **Cache** (:mod:`charter.cache`): a file whose content hash is unchanged is not read for
  analysis again; a repo-level rule re-runs only when something it read changed: a file it read
  or probed, its file-phase facts, or the answer to a question it asked of the file list
  (:class:`_TrackingRepo`). A rule that iterates the whole list depends on the whole list.
- **Progress**: a transient rich bar on stderr for audits running over ~2 s on a terminal;
  never in CI or for machine-readable formats (the caller decides via ``progress``).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, cast

from charter.analyzers.base import Emitter, RawFinding
from charter.cache import AuditCache, encode_result, file_digest
from charter.compact import Interner
from charter.engine import FileResult, RuleInstance, analyze_file, gc_paused, line_basis
from charter.models import Severity
from charter.pathclass import PathClassifier
from charter.repo import RepoIndex
from charter.sources import ParseProblem, safe_message

POOL_MIN_FILES = 64

_WORKER: tuple[Path, Sequence[RuleInstance], int, float, bool, PathClassifier, bool] | None = None
DEFAULT_MAX_FILE_SECONDS = 60.0


class _FileTimeout(BaseException):
    """Raised by the alarm in the middle of a file's analysis (a BaseException, so that no
    ``except Exception`` in an analyzer can swallow it)."""


def _on_alarm(signum: int, frame: object) -> None:
    raise _FileTimeout


def analyze_capped(
    root: Path,
    rel: str,
    instances: Sequence[RuleInstance],
    max_bytes: int,
    max_seconds: float,
    classifier: PathClassifier | None = None,
    timing: bool = False,
) -> FileResult:
    """:func:`analyze_file` with a wall-clock cap: past it the file is reported as skipped.

    The cap interrupts Python code (rules, pure-Python parsers); a single call into native
    code (e.g. compiling a pathological expression) finishes before the alarm is seen. Off
    when ``max_seconds`` is 0 or outside the main thread (signals need it).
    """
    if max_seconds <= 0 or threading.current_thread() is not threading.main_thread():
        return analyze_file(root, rel, instances, max_bytes, classifier=classifier, timing=timing)
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max_seconds)
    try:
        return analyze_file(root, rel, instances, max_bytes, classifier=classifier, timing=timing)
    except _FileTimeout:
        why = f"skipped: analysis took over {max_seconds:g} s (max-file-seconds)"
        return FileResult(rel, problems=[ParseProblem(rel, 1, 1, why, skipped=True)])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _init_worker(
    root: Path,
    instances: Sequence[RuleInstance],
    max_bytes: int,
    max_seconds: float,
    encode: bool,
    classifier: PathClassifier,
    timing: bool = False,
) -> None:
    global _WORKER
    import gc

    gc.disable()  # see engine.gc_paused; the worker lives for one audit only
    limit_worker_memory()
    _WORKER = (root, instances, max_bytes, max_seconds, encode, classifier, timing)


#: address space a worker may use (MiB); ``CHARTER_WORKER_MEMORY_MB`` overrides, 0 = no limit.
#: A worker uses about 100-300 MiB; a hostile file that makes a parser take gigabytes (an
#: 80 KB ``import b.b.b...`` takes 2 GB in CPython's) hits the limit and is a contained skip
WORKER_MEMORY_MB = 1024


def _memory_mb() -> int:
    mb = os.environ.get("CHARTER_WORKER_MEMORY_MB", "")
    try:
        return int(mb) if mb.strip() else WORKER_MEMORY_MB
    except ValueError:
        return WORKER_MEMORY_MB


def _serial_file(
    root: Path,
    rel: str,
    instances: Sequence[RuleInstance],
    max_bytes: int,
    max_seconds: float,
    classifier: PathClassifier | None,
    timing: bool = False,
) -> FileResult:
    """One file in this process, allowed the workers' memory budget on top of what the process
    already uses (RLIMIT_AS, Linux); past it the file is a contained skip."""
    mb = _memory_mb()
    limits: tuple[int, int] | None = None
    try:
        import resource

        statm = Path("/proc/self/statm").read_text(encoding="ascii")
        used = int(statm.split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limits = resource.getrlimit(resource.RLIMIT_AS)
        cap = used + mb * 1024 * 1024
        if mb > 0 and (limits[0] == resource.RLIM_INFINITY or cap < limits[0]):
            resource.setrlimit(resource.RLIMIT_AS, (cap, limits[1]))
        else:
            limits = None
    except (ImportError, OSError, ValueError):
        limits = None
    try:
        return analyze_capped(root, rel, instances, max_bytes, max_seconds, classifier, timing)
    except MemoryError:
        gc.collect()  # what the failed file left behind; never per file (see below)
        why = "skipped: analyzing this file exceeded the worker's memory limit"
        return FileResult(rel, problems=[ParseProblem(rel, 1, 1, why, skipped=True)])
    finally:
        # no gc.collect() per file: it scans every result kept so far, quadratic in the
        # files (1,614 s of a 1,727 s profiled --jobs 1 run on Django's 6,791 files)
        if limits is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, limits)


def limit_worker_memory() -> None:
    """Cap this worker process's address space (RLIMIT_AS), where the platform allows."""
    try:
        import resource

        mb = _memory_mb()
        if mb <= 0:
            return
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = mb * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass


def _work(rel: str) -> tuple[FileResult, str]:
    """A file's result, and (when the cache is on) its cache entry, encoded here in the worker
    rather than serially in the main process."""
    assert _WORKER is not None
    root, instances, max_bytes, max_seconds, encode, classifier, timing = _WORKER
    try:
        result = analyze_capped(root, rel, instances, max_bytes, max_seconds, classifier, timing)
    except MemoryError:
        gc.collect()
        why = "skipped: analyzing this file exceeded the worker's memory limit"
        return FileResult(rel, problems=[ParseProblem(rel, 1, 1, why, skipped=True)]), ""
    return result, encode_result(result) if encode else ""


class _Progress:
    """A progress bar that appears only once the audit has taken ``delay`` seconds."""

    def __init__(self, enabled: bool, total: int, delay: float = 2.0) -> None:
        self.enabled = enabled and total > 0
        self.total = total
        self.delay = delay
        self.started = time.perf_counter()
        self._bar: Any = None
        self._task: Any = None

    def advance(self, done: int) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            if time.perf_counter() - self.started < self.delay:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            self._bar = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(file=sys.stderr),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("auditing files", total=self.total)
        self._bar.update(self._task, completed=done)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


#: called once, at the end of the next file phase, then cleared (``charter history`` starts the
#: stretches that need only a point's file results there, while its repository phase runs)
after_file_phase: Callable[[], None] | None = None


def run_file_phase(
    root: Path,
    files: Sequence[str],
    instances: Sequence[RuleInstance],
    *,
    max_bytes: int,
    jobs: int,
    cache: AuditCache | None,
    progress: bool,
    digests: dict[str, str],
    max_seconds: float = DEFAULT_MAX_FILE_SECONDS,
    classifier: PathClassifier | None = None,
    timing: bool = False,
    pool_min_files: int | None = None,
) -> list[FileResult]:
    """File-phase results for ``files`` in the same order, from the cache or freshly.

    Equal values in the results (the applicable rules, counters, facts) are shared as they
    arrive (:class:`charter.compact.Interner`): memory stays flat on trees of 100k files."""
    interner = Interner()
    results: dict[str, FileResult] = {}
    todo: list[str] = []
    for rel in files:
        if cache is not None:
            if rel not in digests:
                digests[rel] = file_digest(root / rel, max_bytes)
            hit = cache.get_file(rel, digests[rel])
            if hit is not None:
                # the last audit's object (charter history) is shared already
                results[rel] = hit if rel in cache.kept else interner.result(hit)
                continue
        todo.append(rel)

    bar = _Progress(progress, len(todo))
    fresh: list[tuple[FileResult, str]]
    encode = cache is not None
    try:
        fewest = POOL_MIN_FILES if pool_min_files is None else max(2, pool_min_files)
        if jobs <= 1 or len(todo) < fewest:
            fresh = []
            with gc_paused():
                for i, rel in enumerate(todo, 1):
                    result = _serial_file(
                        root, rel, instances, max_bytes, max_seconds, classifier, timing
                    )
                    text = encode_result(result) if encode else ""
                    fresh.append((interner.result(result), text))
                    bar.advance(i)
        else:
            fresh = _in_pool(
                root,
                todo,
                instances,
                (max_bytes, max_seconds, encode, classifier or PathClassifier(), timing),
                jobs,
                bar.advance,
                interner,
            )
    finally:
        bar.close()

    for rel, (result, text) in zip(todo, fresh, strict=True):
        results[rel] = result
        if cache is not None:
            cache.put_encoded(rel, digests[rel], text)
    if cache is not None:
        cache.forget_missing(files)
        if not timing:  # a result with its --timing clocks is not one to take again
            cache.keep_objects(results, digests)
    global after_file_phase
    hook, after_file_phase = after_file_phase, None
    if hook is not None:
        hook()
    return [results[rel] for rel in files]


def _in_pool(
    root: Path,
    todo: Sequence[str],
    instances: Sequence[RuleInstance],
    settings: tuple[int, float, bool, PathClassifier, bool],
    jobs: int,
    advance: Callable[[int], None],
    interner: Interner | None = None,
) -> list[tuple[FileResult, str]]:
    """Results (and encoded cache entries) of ``todo`` from worker processes, in order;
    ``settings`` = (max bytes, max seconds per file, encode cache entries, classifier,
    timing)."""
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    workers = min(jobs, max(1, len(todo) // 8))
    chunk = max(1, min(32, len(todo) // (workers * 8)))
    initargs = (root, list(instances), *settings)
    out: list[tuple[FileResult, str]] = []
    try:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_init_worker, initargs=initargs
        ) as pool:
            for i, (result, text) in enumerate(pool.map(_work, todo, chunksize=chunk), 1):
                out.append((interner.result(result) if interner else result, text))
                advance(i)
    except BrokenProcessPool:
        # A file killed its worker (a crash in a native parser on hostile input, the OOM
        # killer). Finish the rest one file per fresh process, so the culprit is reported as
        # skipped and no other file's result is lost.
        for rel in todo[len(out) :]:
            out.append(_isolated(rel, initargs, context))
            advance(len(out))
    return out


def _isolated(rel: str, initargs: tuple[Any, ...], context: Any) -> tuple[FileResult, str]:
    try:
        with ProcessPoolExecutor(
            max_workers=1, mp_context=context, initializer=_init_worker, initargs=initargs
        ) as pool:
            return pool.submit(_work, rel).result()
    except BrokenProcessPool:
        why = "skipped: analyzing this file crashed the worker process"
        return FileResult(rel, problems=[ParseProblem(rel, 1, 1, why, skipped=True)]), ""


# --- repo phase ----------------------------------------------------------------------------------


#: a question a repo rule asked about the file list, as JSON-ready data: ``["files"]`` (the
#: whole list), ``["classes"]`` (every path with its class), ``["kind", kind]``, ``["named",
#: name]``, ``["has", path]``, ``["listed", path]``, ``["class", path]``, ``["top"]``,
#: ``["select", "module:function"]``, ``["facts", rule key]``
Query = tuple[str, ...]


class _Tracked(Mapping[str, Any]):
    """A read-only mapping of the index (``by_kind``, ``classes``) that records what is asked
    of it: one key (``query(key)``), or everything (``whole``) when it is iterated."""

    def __init__(self, data: Mapping[str, Any], record: Callable[[Query], None],
                 key_query: str, whole: Query) -> None:  # fmt: skip
        self._data = data
        self._record = record
        self._key_query = key_query
        self._whole = whole

    def __getitem__(self, key: str) -> Any:
        self._record((self._key_query, key))
        return self._data[key]

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self._record((self._key_query, key))
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        self._record(self._whole)
        return iter(self._data)

    def __len__(self) -> int:
        self._record(self._whole)
        return len(self._data)


#: while :func:`derived_memoised` is active: shared derived values (``derived(..., share=True)``,
#: the CI model) of earlier audits in this process, by key: [(value, {path read: content
#: digest}, queries asked, their answers with content digests)], the newest last
_DERIVED: dict[object, list[tuple[Any, dict[str, str], list[Query], list[Any]]]] | None = None
#: entries :data:`_DERIVED` keeps per key
_DERIVED_KEPT = 4


@contextlib.contextmanager
def derived_memoised() -> Iterator[None]:
    """Inside the block, a shared derived value (the CI model) that an earlier audit in this
    process computed is taken again when every file it read has the same content and every
    question it asked of the file list (and of the file facts) has the same answer:
    ``charter history`` audits one commit after another, and a rule that runs again because
    a Python file changed need not rebuild the CI model from workflows that did not."""
    global _DERIVED
    outer = _DERIVED
    _DERIVED = {} if outer is None else outer
    try:
        yield
    finally:
        _DERIVED = outer


class _TrackingRepo(RepoIndex):
    """A RepoIndex view that records what an analyzer read: the files it read or probed
    (``read_paths``, judged by their content) and what it asked about the file list
    (``queries``, judged by their answers, :func:`_answers`). A rule that only looks up
    ``pyproject.toml`` and the workflows is then reused when a Python file is added; one that
    iterates :attr:`files` depends on the whole list."""

    def __init__(  # shares the base index's state
        self, base: RepoIndex, digest: Callable[[str], str] | None = None
    ) -> None:
        base.by_kind  # noqa: B018 - computed once on the base (it depends on the file list only)
        self.__dict__.update({k: v for k, v in base.__dict__.items() if k != "pyproject"})
        self._base = base
        self.read_paths: set[str] = set()
        self.queries: set[Query] = set()
        #: files' content digests (for :func:`derived_memoised`)
        self._digest = digest

    def _ask(self, query: Query) -> None:
        self.queries.add(query)

    @property
    def files(self) -> list[str]:  # type: ignore[override]
        self._ask(("files",))
        return self._base.files

    @property
    def by_kind(self) -> Mapping[str, list[str]]:  # type: ignore[override]
        return _Tracked(self._base.by_kind, self._ask, "kind", ("files",))

    @property
    def classes(self) -> Mapping[str, str]:  # type: ignore[override]
        return _Tracked(self._base.classes, self._ask, "class", ("classes",))

    def source(self, rel: str) -> Any:
        self.read_paths.add(rel)
        return super().source(rel)

    def exists(self, rel: str) -> bool:
        self.read_paths.add(rel)
        return super().exists(rel)

    def has(self, rel: str) -> bool:
        self._ask(("has", rel))
        return self._base.has(rel)

    def listed(self, rel: str) -> bool:
        self._ask(("listed", rel))
        return self._base.listed(rel)

    def path_class(self, rel: str) -> str:
        self._ask(("class", rel))
        return self._base.path_class(rel)

    def of_kind(self, *kinds: str) -> list[str]:
        for kind in kinds:
            self._ask(("kind", kind))
        return self._base.of_kind(*kinds)

    def named(self, name: str) -> list[str]:
        self._ask(("named", name))
        return self._base.named(name)

    def top_dirs(self) -> list[str]:
        self._ask(("top",))
        return self._base.top_dirs()

    def select(self, test: Callable[[str], bool]) -> list[str]:
        name = _function_name(test)
        self._ask(("select", name) if name is not None else ("files",))
        return self._base.select(test)

    def answer(self, question: Callable[..., Any], *args: str) -> Any:
        name = _function_name(question)
        if name is None:  # not one a later run can ask again: what it reads is recorded
            return super().answer(question, *args)
        self._ask(("answer", name, *args))
        return question(self._base, *args)

    def facts(self, analyzer: Any) -> Mapping[str, list[Any]]:
        self._ask(("facts", analyzer.instance_key))
        return super().facts(analyzer)

    def derived(self, key: object, compute: Callable[[], Any], *, share: bool = False) -> Any:
        """As :meth:`RepoIndex.derived`, and each rule that takes the value depends on what
        computing it read and asked, not only the rule that computed it."""
        # kept beside the value, in the view's own store (shared by the rules of the view)
        deps_key = ("\0inputs", key)
        if key not in self._derived or deps_key not in self._derived:
            self._derived.pop(key, None)  # computed untracked (by an answer): again, tracked
            # another view of the index computed it from the same answers (files of one audit
            # read the same): the same value (the CI model of the rules of each scope)
            others = self._shared.setdefault(key, []) if share else []
            for value, reads, queries, answers in others:
                if _answers(self._base, queries, self._facts, _no_digest) == answers:
                    self._derived[key] = value
                    self._derived[deps_key] = (reads, set(queries))
                    self.read_paths |= reads
                    self.queries |= set(queries)
                    return value
            kept = self._earlier(key) if share else None
            if kept is not None:
                value, reads, asked = kept
                self._derived[key] = value
                self._derived[deps_key] = (reads, set(asked))
                self.read_paths |= reads
                self.queries |= set(asked)
                others.append(
                    (value, reads, asked, _answers(self._base, asked, self._facts, _no_digest))
                )
                return value
            # what computing it reads and asks, apart from what this rule did before
            outer_reads, outer_queries = self.read_paths, self.queries
            self.read_paths, self.queries = set(), set()
            try:
                value = super().derived(key, compute)
            finally:
                reads, queries = self.read_paths, self.queries
                self.read_paths = outer_reads | reads
                self.queries = outer_queries | queries
            self._derived[deps_key] = (reads, queries)
            if share:
                asked = sorted(queries)
                answers = _answers(self._base, asked, self._facts, _no_digest)
                others.append((value, reads, asked, answers))
                self._keep(key, value, reads, asked)
            return value
        reads, queries = self._derived.get(deps_key, (set(), set()))
        self.read_paths |= reads
        self.queries |= queries
        return super().derived(key, compute)

    def _earlier(self, key: object) -> tuple[Any, set[str], list[Query]] | None:
        """The value of ``key`` an earlier audit of this process computed from files of the
        same content and the same answers (:func:`derived_memoised`), or None."""
        entries = _DERIVED.get(key) if _DERIVED is not None else None
        digest = self._digest
        if not entries or digest is None:
            return None
        for value, reads, asked, answers in reversed(entries):
            if all(digest(p) == d for p, d in reads.items()) and (
                _answers(self._base, asked, self._facts, digest) == answers
            ):
                return value, set(reads), asked
        return None

    def _keep(self, key: object, value: Any, reads: set[str], asked: list[Query]) -> None:
        digest = self._digest
        if _DERIVED is None or digest is None:
            return
        entries = _DERIVED.setdefault(key, [])
        recorded = {p: digest(p) for p in sorted(reads)}
        entries.append((value, recorded, asked, _answers(self._base, asked, self._facts, digest)))
        del entries[:-_DERIVED_KEPT]


def _no_digest(rel: str) -> str:
    return ""  # within one audit a file's content is the same whatever view reads it


def _function_name(test: Callable[..., Any]) -> str | None:
    """``module:qualname`` of a module-level function, which a later run can look up again;
    None for a lambda, a closure or a method (their answer is then the whole file list)."""
    module, qualname = getattr(test, "__module__", None), getattr(test, "__qualname__", "")
    if not module or not qualname or "<" in qualname or "." in qualname:
        return None
    if getattr(test, "__closure__", None):
        return None
    try:
        return f"{module}:{qualname}" if _function(f"{module}:{qualname}") is test else None
    except (ImportError, AttributeError, TypeError):
        return None


def _function(name: str) -> Callable[..., Any]:
    import importlib

    module, _, qualname = name.partition(":")
    found = getattr(importlib.import_module(module), qualname)
    if not callable(found):
        raise TypeError(f"{name} is not a function")
    return cast("Callable[..., Any]", found)


def _answers(
    repo: RepoIndex,
    queries: Iterable[Sequence[str]],
    facts: Mapping[str, Mapping[str, list[Any]]],
    digest: Callable[[str], str],
    memo: dict[tuple[int, tuple[str, ...]], Any] | None = None,
) -> list[Any]:
    """The answers ``repo`` (a rule's view, untracked) gives now to ``queries``, in order: a
    cached repo-phase result is reused only when every answer is what it was. ``memo`` keeps
    the answers of one repo phase (rules of a view ask the same questions)."""
    memo = memo if memo is not None else {}
    out: list[Any] = []
    for query in queries:
        key = (id(repo), tuple(query))
        if key not in memo:
            memo[key] = _answer(repo, query, facts, digest)
        out.append(memo[key])
    return out


def _answer(
    repo: RepoIndex,
    query: Sequence[str],
    facts: Mapping[str, Mapping[str, list[Any]]],
    digest: Callable[[str], str],
) -> Any:
    kind, args = query[0], query[1:]
    if kind == "files":
        return repo.files
    if kind == "classes":
        return sorted(repo.classes.items())
    if kind == "kind":
        return repo.by_kind.get(args[0], [])
    if kind == "named":
        return repo.named(args[0])
    if kind == "has":
        return repo.has(args[0])
    if kind == "listed":
        return repo.listed(args[0])
    if kind == "class":
        return repo.classes.get(args[0])
    if kind == "top":
        return repo.top_dirs()
    if kind == "select":
        return repo.select(_function(args[0]))
    if kind == "answer":
        return _function(args[0])(repo, *args[1:])
    if kind == "facts":
        return [[p, digest(p)] for p in sorted(facts.get(args[0], {}))]
    raise ValueError(f"unknown query {kind!r}")


def _restore_problems(repo: RepoIndex, rows: list[list[Any]]) -> None:
    """Parse problems a cached repo-phase result saw, put back on the files (for parse-error)."""
    for row in rows:
        problem = ParseProblem(*row)
        path = problem.path
        problems = repo.source(path).problems
        if problem not in problems:
            problems.append(problem)


def _digest_of(obj: Any) -> str:
    raw = json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def _emitter_to_json(out: Emitter, repo: RepoIndex) -> dict[str, Any]:
    def basis(f: RawFinding) -> str:
        # the fingerprint basis finalize() would read from the file: stored so that a cached
        # result needs no file read at all
        if f.key is not None:
            return f.key
        text = repo.source(f.path).line_text(f.line) if repo.has(f.path) else ""
        return line_basis(text, f.message)

    return {
        "findings": [
            [
                f.path,
                f.line,
                f.message,
                f.column,
                f.end_line,
                f.end_column,
                basis(f),
                [list(r) for r in f.related],
                f.certain,
                f.fix,
                f.severity,
                f.fix_args,
            ]
            for f in out.findings
        ],
        "counters": dict(out.counters),
        "evidence": list(out.evidence_items),
        "na": out.na_reason,
        "message": out.message,
    }


def _emitter_from_json(data: dict[str, Any]) -> Emitter:
    out = Emitter()
    out.findings = [
        RawFinding(
            path=row[0],
            line=row[1],
            message=row[2],
            column=row[3],
            end_line=row[4],
            end_column=row[5],
            key=row[6],
            related=tuple((p, n) for p, n in row[7]),
            certain=bool(row[8]),
            fix=row[9],
            severity=Severity(row[10]) if len(row) > 10 and row[10] else None,
            fix_args=tuple((k, v) for k, v in row[11]) if len(row) > 11 and row[11] else None,
        )
        for row in data["findings"]
    ]
    out.counters.update(data["counters"])
    out.evidence_items = list(data["evidence"])
    out.na_reason = data["na"]
    out.message = data["message"]
    return out


def _clocks(clock: dict[str, list[float]] | None) -> tuple[float, float]:
    """Wall and CPU time now, less the parse time so far (``--timing``)."""
    if clock is None:
        return 0.0, 0.0
    from charter import sources

    parsed = sources.PARSE_CLOCK or {}
    return (
        time.perf_counter() - sum(v[0] for v in parsed.values()),
        time.process_time() - sum(v[1] for v in parsed.values()),
    )


def run_repo_phase(
    repo: RepoIndex,
    instances: Sequence[RuleInstance],
    *,
    cache: AuditCache | None,
    digests: dict[str, str],
    facts: dict[str, dict[str, list[Any]]],
    reads: set[str] | None = None,
    clock: dict[str, list[float]] | None = None,
) -> tuple[dict[str, Emitter], dict[str, str]]:
    """Run each analyzer's repo phase, reusing a cached output when none of its inputs moved.

    ``reads`` collects every path a repo rule read or probed (including those recorded with a
    cached output), for the report cache. ``clock`` (``--timing``) receives each rule's wall
    and CPU time, parses apart."""
    reads = reads if reads is not None else set()
    repo_out: dict[str, Emitter] = {}
    repo_errors: dict[str, str] = {}
    full = repo
    asked: dict[tuple[int, tuple[str, ...]], Any] = {}  # answers of this phase, per view

    def digest(rel: str) -> str:
        if rel not in digests:
            digests[rel] = file_digest(repo.root / rel, repo.max_bytes)
        return digests[rel]

    for inst in instances:
        analyzer = inst.analyzer
        if analyzer is None or not analyzer.has_repo_phase():
            continue
        repo = full.scoped(inst.scope)  # the files of the classes the rule judges
        # a file's facts are a function of its content and the rule set (the cache's key): the
        # files that gave facts, with their content digests, stand for the facts themselves
        # (hashing the facts as JSON cost 0.4 s on a 10,000-file repository)
        facts_digest = (
            _digest_of([[p, digest(p)] for p in sorted(facts.get(inst.key, {}))])
            if cache is not None
            else ""
        )
        if cache is not None:
            entry = cache.repo.get(inst.key)
            if entry is not None:
                try:
                    recorded = json.loads(entry.inputs)
                    current = {
                        "queries": _answers(repo, recorded["queries"], facts, digest, asked),
                        "facts": facts_digest,
                        "reads": {p: digest(p) for p in recorded["reads"]},
                    }
                    if _digest_of(current) == recorded["digest"]:
                        reads.update(recorded["reads"])
                        repo_out[inst.key] = _emitter_from_json(entry.output)
                        _restore_problems(repo, entry.output.get("problems", []))
                        cache.repo_hits += 1
                        continue
                except (ValueError, KeyError, TypeError, ImportError, AttributeError):
                    pass
            cache.repo_misses += 1
        tracking = _TrackingRepo(repo, digest)
        out = Emitter()
        started = _clocks(clock)
        try:
            analyzer.check_repo(tracking, out)
        except Exception as exc:  # noqa: BLE001 - a broken rule is reported, not fatal
            repo_errors[inst.key] = safe_message(f"{type(exc).__name__}: {exc}")
            continue
        finally:
            if clock is not None:
                ended = _clocks(clock)
                clock[inst.key] = [ended[0] - started[0], ended[1] - started[1]]
        repo_out[inst.key] = out
        reads.update(tracking.read_paths)
        if cache is not None:
            read = {p: digest(p) for p in sorted(tracking.read_paths)}
            queries = sorted(tracking.queries)
            current = {
                "queries": _answers(repo, queries, facts, digest, asked),
                "facts": facts_digest,
                "reads": read,
            }
            inputs = json.dumps(
                {"reads": sorted(read), "queries": queries, "digest": _digest_of(current)}
            )
            output = _emitter_to_json(out, repo)
            # parse problems of the files it read are reported by parse-error: keep them too
            output["problems"] = [
                [p.path, p.line, p.column, p.message, p.skipped, p.note]
                for rel in sorted(tracking.read_paths)
                if (src := repo.loaded(rel)) is not None
                for p in src.problems
            ]
            cache.put_repo(inst.key, inputs, output)
    return repo_out, repo_errors
