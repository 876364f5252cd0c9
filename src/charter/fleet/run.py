"""``charter fleet audit`` and ``charter fleet merge``: the tasks, resumption, progress, and
the output folder (docs/fleet.md)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from charter import __version__, api
from charter.errors import CharterError
from charter.fleet import output
from charter.fleet.repos import RepoEntry, read_repos
from charter.fleet.worker import Outcome, Settings, Task
from charter.policy import PolicySet, load_policies, select_profiles


@dataclass
class FleetRun:
    """What a run did: counts, each outcome (in the order they arrived), the engine."""

    out: Path
    counts: dict[str, int]
    outcomes: list[Outcome] = field(default_factory=list)
    engine: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "error"]


def settings_digest(settings: Settings, policies: PolicySet) -> str:
    """What besides the repository and charter's version changes a report: the policies in
    force (their files' content) and the flags of the run."""
    h = hashlib.sha256()
    for folder in policies.dirs:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            h.update(str(path.relative_to(folder)).encode("utf-8", "surrogateescape") + b"\0")
            h.update(hashlib.sha256(path.read_bytes()).digest())
    flags = [
        list(settings.profiles),
        list(settings.select),
        list(settings.ignore),
        settings.strict,
        settings.repo_config,
    ]
    h.update(json.dumps(flags).encode())
    return h.hexdigest()[:16]


def _record(item: RepoEntry, outcome: Outcome, digest: str) -> dict[str, Any]:
    report = json.loads(outcome.report) if outcome.report is not None else None
    findings = None
    if report is not None:
        findings = sum(
            1 for f in report["findings"] if not f.get("suppressed") and not f.get("baselined")
        )
    return {
        "id": item.id,
        "source": item.shown,
        "ref": item.ref,
        "profiles": list(item.profiles),
        "status": outcome.status,
        "error": outcome.error,
        "commit": outcome.commit,
        "charter_version": outcome.charter_version,
        "settings": digest,
        "report": f"{output.REPORTS}/{item.id}.json" if report is not None else None,
        "files_scanned": report["files_scanned"] if report is not None else None,
        "findings": findings,
        "audited_at": outcome.audited_at,
        "duration_s": outcome.duration_s,
    }


def _reusable(out: Path, item: RepoEntry, digest: str) -> str | None:
    """The commit of the last audit of ``item`` when its report can stand: it succeeded,
    with this charter and these settings, and its report is there."""
    record = output.load_record(out, item.id)
    if (
        record is None
        or record.get("status") != "ok"
        or record.get("charter_version") != __version__
        or record.get("settings") != digest
        or not isinstance(record.get("commit"), str)
        or not (out / output.REPORTS / f"{item.id}.json").is_file()
    ):
        return None
    return str(record["commit"])


class _Bar:
    """A rich progress bar with ETA on stderr (off when not asked or not a terminal)."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.progress: Any = None
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        console = Console(stderr=True)
        if not console.is_terminal:
            return
        self.progress = Progress(
            TextColumn("charter fleet"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[errors]} failed"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
        )
        self.progress.start()
        self.task = self.progress.add_task("audit", total=total, errors=0)

    def advance(self, errors: int) -> None:
        if self.progress is not None:
            self.progress.update(self.task, advance=1, errors=errors)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def audit_fleet(
    repos_file: Path,
    out: Path,
    settings: Settings | None = None,
    *,
    engine: str = "pool",
    jobs: int = 0,
    scheduler: str | None = None,
    progress: bool = False,
    force: bool = False,
) -> FleetRun:
    """Audit every repository of ``repos_file`` into ``out``; see docs/fleet.md."""
    from charter.runner import default_jobs

    settings = settings or Settings()
    output.require_extras()
    if engine == "dask":
        from charter.fleet.engines import _dask

        _dask()
    elif scheduler is not None:
        raise CharterError("--scheduler is for --engine dask; add --engine dask or drop it")
    policies = load_policies(list(settings.policy_dirs))
    select_profiles(policies, settings.profiles)  # an unknown --profile stops here (exit 2)
    api.check_selectors(policies, settings.select, "--select")
    api.check_selectors(policies, settings.ignore, "--ignore")
    entries = read_repos(repos_file, policies.profiles)
    digest = settings_digest(settings, policies)
    by_id = {item.id: item for item in entries}
    tasks = [
        Task(item, settings, None if force else _reusable(out, item, digest)) for item in entries
    ]
    jobs = jobs or default_jobs()
    run = FleetRun(out=out, counts={"ok": 0, "error": 0, "skipped": 0})
    started = datetime.now(UTC).isoformat(timespec="seconds")
    clock = time.perf_counter()
    bar = _Bar(progress, len(tasks))

    def on_done(outcome: Outcome) -> None:
        run.outcomes.append(outcome)
        item = by_id[outcome.id]
        report_path = out / output.REPORTS / f"{item.id}.json"
        if outcome.status == "unchanged":
            run.counts["skipped"] += 1
        else:
            run.counts[outcome.status] += 1
            if outcome.report is not None:
                output.write_text(report_path, outcome.report)
            else:
                report_path.unlink(missing_ok=True)
            output.write_json(
                out / output.RECORDS / f"{item.id}.json", _record(item, outcome, digest)
            )
            outcome.report = None  # on disk now: the client's memory stays flat
        bar.advance(run.counts["error"])

    out.mkdir(parents=True, exist_ok=True)
    try:
        from charter.fleet import engines

        if engine == "dask":
            run.engine = engines.run_dask(tasks, jobs, scheduler, on_done)
        else:
            run.engine = engines.run_pool(tasks, jobs, on_done)
    finally:
        bar.close()
    records = [r for item in entries if (r := output.load_record(out, item.id)) is not None]
    run.rows = output.write_tables(out, records)
    run.seconds = round(time.perf_counter() - clock, 3)
    manifest = {
        "charter": __version__,
        "engine": run.engine,
        "settings": {
            "digest": digest,
            "profiles": list(settings.profiles),
            "policies": [str(p) for p in settings.policy_dirs],
            "select": list(settings.select),
            "ignore": list(settings.ignore),
            "strict": settings.strict,
            "repo_config": settings.repo_config,
        },
        "started": started,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "counts": run.counts,
        "repos": [item.id for item in entries],
    }
    output.write_json(out / output.MANIFEST, manifest)
    return run


# --- merge ------------------------------------------------------------------------------------


def _from_report(path: Path, data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A record for a report ``charter audit --format json`` wrote (one job of a matrix)."""
    git = data.get("extra", {}).get("git") or {}
    target = str(data.get("target", path.stem))
    item = RepoEntry(target, target, git.get("ref"), ())
    findings = sum(
        1 for f in data.get("findings", []) if not f.get("suppressed") and not f.get("baselined")
    )
    record = {
        "id": item.id,
        "source": item.shown,
        "ref": item.ref,
        "profiles": [],
        "status": "ok",
        "error": None,
        "commit": git.get("commit"),
        "charter_version": data.get("tool", {}).get("version"),
        "settings": "",
        "report": f"{output.REPORTS}/{item.id}.json",
        "files_scanned": data.get("files_scanned"),
        "findings": findings,
        "audited_at": "",
        "duration_s": float(data.get("timing", {}).get("total_s", 0.0)),
    }
    return record, path.read_text(encoding="utf-8")


def merge(inputs: Sequence[Path], out: Path) -> FleetRun:
    """One fleet folder from several: fleet output folders (``charter fleet audit --out``, one
    per job of a CI matrix) and single reports (``charter audit --format json``). When two
    inputs hold the same repository, the one audited last wins."""
    output.require_extras()
    found: dict[str, tuple[dict[str, Any], str | None]] = {}

    def keep(record: dict[str, Any], report: str | None) -> None:
        old = found.get(record["id"])
        if old is None or str(record.get("audited_at")) >= str(old[0].get("audited_at")):
            found[record["id"]] = (record, report)

    for path in inputs:
        if path.is_dir():
            listed = sorted((path / output.RECORDS).glob("*.json"))
            if not listed:
                raise CharterError(
                    f"{path}: no {output.RECORDS}/ here; pass a 'charter fleet audit --out' "
                    "folder or a JSON report"
                )
            for rec_path in listed:
                record = output.read_json(rec_path)
                if not isinstance(record, dict) or "id" not in record:
                    raise CharterError(f"{rec_path}: not a fleet record; remove it")
                report = None
                if record.get("report"):
                    try:
                        report = (path / record["report"]).read_text(encoding="utf-8")
                    except (OSError, UnicodeDecodeError):
                        raise CharterError(
                            f"{rec_path}: its report {record['report']} is missing"
                        ) from None
                keep(record, report)
        else:
            data = output.read_json(path)
            if not isinstance(data, dict) or "tool" not in data or "profiles" not in data:
                raise CharterError(
                    f"{path}: not a charter JSON report; pass 'charter audit --format json' "
                    "output or a fleet folder"
                )
            keep(*_from_report(path, data))
    if not found:
        raise CharterError("charter fleet merge: nothing to merge; pass folders or reports")
    counts = {"ok": 0, "error": 0, "skipped": 0}
    for record, report in found.values():
        counts[str(record.get("status")) if record.get("status") == "ok" else "error"] += 1
        if report is not None:
            output.write_text(out / output.REPORTS / f"{record['id']}.json", report)
        output.write_json(out / output.RECORDS / f"{record['id']}.json", record)
    records = [found[k][0] for k in sorted(found)]
    run = FleetRun(out=out, counts=counts, engine={"engine": "merge"})
    run.rows = output.write_tables(out, records)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    output.write_json(
        out / output.MANIFEST,
        {
            "charter": __version__,
            "engine": {"engine": "merge", "inputs": [str(p) for p in inputs]},
            "settings": {},
            "started": now,
            "finished": now,
            "counts": counts,
            "repos": sorted(found),
        },
    )
    return run
