"""One repository's audit, as a worker runs it: a plain function of picklable values, so that a
local process pool and a Dask cluster run the very same code (each repository is one task).

The task clones with :func:`charter.gitops.clone` (shallow at the ref, nothing of the
repository runs: no checkout by git, no hook, filter, LFS or submodule) and audits with the
normal API (:func:`charter.api.run`). Whatever goes wrong is returned as the outcome's
``error`` (one line), never raised: the run goes on."""

from __future__ import annotations

import gc
import os
import resource
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from charter import __version__, api, gitops
from charter.errors import CharterError
from charter.fleet.repos import RepoEntry

_LS_REMOTE_TIMEOUT = 120


@dataclass(frozen=True)
class Settings:
    """What every audit of the run shares (the flags of ``charter fleet audit``)."""

    profiles: tuple[str, ...] = ()
    policy_dirs: tuple[Path, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    strict: bool | None = None
    repo_config: bool = True
    use_cache: bool = True
    cache_dir: Path | None = None

    def options(self, item: RepoEntry) -> api.Options:
        return api.Options(
            profiles=item.profiles or self.profiles,
            policy_dirs=self.policy_dirs,
            select=self.select,
            ignore=self.ignore,
            strict=self.strict,
            repo_config=self.repo_config,
            use_cache=self.use_cache,
            cache_dir=self.cache_dir,
            ref=item.ref,
            jobs=1,  # the fleet's workers are the parallelism; no pool inside a worker
        )


@dataclass(frozen=True)
class Task:
    entry: RepoEntry
    settings: Settings
    #: the commit of the last audit when it can be reused (same charter, same settings):
    #: the task then only asks the remote which commit the ref names now
    previous_commit: str | None = None
    #: the charter version the client runs; a worker of another version refuses the task
    client_version: str = __version__


@dataclass
class Outcome:
    id: str
    status: str  # ok, error, unchanged
    error: str | None = None
    commit: str | None = None
    #: the report as ``charter audit --format json`` writes it
    report: str | None = None
    charter_version: str = __version__
    audited_at: str = ""
    duration_s: float = 0.0
    #: the worker process and its peak resident memory (KiB) when the task ended
    pid: int = 0
    max_rss_kb: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def remote_commit(url: str, ref: str | None) -> str | None:
    """The commit ``ref`` (default: HEAD) names in the repository at ``url`` now, asked with
    ``git ls-remote`` (no clone); None when it cannot be told."""
    if ref is not None and len(ref) == 40 and all(c in "0123456789abcdef" for c in ref.lower()):
        return ref.lower()
    patterns = ["HEAD"] if ref is None else [f"refs/heads/{ref}", f"refs/tags/{ref}"]
    # as gitops.clone: the user's configuration (credentials, proxies) applies to the transfer
    env = {k: v for k, v in os.environ.items() if k not in gitops._REPO_VARIABLES}
    env["GIT_TERMINAL_PROMPT"] = "0"
    cmd = ["git", "-c", "core.hooksPath=/dev/null", "ls-remote", "--end-of-options", url]
    try:
        proc = subprocess.run(
            [*cmd, *patterns],
            cwd=tempfile.gettempdir(),
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=_LS_REMOTE_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    refs: dict[str, str] = {}
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        oid, _, name = line.partition("\t")
        refs[name.strip()] = oid.strip()
    for name in ("HEAD", f"refs/heads/{ref}", f"refs/tags/{ref}^{{}}", f"refs/tags/{ref}"):
        if name in refs:
            return refs[name]
    return None


def _peak_rss_kb() -> int:
    """This process's peak resident memory (KiB): ``VmHWM``, which starts afresh at ``exec``
    (``ru_maxrss`` keeps the peak of the parent a spawned worker was forked from)."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


#: the per-file memory cap of a serial audit (``runner._serial_file``) is off in a fleet task:
#: it runs a full ``gc.collect()`` after every file, which in a long-lived worker (and more so in
#: a Dask worker, whose heap holds Dask's own objects) cost 3-4x the audit of a small repository
#: (measured: 1.8 s against 5.7-8.5 s for one sample repository on a loaded machine). A pool
#: worker is capped as a whole instead (:func:`limit_pool_worker`), and the task collects once.
_PER_FILE_CAP = "CHARTER_WORKER_MEMORY_MB"
#: address space a pool worker may use above its size at start (MiB; a whole repository's
#: sources and facts are held at once, so twice a file-phase worker's budget)
POOL_WORKER_MEMORY_MB = 2048


def limit_pool_worker() -> None:
    """Initializer of a pool worker: cap its address space (RLIMIT_AS, Linux) at its size now
    plus :data:`POOL_WORKER_MEMORY_MB`, so a hostile repository is a recorded error (the
    audit's MemoryError), not the machine's memory."""
    try:
        statm = Path("/proc/self/statm").read_text(encoding="ascii")
        used = int(statm.split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = used + POOL_WORKER_MEMORY_MB * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        if soft == resource.RLIM_INFINITY or cap < soft:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (OSError, ValueError):
        pass


def audit_one(task: Task) -> Outcome:
    """Clone and audit one repository; never raises."""
    started = time.perf_counter()
    item = task.entry
    out = Outcome(id=item.id, status="error", pid=os.getpid())
    previous = os.environ.get(_PER_FILE_CAP)
    os.environ[_PER_FILE_CAP] = "0"
    try:
        out = _audit(task, out)
    except CharterError as exc:
        out.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - one repository's failure is recorded, not raised
        from charter.sources import safe_message

        out.error = safe_message(f"internal error: {type(exc).__name__}: {exc}")
    finally:
        if previous is None:
            os.environ.pop(_PER_FILE_CAP, None)
        else:
            os.environ[_PER_FILE_CAP] = previous
        gc.collect()  # the audit's cyclic garbage, once per repository: memory stays flat
    if out.error is not None:
        out.status = "error"
        out.error = " ".join(out.error.split())[:1000]
    out.audited_at = _now()
    out.duration_s = round(time.perf_counter() - started, 3)
    out.max_rss_kb = _peak_rss_kb()
    try:  # resident memory now, after the task: flat from task to task in a steady worker
        pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[1])
        out.extra["rss_kb"] = pages * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        pass
    return out


def _audit(task: Task, out: Outcome) -> Outcome:
    if task.client_version != __version__:
        raise CharterError(
            f"this worker runs charter {__version__}, the client {task.client_version}; "
            "install the same charter on every worker"
        )
    item = task.entry
    if task.previous_commit is not None:
        now = remote_commit(item.url, item.ref)
        if now is not None and now == task.previous_commit:
            out.status = "unchanged"
            out.commit = now
            return out
    from charter.reporters import json_report

    result = api.run(item.url, task.settings.options(item))
    report = result.report
    # the report names what was listed, as `charter audit SOURCE` would: not the file:// URL
    # charter cloned a local path from, which differs from machine to machine
    if item.url != item.source:
        report = report.model_copy(update={"target": item.shown})
        git = dict(report.extra.get("git") or {})
        if git.get("remote") == gitops.redact_url(item.url):
            git["remote"] = item.shown
        report = report.model_copy(update={"extra": {**report.extra, "git": git}})
    out.status = "ok"
    out.commit = (report.extra.get("git") or {}).get("commit")
    out.report = json_report.render(report, result.policies)
    return out
