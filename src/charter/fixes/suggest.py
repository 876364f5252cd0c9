"""Fixes as suggestions: the patch of each fixable finding, for reports that offer it (SARIF
``fixes[].artifactChanges``, Markdown and github ``suggestion`` blocks).

The audit marks a finding fixable (``Finding.fix``) without running a fixer; this module runs
them, only for the formats that show patches and only on the files with marked findings: every
fixer of a file in one LibCST pass, with ``--unsafe-fixes`` (an unsafe fix is offered too, and
says so), through the same checks as ``charter fix`` (a file that would not compile or would
change twice is offered nothing). Each changed line goes to the finding it fixes, the last
marked finding at or before it (a signature's ``):`` line belongs to its ``def``), and the
consecutive lines of one finding make one patch; lines a fix inserts (Kubernetes probes) are
offered as the line before them replaced by that line and the inserted ones. A patch on a line
a secrets finding points at, or whose text holds a value that looks like a secret, is not
offered: a report never shows such a line.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charter.fixes import _safe_target, file_jobs, fix_source, fixable_rules
from charter.models import Finding, Report
from charter.policy import PolicySet

#: the files whose patches a report offers at most (the rest keep their ``[*]`` mark)
MAX_FILES = 50


@dataclass(frozen=True)
class Suggestion:
    """Lines ``start``..``end`` (1-based, inclusive) of ``path`` replaced by ``new`` (lines
    without their line endings, which the file keeps)."""

    path: str
    start: int
    end: int
    old: tuple[str, ...]
    new: tuple[str, ...]
    applicability: str
    description: str


_NEWLINE = re.compile(r"\r\n|\r|\n")


def _lines(data: bytes) -> list[str]:
    """The file's lines as Python numbers them (only ``\n``, ``\r\n`` and ``\r`` end one)."""
    parts = _NEWLINE.split(data.decode("utf-8", errors="replace"))
    if parts and parts[-1] == "":
        parts.pop()
    return parts


def suggestions(
    root: Path,
    report: Report,
    policies: PolicySet,
    findings: Iterable[Finding] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    max_files: int | None = MAX_FILES,
) -> dict[str, list[Suggestion]]:
    """Finding fingerprint -> the patches that fix it, for the marked, active ``findings`` (all
    of the report's by default) of files under ``root`` (``overrides``: the configuration's
    rule parameters). At most ``max_files`` files are fixed (LibCST costs ~0.1-0.4 s a file):
    the findings of the files past it get no patch, only their mark."""
    from charter.reporters.text import _Scrubber, _secret_lines

    fixable = fixable_rules(policies)
    wanted = [
        f
        for f in (report.findings if findings is None else findings)
        if f.fix and f.rule in fixable and f.line > 0 and not (f.suppressed or f.baselined)
    ]
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in wanted:
        by_file[f.path].append(f)
    secret = _secret_lines(report, policies) if by_file else set()
    scrub = _Scrubber(policies)
    out: dict[str, list[Suggestion]] = {}
    for rel, found in sorted(by_file.items())[:max_files]:
        target = _safe_target(root, rel)
        if target is None:
            continue
        try:
            source = target.read_bytes()
        except OSError:
            continue
        jobs, context = file_jobs(found, policies, overrides)
        result = fix_source(rel, source, jobs, True, context, settle=False)
        if not result.changed or result.after is None:
            continue
        before, after = _lines(source), _lines(result.after)
        marked = sorted({f.line for f in found})
        # (owner line, first index, last index in before, first, last index in after)
        runs: list[tuple[int, int, int, int, int]] = []
        if len(before) == len(after):
            changed = [
                i for i, (old, new) in enumerate(zip(before, after, strict=True)) if old != new
            ]
            # each changed line belongs to the last marked finding at or before it (a
            # signature's `):` line to its `def`); consecutive lines of one owner make one patch
            for i in changed:
                owner = max((n for n in marked if n <= i + 1), default=0)
                if not owner:
                    continue
                if runs and runs[-1][0] == owner and runs[-1][2] == i - 1:
                    runs[-1] = (owner, runs[-1][1], i, runs[-1][3], i)
                else:
                    runs.append((owner, i, i, i, i))
        else:
            # a fix that adds or drops lines (`with` in place of `open` ... `close()`) gives
            # one patch per replaced block of lines, of the last marked finding at or before
            # it; a pure insertion (Kubernetes probes) replaces the line before it with that
            # line and the block. A block no finding owns (an import a fix needs, above every
            # finding) means no patch for the file: one without that block would not work
            matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
            pending: list[tuple[int, int, int, int, int]] = []
            for tag, i1, i2, j1, j2 in matcher.get_opcodes():
                if tag == "equal":
                    continue
                if tag == "insert" and i1 > 0:
                    i1, j1 = i1 - 1, j1 - 1
                owner = max((n for n in marked if n <= i1 + 1), default=0)
                if i2 <= i1 or not owner:
                    pending = []
                    break
                pending.append((owner, i1, i2 - 1, j1, j2 - 1))
            runs.extend(pending)
        for owner, first, last, new_first, new_last in runs:
            start, end = first + 1, last + 1
            if any((rel, n) in secret for n in range(start, end + 1)):
                continue
            if any(
                scrub(rel, text) != []
                for text in (*before[first:end], *after[new_first : new_last + 1])
            ):
                continue
            owners = [f for f in found if f.line == owner]
            edits = [
                e
                for e in result.edits
                if e.applied and e.line == owner and e.rule in {f.rule for f in owners}
            ]
            unsafe = any(e.applicability == "unsafe" for e in edits)
            description = "; ".join(dict.fromkeys(e.description for e in edits)) or "fix"
            for f in owners:
                out.setdefault(f.fingerprint, []).append(
                    Suggestion(
                        rel,
                        start,
                        end,
                        tuple(before[first:end]),
                        tuple(after[new_first : new_last + 1]),
                        "unsafe" if unsafe or f.fix == "unsafe" else "safe",
                        description,
                    )
                )
    return out
