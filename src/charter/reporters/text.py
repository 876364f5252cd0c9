"""Terminal report (rich): a table of profiles, the failing rules with their findings and the
profile sentence behind each, then a one-line summary.

Every text that comes from the audited repository (file names, messages, notes) goes through
:func:`charter.reporters.escape.visible`: a newline or an ESC in a file name is shown as
``\\n`` or ``\\x1b``, so it cannot start a line with a CI workflow command or drive the
terminal."""

from __future__ import annotations

import io
import os
from collections import Counter

from rich.console import Console
from rich.table import Table
from rich.text import Text

from charter.models import PROVISIONAL_BELOW, Finding, Report, RuleResult, Severity, Status
from charter.policy import PolicySet
from charter.reporters import CONFIG_HEADING, CONFIG_HINT, config_line
from charter.reporters.escape import visible

MAX_FINDINGS_PER_RULE = 20
MAX_NOTES = 10
_SEV_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
}


def _color_wanted() -> bool:
    return "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def render(
    report: Report, policies: PolicySet, *, color: bool | None = None, width: int = 110
) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=bool(color) if color is not None else False,
        no_color=not color,
        highlight=False,
        soft_wrap=True,
    )
    console.print(
        Text.assemble(
            ("charter ", "bold"),
            report.tool.version,
            f" · {visible(report.target)} · {report.files_scanned} files",
            "" if report.files_tracked is None else f" ({report.files_tracked} tracked by git)",
        )
    )
    console.print()
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for col, justify in (
        ("Profile", "left"),
        ("Score", "right"),
        ("Applicable", "right"),
        ("Passed", "right"),
        ("Failed", "right"),
        ("N/A", "right"),
        ("Not impl.", "right"),
        ("Errors", "right"),
        ("Manual", "right"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    provisional = False
    for p in report.profiles:
        shown_score = "n/a" if p.score is None else f"{p.score:.1f}"
        if p.provisional:
            shown_score += "*"
            provisional = True
        table.add_row(
            visible(p.id),
            shown_score,
            f"{p.applicable} of {p.total}",
            str(p.passed),
            str(p.failed),
            str(p.not_applicable),
            str(p.not_implemented),
            str(p.errors),
            str(len(p.manual)),
        )
    console.print(table)
    if provisional:
        console.print(
            Text(
                f"* provisional: fewer than {PROVISIONAL_BELOW} rules apply, too few for the "
                "score to mean much",
                style="dim",
            )
        )

    if report.repo_config:
        console.print()
        console.print(Text(f"{CONFIG_HEADING} ({CONFIG_HINT}):", style="bold yellow"))
        for change in report.repo_config:
            console.print(Text(f"  {config_line(change)}"))

    by_rule: dict[str, list[Finding]] = {}
    for f in report.findings:
        by_rule.setdefault(f.rule, []).append(f)
    failing = [r for r in report.rules if r.status in (Status.FAIL, Status.ERROR)]
    failing.sort(key=lambda r: (-r.severity.rank, r.id))

    def advisory(rule_id: str) -> bool:
        found = by_rule.get(rule_id, [])
        return bool(found) and all(f.advisory for f in found)

    gating = [r for r in failing if not advisory(r.id)]
    advising = [r for r in failing if advisory(r.id)]
    for title, group in (
        ("Failing rules", gating),
        (
            "Advisory: rules whose precision is medium, low or not yet measured (--strict gates on "
            "them; docs/precision.md)",
            advising,
        ),
    ):
        if not group:
            continue
        console.print()
        console.print(Text(title, style="bold"))
        for result in group:
            _print_rule(console, result, policies, report, by_rule.get(result.id, []))

    if report.notes:
        console.print()
        console.print(Text("Notes", style="bold"))
        for note in report.notes[:MAX_NOTES]:
            where = f"{visible(note.path)}:{note.line}" if note.path else "(repository)"
            console.print(Text(f"  {where} {visible(note.message)}", style="dim"))
        if len(report.notes) > MAX_NOTES:
            console.print(
                Text(f"  … {len(report.notes) - MAX_NOTES} more (use --format json)", style="dim")
            )

    console.print()
    active = report.active_findings()
    sev = Counter(f.severity for f in active)
    parts = [f"{sev[s]} {s.value}" for s in Severity if sev[s]]
    advisory_count = sum(f.advisory for f in active)
    split = f"; {len(active) - advisory_count} gating, {advisory_count} advisory" if active else ""
    console.print(
        f"{len(report.profiles)} profile(s), {len(failing)} failing rule(s), "
        f"{len(active)} finding(s)" + (f" ({', '.join(parts)}{split})" if parts else "")
    )
    return buffer.getvalue()


def _print_rule(
    console: Console,
    result: RuleResult,
    policies: PolicySet,
    report: Report,
    shown: list[Finding],
) -> None:
    """One failing rule: its id and title, the profile sentence behind it, its findings."""
    head = Text("✗ ", style="red")
    head.append(visible(result.id), style="bold")
    head.append(f" ({result.severity.value})", style=_SEV_STYLE[result.severity])
    head.append(f" {visible(result.title)}")
    if result.message:
        head.append(f" · {visible(result.message)}", style="dim")
    console.print(head)
    rule = policies.rules.get(result.id)
    audited = [p.id for p in report.profiles]
    sources = sorted(
        rule.sources if rule is not None else (),
        key=lambda s: audited.index(s.profile) if s.profile in audited else len(audited),
    )
    if sources:
        src = sources[0]
        line = f":{src.line}" if src.line else ""
        quote = f'    "{visible(src.quote)}" ({visible(src.profile)}{line})'
        console.print(Text(quote, style="italic dim"))
    for f in shown[:MAX_FINDINGS_PER_RULE]:
        where = visible(f"{f.where}:{f.column}" if f.line else f.where)
        loc = Text(f"    {where} ", style="bold")
        loc.append(visible(f.message))
        if f.suppressed:
            loc.append(" [suppressed]", style="dim")
        elif f.baselined:
            loc.append(" [baselined]", style="dim")
        console.print(loc)
        if f.related:
            also = ", ".join(
                visible(r.path if not r.line else f"{r.path}:{r.line}") for r in f.related[:5]
            )
            more = f" and {len(f.related) - 5} more" if len(f.related) > 5 else ""
            console.print(Text(f"      also at {also}{more}", style="dim"))
    if len(shown) > MAX_FINDINGS_PER_RULE:
        console.print(
            Text(
                f"    … {len(shown) - MAX_FINDINGS_PER_RULE} more (use --format json)", style="dim"
            )
        )
