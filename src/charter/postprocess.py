"""After the engine: suppressions, baseline and diff mode, applied to a finished Report.

The engine reports what is true of the code; this step decides what a team has accepted
(suppression comments, a baseline) and what a change is responsible for (diff mode), then
recomputes every rule status, profile count and score from the findings that remain active, so
that every reporter and the gate see one consistent picture:

- a suppressed or baselined finding stays in the report (``suppressed``/``baselined`` true) but
  is not active; a rule whose findings are all inactive **passes** (its message says how many
  were suppressed or baselined), and its ``findings`` count is its active findings;
- in diff mode, findings outside the changed lines are dropped from the report altogether, so a
  rule whose findings all lie outside the change passes too;
- ``unused-suppression`` candidates from the engine are narrowed to directives that really
  suppressed nothing (see :mod:`charter.suppressions`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charter import baseline as baseline_mod
from charter import suppressions
from charter.compact import share_fields
from charter.engine import profile_summary
from charter.models import Finding, ProfileReport, ProfileRule, Report, Status
from charter.sources import SourceFile
from charter.suppressions import COMMENT_KINDS, UNUSED_SUPPRESSION, Directive

#: rule statuses under which a suppression of that rule can be judged unused
_JUDGED = (Status.PASS, Status.FAIL, Status.NOT_APPLICABLE)


@dataclass(frozen=True)
class PostOptions:
    """What to apply: a loaded baseline, the changed lines of diff mode, the known rule ids."""

    known_rules: frozenset[str]
    baseline: Sequence[baseline_mod.Entry] | None = None
    changed: Mapping[str, Collection[int] | None] | None = None
    #: rules whose measured precision is high enough to fail the default gate
    gating_rules: frozenset[str] = frozenset()
    #: gate on every rule (``--strict``): no finding is advisory
    strict: bool = False


class _Files:
    """Files with findings, read through :class:`SourceFile`: each file's suppression comments
    once (its text is not kept: a report of 15,000 files would hold them all), its lines once
    a baseline asks for them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, SourceFile] = {}

    def get(self, path: str) -> SourceFile:
        if path not in self._files:
            self._files[path] = SourceFile(self.root, path)
        return self._files[path]

    def line_text(self, path: str, line: int) -> str:
        return self.get(path).line_text(line) if path else ""

    def directives(self, paths: Collection[str]) -> list[Directive]:
        out: list[Directive] = []
        for path in sorted(paths):
            if not path or not (self.root / path).is_file():
                continue
            file = self._files.get(path) or SourceFile(self.root, path)
            if file.kind in COMMENT_KINDS:
                out.extend(file.directives)
        return out


def apply(report: Report, root: Path, options: PostOptions) -> Report:
    """The report with suppressions, baseline and diff mode applied, statuses recomputed."""
    files = _Files(root)
    findings = list(report.findings)
    # the report given is not kept: a finding marked advisory replaces its original one at a
    # time (when the caller holds no other reference to the report, as the audit does, the
    # findings are never in memory twice)
    report = report.model_copy(update={"findings": ()})
    for i, f in enumerate(findings):
        if not options.strict and f.rule not in options.gating_rules and not f.certain:
            findings[i] = f.model_copy(update={"advisory": True})
    share_fields(findings)  # each copy above got its own set of given fields
    directives = files.directives({f.path for f in findings})

    applied = suppressions.apply(findings, directives)
    findings = list(applied.findings)
    findings = _narrow_unused(report, findings, directives, applied.used, options.known_rules)
    if options.baseline is not None:
        findings = baseline_mod.match(findings, options.baseline, files.line_text)
    dropped = 0
    if options.changed is not None:
        kept = [f for f in findings if _in_change(f, options.changed)]
        dropped = len(findings) - len(kept)
        findings = kept

    extra: dict[str, Any] = dict(report.extra)
    extra["suppressed"] = sum(f.suppressed for f in findings)
    extra["baselined"] = sum(f.baselined for f in findings)
    if options.changed is not None:
        extra["outside_diff"] = dropped
    dropped_reason = (
        "no finding on the changed lines" if options.changed is not None else "no finding left"
    )
    updated = report.model_copy(update={"findings": tuple(findings), "extra": extra})
    return recompute(updated, dropped_reason)


def _in_change(finding: Finding, changed: Mapping[str, Collection[int] | None]) -> bool:
    if finding.path not in changed:
        return False
    lines = changed[finding.path]
    return lines is None or finding.line in lines


def _narrow_unused(
    report: Report,
    findings: list[Finding],
    directives: Sequence[Directive],
    used: frozenset[tuple[Directive, str]],
    known: frozenset[str],
) -> list[Finding]:
    ran = frozenset(r.id for r in report.rules if r.status in _JUDGED)
    really = {
        (d.path, d.line, message)
        for d, _rule, message in suppressions.unused(directives, used, ran, known)
    }
    return [
        f for f in findings if f.rule != UNUSED_SUPPRESSION or (f.path, f.line, f.message) in really
    ]


@dataclass(frozen=True)
class _Tally:
    """Active and accepted findings per rule id, and how to explain a rule that now passes."""

    active: Counter[str]
    inactive: Counter[str]
    dropped: str

    def update(self, status: Status, message: str, rule_id: str) -> dict[str, Any]:
        new = status
        if status in (Status.PASS, Status.FAIL):
            new = Status.FAIL if self.active[rule_id] else Status.PASS
        if status is Status.FAIL and new is Status.PASS:
            n = self.inactive[rule_id]
            why = f"{n} finding(s) suppressed or baselined" if n else self.dropped
            message = why + (f" ({message})" if message else "")
        return {"status": new, "findings": self.active[rule_id], "message": message}


def recompute(report: Report, dropped: str = "no finding left") -> Report:
    """Rule statuses, counts and profile scores from the report's active findings; ``dropped``
    explains a failing rule that passes because its findings were removed."""
    active: Counter[str] = Counter()
    inactive: Counter[str] = Counter()
    for f in report.findings:
        (inactive if f.suppressed or f.baselined else active)[f.rule] += 1
    tally = _Tally(active, inactive, dropped)
    rules = tuple(
        r.model_copy(update=tally.update(r.status, r.message, r.id)) for r in report.rules
    )
    profiles = tuple(_profile(p, tally) for p in report.profiles)
    return report.model_copy(update={"rules": rules, "profiles": profiles})


def _profile(p: ProfileReport, tally: _Tally) -> ProfileReport:
    rows: list[ProfileRule] = [
        r.model_copy(update=tally.update(r.status, r.message, r.id)) for r in p.rules
    ]
    return p.model_copy(update={"rules": tuple(rows), **profile_summary(rows)})


def finding_lines(root: Path) -> _Files:
    """A reader of flagged lines for the baseline writer (files read once)."""
    return _Files(root)
