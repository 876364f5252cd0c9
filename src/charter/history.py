"""``charter history``: a repository's compliance over time, one audit per interval.

The commits are taken along the first-parent history of a ref (``HEAD`` by default): the
window ``--since`` back from the ref's own commit time is cut into intervals of ``--every``, and
the newest commit of each interval is audited (an interval without a commit has no point).
Each commit is audited as ``charter audit --ref COMMIT`` would: its tree is written from the
blobs into a temporary folder (no checkout, nothing of the repository runs), one folder for the
whole history, moved from point to point by writing only the files that changed
(:class:`_Tree`). The file results pass from point to point through the cache, keyed by each
file's content: a file unchanged since the previous point is never analysed again (nor one
back at a content an earlier point of the same process had: :func:`charter.cache.memoised`). Each
commit's finished report is kept under a cache scope of its own, so that a second history over
the same commits audits none of them again. With ``--no-cache`` the cache lives in a temporary
folder for the run only.

The result is each profile's score at each point, and which rules changed status at which
commit (:func:`render_text`, :func:`render_json`; ``charter report HISTORY.json --html``).
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import multiprocessing
import os
import queue
import re
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from charter import __version__, api, cache, gitops, policy, runner, sources
from charter.cache import _root_id, default_cache_dir
from charter.engine import gc_paused
from charter.errors import CharterError
from charter.models import Report

#: the kind a history JSON file declares, so that ``charter report`` can tell it apart
KIND = "charter-history"

#: fewest changed files a point analyses in the worker pool (``audit``: runner.POOL_MIN_FILES)
HISTORY_POOL_MIN_FILES = 16

_DURATION = re.compile(r"^\s*(\d+)\s*(h|d|w|mo|y)\s*$", re.IGNORECASE)
_UNIT_DAYS = {"h": 1 / 24, "d": 1.0, "w": 7.0, "mo": 30.0, "y": 365.0}
_HINT = "write it as a number and a unit: 12h, 30d, 2w, 6mo (30 days) or 1y (365 days)"


def parse_duration(flag: str, text: str) -> timedelta:
    """``2w`` -> 14 days; months are 30 days and years 365 (exit 2 on anything else)."""
    m = _DURATION.match(text)
    if m is None or int(m[1]) == 0:
        raise CharterError(f"{flag}: {text!r} is not a duration; {_HINT}")
    return timedelta(days=int(m[1]) * _UNIT_DAYS[m[2].lower()])


def parse_since(text: str, tip: datetime) -> datetime:
    """Where the window starts: a duration back from the tip's time, or a date (UTC)."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return tip - parse_duration("--since", text)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@dataclass(frozen=True)
class Commit:
    sha: str
    time: datetime
    subject: str


def first_parent(path: Path, ref: str) -> list[Commit]:
    """The first-parent history of ``ref``, newest first (``git rev-list``: objects only)."""
    gitops.check_ref("--ref", ref)
    out = gitops.read(
        path,
        "rev-list", "--first-parent", "--no-commit-header", "--format=%H%x09%ct%x09%s",
        "--end-of-options", ref,
    )  # fmt: skip
    if out is None:
        if gitops.read(path, "rev-parse", "--is-inside-work-tree") is None:
            raise CharterError(f"{path}: history needs a git repository; pass a repository")
        raise CharterError(
            f"--ref: {ref!r} is not a commit, branch or tag of {path}; "
            "check it with 'git rev-parse'"
        )
    commits: list[Commit] = []
    for line in out.decode("utf-8", "replace").splitlines():
        sha, _, rest = line.partition("\t")
        stamp, _, subject = rest.partition("\t")
        if not sha or not stamp.isdigit():
            continue
        commits.append(Commit(sha, datetime.fromtimestamp(int(stamp), UTC), subject[:120]))
    if not commits:
        raise CharterError(f"{path}: {ref!r} has no commits")
    return commits


def pick(commits: Sequence[Commit], start: datetime, every: timedelta) -> list[Commit]:
    """One commit per interval of ``every`` between ``start`` and the tip's time, counted back
    from the tip: the newest commit (in first-parent order) of each interval; oldest first."""
    tip = commits[0].time
    if start >= tip:
        return [commits[0]]
    count = math.ceil((tip - start) / every)
    chosen: list[Commit] = []
    taken: set[int] = set()
    for commit in commits:
        if commit.time <= start:
            break
        bucket = max(0, min(count - 1, int((tip - commit.time) / every)))
        if bucket not in taken:
            taken.add(bucket)
            chosen.append(commit)
    return chosen[::-1]


@dataclass
class Point:
    commit: Commit
    #: the report without its findings (only the scores and statuses are kept), or None
    report: Report | None
    error: str | None
    seconds: float
    #: active findings of the report
    findings: int = 0


def run(
    path: Path,
    options: api.Options,
    *,
    ref: str = "HEAD",
    since: str = "6mo",
    every: str = "2w",
    progress: Callable[[int, int, Commit], None] | None = None,
) -> dict[str, Any]:
    """Audit the commits :func:`pick` chooses and return the history document (JSON-ready)."""
    step = parse_duration("--every", every)
    if not path.is_dir():
        raise CharterError(f"{path}: not a folder; pass a git repository's folder")
    commits = first_parent(path, ref)
    start = parse_since(since, commits[0].time)
    chosen = pick(commits, start, step)
    started = time.perf_counter()
    scratch: Path | None = None
    if not options.use_cache:  # shared by the points of this run only
        scratch = Path(tempfile.mkdtemp(prefix="charter-history-cache-"))
        options = replace(options, use_cache=True, cache_dir=scratch)
    if options.pool_min_files is None:
        # a point analyses only the files changed since the previous one (tens, not the
        # thousand of a cold audit): in parallel too, as the cold audit does
        options = replace(options, pool_min_files=HISTORY_POOL_MIN_FILES)
    cache_dir = options.cache_dir or default_cache_dir()
    resolved = path.resolve()
    # the file results of the last point audited, of this run or of the last history of PATH
    pointer = cache_dir / f"{_root_id(f'history of {resolved}')}.last"
    try:
        jobs = options.jobs or runner.default_jobs()
        costs = _estimated_costs(path, chosen) if _count(chosen, jobs) > 1 else None
        stretches = _stretches(chosen, jobs, costs)
        if len(stretches) > 1:
            points = _side_by_side(path, stretches, options, resolved, cache_dir, pointer, progress)
        else:
            seed = _last_seed(pointer)
            points = _stretch(path, chosen, options, resolved, cache_dir, seed, pointer, progress)
    finally:
        _LISTINGS.clear()
        gc.unfreeze()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    doc = document(path, ref, since, every, points)
    doc["timing"] = {
        "total_s": round(time.perf_counter() - started, 3),
        "points": len(points),
        "commits_in_window": sum(1 for c in commits if c.time > start),
    }
    return doc


#: fewest points in each stretch of a history audited side by side with the others
MIN_STRETCH = 8


def _count(chosen: Sequence[Commit], jobs: int) -> int:
    """How many stretches: one per worker process, each of at least :data:`MIN_STRETCH`
    points (on a system that cannot fork, one)."""
    count = max(1, min(jobs, len(chosen) // MIN_STRETCH))
    if count == 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return count


def _stretches(
    chosen: Sequence[Commit],
    jobs: int,
    costs: _Costs | None = None,
) -> list[list[Commit]]:
    """``chosen`` cut into consecutive stretches, one per worker process (``--jobs``). The
    first point of the last stretch is audited first, on its own, with its files in a pool of
    ``jobs`` workers; each stretch then runs in a process forked after it, with its file
    results at hand: the other stretches start from them (a file of their first point that is
    the same in that point's tree is not analysed again) and the last goes on from it. So
    there are no more stretches than leave :data:`MIN_STRETCH` points to each on average.
    Without ``costs``, stretches of equal length; with ``costs`` (:func:`_estimated_costs`),
    the cut that should end soonest (:func:`_plan`)."""
    count = _count(chosen, jobs)
    if count == 1:
        return [list(chosen)]
    if costs is not None and len(costs.after) == len(chosen):
        return [list(chosen[a:b]) for a, b in _plan(costs, count, jobs)]
    size, extra = divmod(len(chosen), count)
    out: list[list[Commit]] = []
    at = 0
    for k in range(count):
        end = at + size + (1 if k < extra else 0)
        out.append(list(chosen[at:end]))
        at = end
    return out


def _balanced(after: Sequence[float], start: Sequence[float], count: int) -> list[tuple[int, int]]:
    """Cut points ``0..n-1`` into at most ``count`` consecutive stretches ``[a, b)`` so that
    the costliest stretch (``start[a]`` plus ``after[a+1..b-1]``) costs least, then the sum of
    the stretches (the CPU time) is least: dynamic programming over the cut positions."""
    n = len(after)
    acc = [0.0]
    for x in after:
        acc.append(acc[-1] + x)

    def cost(a: int, b: int) -> float:
        return start[a] + acc[b] - acc[a + 1]

    # best[j]: (costliest stretch, sum, cuts) covering points 0..j-1 with the stretches so far
    inf = (math.inf, math.inf, ())
    best: list[tuple[float, float, tuple[int, ...]]] = [inf] * (n + 1)
    best[0] = (0.0, 0.0, ())
    answer: tuple[float, float, tuple[int, ...]] = (cost(0, n), cost(0, n), (0,))
    for _ in range(count):
        nxt: list[tuple[float, float, tuple[int, ...]]] = [inf] * (n + 1)
        for a in range(n):
            top, total, cuts = best[a]
            if top == math.inf:
                continue
            for b in range(a + 1, n + 1):
                c = cost(a, b)
                candidate = (max(top, c), total + c, (*cuts, a))
                if candidate[:2] < nxt[b][:2]:
                    nxt[b] = candidate
        if nxt[n][:2] < answer[:2]:
            answer = nxt[n]
        best = nxt
    starts = list(answer[2])
    return list(zip(starts, [*starts[1:], n], strict=True))


#: the estimate of a point's seconds (:func:`_estimated_costs`), fitted by least squares on
#: the 25 points of a history of dgtlmoon/changedetection.io in one process (mean error
#: 0.07 s a point): a fixed part and a part per file of the tree (finding them, hashing them,
#: the repository rules' look-ups); when a Python file changed, the repository rules that
#: follow the Python code again; each changed Python file by its bytes (the rules' walks of
#: its ``ast``); each other changed file, and its bytes (the secret scan reads every one)
_COST_FIXED, _COST_PER_FILE, _COST_PYTHON_CHANGED = 0.05, 4.4e-4, 0.2
_COST_PER_PYTHON_BYTE, _COST_PER_NEW_FILE, _COST_PER_BYTE = 1.1e-6, 7.6e-4, 7e-8

#: most candidates :func:`_plan` weighs for the first point of the last stretch, and about
#: how many steps of :func:`_balanced` it may take in all
_PLAN_CANDIDATES, _PLAN_STEPS = 48, 4_000_000


@dataclass
class _Costs:
    """Estimated seconds of each point (:func:`_estimated_costs`): ``after`` the point before
    it, ``cold`` from nothing, and of that the ``base`` (the fixed part and the part per file
    of its tree); ``blobs`` are each point's regular files (blob id to size), ``new`` those
    not in the tree of the point before it."""

    after: list[float]
    cold: list[float]
    base: list[float]
    #: blob id -> (size, whether a Python file has it)
    blobs: list[dict[str, tuple[int, bool]]]
    new: list[dict[str, tuple[int, bool]]]


def _analysed(
    blobs: dict[str, tuple[int, bool]], held: dict[str, tuple[int, bool]] | None = None
) -> float:
    """The estimated seconds of analysing ``blobs``, less those in ``held``."""
    cost = 0.0
    python = False
    for oid, (size, is_python) in blobs.items():
        if held is not None and oid in held:
            continue
        if is_python:
            python = True
            cost += _COST_PER_PYTHON_BYTE * size
        else:
            cost += _COST_PER_NEW_FILE + _COST_PER_BYTE * size
    return cost + (_COST_PYTHON_CHANGED if python else 0.0)


def _plan(costs: _Costs, count: int, jobs: int) -> list[tuple[int, int]]:
    """The cut into at most ``count`` stretches ``[a, b)`` that should end soonest.

    The first point ``m`` of the last stretch is audited first, its files in ``jobs``
    workers; the earlier stretches start when its files are done, the last one when the
    point is. A point before ``m`` analyses only its files that
    the points before it in its stretch and point ``m`` do not have; the first point of an
    earlier stretch at ``a`` costs at most its files changed between ``a`` and ``m`` (an
    upper bound from the listings: the new files of the points between), exactly for
    ``a = 0``. Each candidate ``m`` (all, or :data:`_PLAN_CANDIDATES` spread evenly) cuts
    ``0..m-1`` by :func:`_balanced`; the plan whose longest stretch plus point ``m`` costs
    least, then whose total costs least, is taken."""
    n = len(costs.after)
    # each candidate's cut of the earlier points costs (count - 1) * m^2 steps: fewer
    # candidates on a long history cut many ways (a thousand points on eight workers)
    fits = _PLAN_STEPS // max(1, (count - 1) * n * n)
    step = max(1, math.ceil((n - 1) / max(4, min(_PLAN_CANDIDATES, fits))))
    best: tuple[float, float, list[tuple[int, int]]] | None = None
    for m in range(1, n, step):
        held = costs.blobs[m]
        after = [costs.base[i] + _analysed(costs.new[i], held) for i in range(m)]
        changed = [_analysed(costs.new[i]) for i in range(m + 1)]
        start = [0.0] * m
        between = 0.0
        for a in range(m - 1, -1, -1):
            between += changed[a + 1]
            start[a] = min(costs.cold[a], costs.base[a] + between)
        start[0] = costs.base[0] + _analysed(costs.blobs[0], held)
        parts = _balanced(after, start, count - 1)
        # point m's files in the pool, then the earlier stretches start; the last one goes on
        # after point m's repository phase (its ``base``)
        files = (costs.cold[m] - costs.base[m]) / max(1, jobs)
        spans = [files + start[a] + sum(after[a + 1 : b]) for a, b in parts]
        spans.append(files + costs.base[m] + sum(costs.after[m + 1 :]))
        plan = (max(spans), sum(spans), [*parts, (m, n)])
        if best is None or plan[:2] < best[:2]:
            best = plan
    return best[2] if best is not None else [(0, n)]


def _estimated_costs(path: Path, chosen: Sequence[Commit]) -> _Costs | None:
    """Each point's estimated cost (:class:`_Costs`) from the trees' listings (blob ids and
    sizes: ``git ls-tree -l``, nothing read); None when a tree cannot be listed."""
    where = gitops._work_tree(path)
    if where is None:
        return None
    costs = _Costs([], [], [], [], [])
    previous: dict[str, tuple[int, bool]] = {}
    for commit in chosen:
        try:
            listing = gitops._ls_tree(path, commit.sha, where.prefix)
        except gitops._GitFailed:
            return None
        _LISTINGS[(str(path), commit.sha, where.prefix)] = listing  # for _Tree, not listed again
        blobs = {
            e.oid: (max(e.size, 0), rel.endswith((".py", ".pyi")))
            for rel, e in listing.items()
            if e.mode in gitops._REGULAR
        }
        new = {oid: size for oid, size in blobs.items() if oid not in previous}
        base = _COST_FIXED + _COST_PER_FILE * len(blobs)
        costs.after.append(base + _analysed(new))
        costs.cold.append(base + _analysed(blobs))
        costs.base.append(base)
        costs.blobs.append(blobs)
        costs.new.append(new)
        previous = blobs
    return costs


#: the trees' listings :func:`_estimated_costs` read, by (repository, commit, prefix), for
#: :class:`_Tree` (the stretches' processes are forked after they are read); emptied by :func:`run`
_LISTINGS: dict[tuple[str, str, str], dict[str, Any]] = {}


def _side_by_side(
    path: Path,
    stretches: Sequence[Sequence[Commit]],
    options: api.Options,
    resolved: Path,
    cache_dir: Path,
    pointer: Path,
    progress: Callable[[int, int, Commit], None] | None,
) -> list[Point]:
    """The first point of the last stretch here, its files in a pool of ``--jobs`` workers;
    then each stretch in a worker process of its own, forked with that point's file results
    in memory (:func:`charter.cache.memoised`: a file any stretch finds as it was there is not
    analysed again), its file phases in that process. The last stretch goes on from that
    point, on its tree. The progress is reported here, in order of arrival. The pointer to the
    last point's file results is written here, at the end."""
    context = multiprocessing.get_context("fork")
    results: Any = context.Queue()
    total = sum(len(s) for s in stretches)
    firsts = [sum(len(s) for s in stretches[:k]) for k in range(len(stretches))]
    serial = replace(options, jobs=1)
    last = len(stretches) - 1
    middle = stretches[last][0]

    def tell(i: int, n: int, commit: Commit) -> None:
        if progress is not None:
            progress(firsts[last], total, commit)

    tree = _Tree(path)
    workers: list[Any] = [
        context.Process(
            target=_stretch_worker,
            args=(k, path, list(stretch), serial, resolved, cache_dir, results, None),
            daemon=True,
        )
        for k, stretch in enumerate(stretches[:last])
    ]
    started: list[Any] = []

    def start_the_others() -> None:
        # they need only this point's file results: they start while its repository phase
        # runs (forked with them in memory, before this process builds its report)
        for worker in workers:
            if worker not in started:
                started.append(worker)
                worker.start()

    done: dict[int, list[Point]] = {}
    failed: str | None = None
    try:
        with _memoised():
            if _report_kept(cache_dir, resolved, middle):
                # an earlier history audited it: its report is likely taken as it is, with no
                # file phase to wait for (a weekly history): the others need not wait either
                start_the_others()
            runner.after_file_phase = start_the_others
            try:
                # the newest stretch starts from the file results the last history left (a
                # weekly history audits its new commits there); the others from this point's
                first = _points(
                    tree, [middle], options, resolved, cache_dir, _last_seed(pointer), None, tell
                )
            except Exception as exc:  # noqa: BLE001 - reported as a stretch's failure is
                raise CharterError(
                    f"history: {type(exc).__name__}: {exc}; run it again with --jobs 1 to see "
                    "the error"
                ) from None
            finally:
                runner.after_file_phase = None
            start_the_others()  # when the point had no file phase (its configuration failed)
            files = _files_of(cache_dir, resolved, middle)
            workers.append(
                context.Process(
                    target=_stretch_worker,
                    args=(
                        last,
                        path,
                        list(stretches[last][1:]),
                        serial,
                        resolved,
                        cache_dir,
                        results,
                        files if files.exists() else None,
                        tree,
                    ),
                    daemon=True,
                )
            )
            started.append(workers[last])
            workers[last].start()
            while len(done) < len(workers) and failed is None:
                try:
                    message = results.get(timeout=1.0)
                except queue.Empty:
                    lost = [k for k, w in enumerate(workers) if k not in done and not w.is_alive()]
                    if lost and results.empty():
                        failed = f"the worker of points {firsts[lost[0]] + 1}- exited"
                    continue
                kind, k, body = message
                if kind == "point" and progress is not None:
                    i = firsts[k] + body + (1 if k == last else 0)
                    progress(i, total, stretches[k][body + (1 if k == last else 0)])
                elif kind == "done":
                    done[k] = body
                elif kind == "failed":
                    failed = body
    finally:
        # a failure, or an interrupt of this process: the stretches not finished are stopped
        for k, worker in enumerate(workers):
            if worker not in started:
                continue
            if k not in done and worker.is_alive():
                worker.terminate()
            worker.join()
        tree.close()
    if failed is not None:
        raise CharterError(f"history: {failed}; run it again with --jobs 1 to see the error")
    done[last] = [*first, *done[last]]
    points = [p for k in range(len(workers)) for p in done[k]]
    # the stretches' last file results: the newest seeds the next history, the others go
    ends = [_files_of(cache_dir, resolved, s[-1]) for s in stretches]
    for files in ends[:-1]:
        files.unlink(missing_ok=True)
    if ends[-1].exists():
        _write_pointer(pointer, ends[-1])
    return points


def _report_kept(cache_dir: Path, resolved: Path, commit: Commit) -> bool:
    """Whether the cache holds a finished report of ``commit``'s point (of an earlier
    history), which its audit may take as it is."""
    return (cache_dir / f"{_root_id(f'history of {resolved} at {commit.sha}')}.report").is_file()


def _files_of(cache_dir: Path, resolved: Path, commit: Commit) -> Path:
    """The cache file of the file results of ``commit``'s point."""
    return cache_dir / f"{_root_id(f'history of {resolved} at {commit.sha}')}.jsonl"


def _stretch_worker(
    k: int,
    path: Path,
    chosen: list[Commit],
    options: api.Options,
    resolved: Path,
    cache_dir: Path,
    results: Any,
    seed: Path | None,
    tree: _Tree | None = None,
) -> None:
    """One stretch in a forked worker: its points, or why it failed, put on ``results``."""
    gc.enable()  # forked in the middle of an audit, where the collector is paused
    try:

        def tell(i: int, total: int, commit: Commit) -> None:
            results.put(("point", k, i))

        points = _stretch(path, chosen, options, resolved, cache_dir, seed, None, tell, tree)
        results.put(("done", k, points))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises
        results.put(("failed", k, f"{type(exc).__name__}: {exc}"))


@contextlib.contextmanager
def _memoised() -> Iterator[None]:
    """What a process of a history keeps from one point to the next: the built-in policies,
    YAML parses, file digests and results, and the CI model (each by what it depends on)."""
    with policy.memoised(), sources.yaml_memoised(), cache.memoised(), runner.derived_memoised():
        yield


def _stretch(
    path: Path,
    chosen: Sequence[Commit],
    options: api.Options,
    resolved: Path,
    cache_dir: Path,
    seed: Path | None,
    pointer: Path | None,
    progress: Callable[[int, int, Commit], None] | None,
    tree: _Tree | None = None,
) -> list[Point]:
    """Audit ``chosen`` in order on one tree (``tree``, where the caller left it, or a new
    one), moved from commit to commit, each point seeded with the file results of the one
    before it (the first with ``seed``); ``pointer`` is kept naming the last point's."""
    own = tree is None
    on = _Tree(path) if tree is None else tree
    try:
        with _memoised():
            return _points(on, chosen, options, resolved, cache_dir, seed, pointer, progress)
    finally:
        if own:
            on.close()


def _points(
    tree: _Tree,
    chosen: Sequence[Commit],
    options: api.Options,
    resolved: Path,
    cache_dir: Path,
    seed: Path | None,
    pointer: Path | None,
    progress: Callable[[int, int, Commit], None] | None,
) -> list[Point]:
    points: list[Point] = []
    for i, commit in enumerate(chosen):
        if progress is not None:
            progress(i, len(chosen), commit)
        began = time.perf_counter()
        # what earlier points left is never garbage the next one must scan: an audit
        # collects after each file it analyses in-process, and the whole heap is scanned
        gc.collect()
        gc.freeze()
        scope = f"history of {resolved} at {commit.sha}"
        files = _files_of(cache_dir, resolved, commit)
        if seed is not None and seed != files and not files.exists():
            _copy(seed, files)  # the file results of the previous point, by content
        try:
            report = _audit_commit(tree, commit.sha, options, scope)
            error = None
        except CharterError as exc:  # an old commit's own configuration may be broken
            # named in the repository, not in the temporary folder its tree was written to
            report, error = None, str(exc).replace(f"{tree.root}{os.sep}", "")
        if files.exists():
            if seed is not None and seed != files:
                seed.unlink(missing_ok=True)  # each point keeps its report, not its files
            seed = files
            if pointer is not None:
                _write_pointer(pointer, files)
        found = len(report.active_findings()) if report is not None else 0
        if report is not None:  # a point keeps no finding: the heap stays small
            report = report.model_copy(update={"findings": (), "notes": ()})
        points.append(Point(commit, report, error, time.perf_counter() - began, found))
    return points


class _Tree:
    """The tree of the current point, written from git's objects into a temporary folder and
    moved from commit to commit by writing only the files that changed.

    The same rules as :func:`charter.gitops.materialise`, which writes the first tree and
    every tree whose links changed: only entries it would write (no ``.git``, ``..`` or path
    under a file, link or submodule), regular files created anew (``O_EXCL | O_NOFOLLOW``)
    with their executable bit, nothing of the repository's configuration applied; a folder
    left empty by a deleted file is removed, as a fresh checkout would not have it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        where = gitops._work_tree(path)
        if where is None:
            raise CharterError(f"{path}: history needs a git repository; pass a repository")
        self.prefix = where.prefix
        self._tmp = Path(tempfile.mkdtemp(prefix="charter-history-"))
        self.root = self._tmp / "tree"
        self._entries: dict[str, Any] | None = None

    def _listed(self, sha: str) -> dict[str, Any]:
        entries = {
            rel: e
            for rel, e in (
                _LISTINGS.pop((str(self.path), sha, self.prefix), None)
                or gitops._ls_tree(self.path, sha, self.prefix)
            ).items()
            if gitops._safe_parts(rel)
        }
        leaves = set(entries)

        def under_a_leaf(rel: str) -> bool:  # a parent folder of rel is a file, link, module
            at = rel.find("/")
            while at != -1:
                if rel[:at] in leaves:
                    return True
                at = rel.find("/", at + 1)
            return False

        return {rel: e for rel, e in entries.items() if not under_a_leaf(rel)}

    def move_to(self, sha: str) -> None:
        try:
            new = self._listed(sha)
            old = self._entries
            links = {r: e.oid for r, e in new.items() if e.mode == gitops._LINK}
            if old is None or links != {r: e.oid for r, e in old.items() if e.mode == gitops._LINK}:
                shutil.rmtree(self.root, ignore_errors=True)
                self.root.mkdir()
                gitops.materialise(self.path, sha, self.prefix, self.root)
                changed = [r for r, e in new.items() if e.mode in gitops._REGULAR]
            else:
                changed = self._update(old, new, sha)
            for rel in changed:
                _stamp(self.root / rel, new[rel].oid)
        except gitops._GitFailed as exc:
            raise CharterError(
                f"{sha[:10]}: cannot read it: {gitops._one_line(exc.stderr)}"
            ) from None
        self._entries = new

    def _update(self, old: dict[str, Any], new: dict[str, Any], sha: str) -> list[str]:
        """Delete what went, write what changed; returns the paths written."""
        regular = gitops._REGULAR
        gone = [r for r, e in old.items() if e.mode in regular and (r not in new or new[r] != e)]
        for rel in sorted(gone, reverse=True):
            target = self.root / rel
            try:
                if stat.S_ISREG(os.lstat(target).st_mode):
                    target.unlink()
            except OSError:
                continue
            if rel in new:
                continue  # rewritten below: its folder stays
            for parent in PurePosixPath(rel).parents:
                if str(parent) == ".":
                    break
                try:
                    (self.root / parent).rmdir()  # only when empty
                except OSError:
                    break
        wanted: dict[str, list[str]] = {}
        for rel, entry in sorted(new.items()):
            if entry.mode in regular and old.get(rel) != entry:
                wanted.setdefault(entry.oid, []).append(rel)
        modes = {rel: regular[new[rel].mode] for rels in wanted.values() for rel in rels}
        gitops.write_blobs(self.path, self.root.resolve(), wanted, modes)
        return [rel for rels in wanted.values() for rel in rels]

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)


def _stamp(path: Path, oid: str) -> None:
    """Give a written file a modification time derived from its blob id: the cache knows a
    file over the size cap by its size and modification time, and a file must be known as the
    same file whenever its content is the same (in another point's tree, in a later history)."""
    stamp = int(oid[:12], 16)  # nanoseconds, within the first days of 1970
    with contextlib.suppress(OSError, NotImplementedError):
        os.utime(path, ns=(stamp, stamp), follow_symlinks=False)


def _audit_commit(tree: _Tree, sha: str, options: api.Options, scope: str) -> Report:
    """``charter audit PATH --ref SHA`` on the tree moved to ``sha``, with a cache scope of its
    own: the finished report of each commit is kept (a second history over the same commits
    reuses it), and the file results are seeded from the previous point's."""
    with gc_paused():
        tree.move_to(sha)
        git: dict[str, Any] = {"commit": sha, "branch": None, "ref": sha}
        if tree.prefix:
            git["prefix"] = tree.prefix
        # api._audit_tree is what api.run does after its checkout, with the scope given here
        audit = api._audit_tree(tree.root, f"{tree.path}@{sha}", git, options, scope)
    return audit.report


_CACHE_NAME = re.compile(r"^[0-9a-f]{16}\.jsonl$")


def _last_seed(pointer: Path) -> Path | None:
    """The cache file the last history of this repository left, if it is still there."""
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    seed = pointer.parent / name
    return seed if _CACHE_NAME.match(name) and seed.is_file() else None


def _write_pointer(pointer: Path, files: Path) -> None:
    try:
        pointer.write_text(files.name + "\n", encoding="utf-8")
        pointer.chmod(0o600)
    except OSError:
        pass


def _copy(source: Path, target: Path) -> None:
    """A copy of a cache file; a cache that cannot be written only costs time."""
    try:
        shutil.copyfile(source, target)
        target.chmod(0o600)
    except OSError:
        pass


def document(
    path: Path, ref: str, since: str, every: str, points: Sequence[Point]
) -> dict[str, Any]:
    """The history as data: points (oldest first), each profile's series, the rule flips."""
    profiles: dict[str, dict[str, Any]] = {}
    rows: list[dict[str, Any]] = []
    flips: list[dict[str, Any]] = []
    before: dict[str, tuple[str, str]] = {}  # rule id -> (status, title) at the last point
    for n, point in enumerate(points):
        report = point.report
        row: dict[str, Any] = {
            "commit": point.commit.sha,
            "date": point.commit.time.isoformat(timespec="seconds"),
            "subject": point.commit.subject,
            "scores": {},
            "seconds": round(point.seconds, 3),
        }
        if report is None:
            row["error"] = point.error
            rows.append(row)
            continue
        timing = report.timing or {}
        row["cache_hits"] = int(timing.get("cache_hits", 0))
        row["cache_misses"] = int(timing.get("cache_misses", 0))
        # repository-level rules whose cached result was reused, and those that ran
        row["repo_cache_hits"] = int(timing.get("repo_cache_hits", 0))
        row["repo_cache_misses"] = int(timing.get("repo_cache_misses", 0))
        row["report_reused"] = bool(timing.get("report_reused"))
        # where the audit's time went: finding the files, the file phase, the repository phase
        row["phases"] = {
            k.removesuffix("_s"): timing[k]
            for k in ("discover_s", "files_s", "repo_s")
            if k in timing
        }
        row["findings"] = point.findings
        for prof in report.profiles:
            profiles.setdefault(prof.id, {"id": prof.id, "title": prof.title})
            row["scores"][prof.id] = prof.score
        used: dict[str, list[str]] = {}
        for prof in report.profiles:
            for rule in prof.rules:
                used.setdefault(rule.id, []).append(prof.id)
        now = {r.id: (r.status.value, r.title) for r in report.rules}
        if n and before:
            for rule_id in sorted(set(now) | set(before)):
                old = before.get(rule_id, ("absent", ""))[0]
                new, title = now.get(rule_id, ("absent", before.get(rule_id, ("", ""))[1]))
                if old != new:
                    flips.append(
                        {
                            "commit": point.commit.sha,
                            "date": row["date"],
                            "point": len(rows),
                            "rule": rule_id,
                            "title": title,
                            "from": old,
                            "to": new,
                            "profiles": sorted(used.get(rule_id, [])),
                        }
                    )
        before = now
        rows.append(row)
    series = [
        {**meta, "scores": [r["scores"].get(pid) for r in rows]} for pid, meta in profiles.items()
    ]
    return {
        "kind": KIND,
        "tool": {"name": "charter", "version": __version__},
        "target": str(path),
        "ref": ref,
        "since": since,
        "every": every,
        "points": rows,
        "profiles": series,
        "flips": flips,
    }


def render_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def render_text(doc: dict[str, Any]) -> str:
    """A table: one row per point (date, commit, each profile's score, the rules that changed
    status there), then a legend of the profile columns."""
    from charter.reporters.escape import visible

    points = doc["points"]
    profiles = doc["profiles"]
    head = [f"charter history {visible(doc['target'])} ({doc['ref']}, since {doc['since']}, "]
    head[0] += f"every {doc['every']}): {len(points)} point(s)"
    if not points:
        return head[0] + "\n"
    width = 7
    cols = [f"P{i + 1}".rjust(width) for i in range(len(profiles))]
    lines = [
        head[0],
        "",
        f"{'date':<10}  {'commit':<10} {''.join(cols)}  rules that changed status",
    ]
    by_point: dict[int, list[str]] = {}
    for flip in doc["flips"]:
        by_point.setdefault(flip["point"], []).append(f"{flip['rule']} {flip['from']}→{flip['to']}")
    for i, row in enumerate(points):
        scores = "".join(_score(row["scores"].get(p["id"])).rjust(width) for p in profiles)
        note = "; ".join(by_point.get(i, []))
        if row.get("error"):
            note = f"error: {row['error']}"
        lines.append(f"{row['date'][:10]:<10}  {row['commit'][:10]:<10} {scores}  {visible(note)}")
    lines.append("")
    for i, prof in enumerate(profiles):
        first = next((s for s in prof["scores"] if s is not None), None)
        last = next((s for s in reversed(prof["scores"]) if s is not None), None)
        trend = f"{_score(first)} → {_score(last)}"
        lines.append(f"P{i + 1}  {prof['id']:<28} {trend}")
    timing = doc.get("timing") or {}
    if timing:
        lines.append("")
        lines.append(f"{timing.get('points', len(points))} audit(s) in {timing['total_s']:.1f}s")
    return "\n".join(lines) + "\n"


def stderr_progress(i: int, total: int, commit: Commit) -> None:
    sys.stderr.write(
        f"charter: history {i + 1}/{total}: {commit.sha[:10]} {commit.time:%Y-%m-%d}\n"
    )
    sys.stderr.flush()
