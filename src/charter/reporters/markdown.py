"""Markdown for ``$GITHUB_STEP_SUMMARY`` and pull-request comments.

A table of profiles (score and rule counts), the gate-relevant findings ordered by severity
(at most :data:`TOP_FINDINGS`), and per profile a collapsed list of its failing rules.
"""

from __future__ import annotations

from collections import Counter

from charter.models import PROVISIONAL_BELOW, Finding, Report, Severity, Status
from charter.policy import PolicySet

TOP_FINDINGS = 20
_ICON = {
    Severity.CRITICAL: "🔴",
    Severity.HIGH: "🟠",
    Severity.MEDIUM: "🟡",
    Severity.LOW: "🔵",
}


def cell(text: str) -> str:
    """Text safe inside a table cell: pipes escaped, one line, HTML-special characters quoted."""
    flat = " ".join(text.split())
    return flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def _score(value: float | None, provisional: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1f}" + (" (provisional)" if provisional else "")


def _where(f: Finding) -> str:
    return f"`{cell(f.where)}`" if f.path else "(repository)"


def render(report: Report, policies: PolicySet) -> str:
    active = report.active_findings()
    lines = [f"## charter: {cell(report.target)}", ""]
    git = report.extra.get("git")
    if isinstance(git, dict) and git.get("commit"):
        branch = f" on `{git['branch']}`" if git.get("branch") else ""
        lines += [f"Commit `{str(git['commit'])[:12]}`{branch} · {report.files_scanned} files", ""]
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
    if advisory:
        lines += [
            "Advisory findings come from rules whose precision is medium, low or not yet "
            "measured; they never fail the default gate (`--strict` gates on them).",
            "",
        ]

    if gating:
        top = sorted(gating, key=lambda f: (-f.severity.rank, f.sort_key))[:TOP_FINDINGS]
        lines += [
            f"### Top findings ({len(top)} of {len(gating)} gating)",
            "",
            "| Severity | Rule | Location | Message |",
            "|---|---|---|---|",
        ]
        for f in top:
            lines.append(
                f"| {_ICON[f.severity]} {f.severity.value} | `{cell(f.rule)}` | {_where(f)} "
                f"| {cell(f.message)} |"
            )
        lines.append("")

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
                quote = f" — “{cell(rule.sources[0].quote)}”"
            what = "error" if r.status is Status.ERROR else f"{r.findings} finding(s)"
            if r.id in advisory_rules:
                what += ", advisory"
            lines.append(f"- `{r.id}` ({r.severity.value}, {what}) {cell(r.title)}{quote}")
        lines += ["", "</details>", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
