"""Markdown for ``$GITHUB_STEP_SUMMARY`` and pull-request comments.

A table of profiles (score and rule counts), the gate-relevant findings ordered by severity
(at most :data:`TOP_FINDINGS`), and per profile a collapsed list of its failing rules.

Text from the audited repository cannot change the page: a path or a branch name is a code
span whose fence is longer than any backtick run in it (:func:`code`), and other text keeps
its code spans but has ``<``, ``>`` and ``&`` written as entities and ``[``, ``]``, ``\\`` and
stray backticks escaped (:func:`cell`), so it can add neither HTML nor a link. Control
characters are shown as escapes (:func:`charter.reporters.escape.visible`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from charter.models import PROVISIONAL_BELOW, Applicability, Finding, Report, Severity, Status
from charter.policy import PolicySet
from charter.reporters import CONFIG_HEADING, CONFIG_HINT, fence, fix_summary
from charter.reporters.escape import visible
from charter.reporters.sarif import cap_summary

TOP_FINDINGS = 20
_ICON = {
    Severity.CRITICAL: "🔴",
    Severity.HIGH: "🟠",
    Severity.MEDIUM: "🟡",
    Severity.LOW: "🔵",
}


_BACKTICKS = re.compile(r"`+")


def code(text: str, table: bool = True) -> str:
    """An inline code span that shows ``text`` exactly: control characters as escapes, a
    fence one backtick longer than the longest run inside, padded with a space when the text
    starts or ends with a backtick or a space, and pipes escaped inside a table cell."""
    shown = visible(text)
    if table:
        shown = shown.replace("|", "\\|")
    longest = max((len(run) for run in _BACKTICKS.findall(shown)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if shown[:1] in ("`", " ") or shown[-1:] in ("`", " ") else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def _plain(text: str, table: bool) -> str:
    """Text outside code spans: no HTML (entities), no link (brackets escaped), no stray
    code span, no backslash escaping what follows."""
    out = text.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;")
    out = out.replace(">", "&gt;").replace("[", "\\[").replace("]", "\\]").replace("`", "\\`")
    return out.replace("|", "\\|") if table else out


def _closing(text: str, start: int, length: int) -> int:
    """Where the backtick run of exactly ``length`` that closes a code span begins; -1."""
    for run in _BACKTICKS.finditer(text, start):
        if len(run[0]) == length:
            return run.start()
    return -1


def cell(text: str, table: bool = True) -> str:
    """Text safe in a table cell (or, with ``table=False``, a list item): one line, its code
    spans (as CommonMark reads them) kept as code, everything else escaped (:func:`_plain`)."""
    flat = visible(" ".join(text.split()))
    out: list[str] = []
    done = pos = 0
    while (run := _BACKTICKS.search(flat, pos)) is not None:
        close = _closing(flat, run.end(), len(run[0]))
        if close < 0:  # an unmatched run is literal text
            pos = run.end()
            continue
        content = flat[run.end() : close]
        if len(content) > 2 and content[0] == content[-1] == " " and content.strip(" "):
            content = content[1:-1]
        out += [_plain(flat[done : run.start()], table), code(content, table)]
        done = pos = close + len(run[0])
    out.append(_plain(flat[done:], table))
    return "".join(out)


def _score(value: float | None, provisional: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1f}" + (" (provisional)" if provisional else "")


def _where(f: Finding) -> str:
    return code(f.where) if f.path else "(repository)"


def top_findings(report: Report) -> list[Finding]:
    """The gating findings the summary lists, most severe first (at most TOP_FINDINGS)."""
    gating = [f for f in report.active_findings() if not f.advisory]
    return sorted(gating, key=lambda f: (-f.severity.rank, f.sort_key))[:TOP_FINDINGS]


def suggestion_block(patches: Sequence[Any]) -> list[str]:
    """GitHub's ``suggestion`` blocks (a review comment offers them as a one-click commit), one
    per patch, each fenced longer than any backtick run in it."""
    out: list[str] = []
    for patch in patches:
        body = "\n".join(visible(line) for line in patch.new)
        mark = fence(body)
        where = f"{patch.path}:{patch.start}" + (
            f"-{patch.end}" if patch.end != patch.start else ""
        )
        out += [
            f"{code(where, table=False)} charter fix ({patch.applicability} fix): "
            f"{cell(patch.description, table=False)}",
            "",
            f"{mark}suggestion",
            body,
            mark,
            "",
        ]
    return out


def render(
    report: Report, policies: PolicySet, suggestions: Mapping[str, Sequence[Any]] | None = None
) -> str:
    """The Markdown summary. ``suggestions``: finding fingerprint -> its patches
    (:func:`charter.fixes.suggest.suggestions`), offered under the top findings."""
    suggestions = suggestions or {}
    active = report.active_findings()
    lines = [f"## charter: {cell(report.target)}", ""]
    git = report.extra.get("git")
    if isinstance(git, dict) and git.get("commit"):
        branch = f" on {code(str(git['branch']), table=False)}" if git.get("branch") else ""
        commit = code(str(git["commit"])[:12], table=False)
        lines += [f"Commit {commit}{branch} · {report.files_scanned} files", ""]
    else:
        lines += [f"{report.files_scanned} files", ""]
    lines += [
        "| Profile | Score | Applicable | Passed | Failed | N/A | Not impl. | Errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in report.profiles:
        lines.append(
            f"| {cell(p.id)} | {_score(p.score, p.provisional)} | {p.applicable} of {p.total} "
            f"| {p.passed} | {p.failed} | {p.not_applicable} | {p.not_implemented} | {p.errors} |"
        )
    lines.append("")
    if any(p.provisional for p in report.profiles):
        lines += [
            f"A provisional score rests on fewer than {PROVISIONAL_BELOW} applicable rules.",
            "",
        ]
    if report.repo_config:
        lines += [
            f"### {CONFIG_HEADING}",
            "",
            f"{cell(CONFIG_HINT[0].upper() + CONFIG_HINT[1:], table=False)}.",
            "",
            "| Kind | Name | Change | Source |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {c.kind} | {code(c.name)} | {cell(c.change)} | {code(c.source)} |"
            for c in report.repo_config
        ]
        lines.append("")
    by_sev = Counter(f.severity for f in active)
    summary = ", ".join(f"{by_sev[s]} {s.value}" for s in Severity if by_sev[s]) or "none"
    accepted = []
    if report.extra.get("suppressed"):
        accepted.append(f"{report.extra['suppressed']} suppressed")
    if report.extra.get("baselined"):
        accepted.append(f"{report.extra['baselined']} baselined")
    tail = f" ({', '.join(accepted)} not counted)" if accepted else ""
    advisory = [f for f in active if f.advisory]
    gating = [f for f in active if not f.advisory]
    split = f"; {len(gating)} gating, {len(advisory)} advisory" if advisory else ""
    lines += [f"**{len(active)} finding(s)**: {summary}{tail}{split}", ""]
    fixable = fix_summary(active)
    if fixable:
        lines += [cell(fixable.replace("[*]", "`[*]`", 1), table=False), ""]
    capped = cap_summary(report)
    if capped:  # the run's SARIF upload leaves findings out; this summary must not hide that
        lines += [
            f"> [!WARNING]\n> {cell(capped, table=False)}. This summary counts every finding.",
            "",
        ]
    if advisory:
        lines += [
            "Advisory findings come from rules whose precision is medium, low or not yet "
            "measured; they never fail the default gate (`--strict` gates on them).",
            "",
        ]

    if gating:
        top = top_findings(report)
        lines += [
            f"### Top findings ({len(top)} of {len(gating)} gating)",
            "",
            "| Severity | Rule | Location | Message |",
            "|---|---|---|---|",
        ]
        for f in top:
            mark = code("[*]") + " " if f.fix is Applicability.SAFE else ""
            lines.append(
                f"| {_ICON[f.severity]} {f.severity.value} | {code(f.rule)} | {_where(f)} "
                f"| {mark}{cell(f.message)} |"
            )
        lines.append("")
        offered = [p for f in top for p in suggestions.get(f.fingerprint, ())]
        if offered:
            lines += ["#### Suggested fixes (`charter fix`)", ""]
            lines += suggestion_block(offered)

    advisory_rules = {f.rule for f in advisory} - {f.rule for f in gating}
    for p in report.profiles:
        failing = [r for r in p.rules if r.status in (Status.FAIL, Status.ERROR)]
        if not failing:
            continue
        lines += [
            "<details>",
            f"<summary>{cell(p.id)}: {len(failing)} failing rule(s)</summary>",
            "",
        ]
        for r in sorted(failing, key=lambda r: (-r.severity.rank, r.id)):
            rule = policies.rules.get(r.id)
            quote = ""
            if rule is not None and rule.sources:
                quote = f" — “{cell(rule.sources[0].quote, table=False)}”"
            what = "error" if r.status is Status.ERROR else f"{r.findings} finding(s)"
            if r.id in advisory_rules:
                what += ", advisory"
            lines.append(
                f"- {code(r.id, table=False)} ({r.severity.value}, {what}) "
                f"{cell(r.title, table=False)}{quote}"
            )
        lines += ["", "</details>", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
