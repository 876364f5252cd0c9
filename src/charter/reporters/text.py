"""Terminal report (rich): a table of profiles, the failing rules with their findings and the
profile sentence behind each, then a one-line summary."""

from __future__ import annotations

import io
import os
from collections import Counter

from rich.console import Console
from rich.table import Table
from rich.text import Text

from charter.models import Finding, Report, Severity, Status
from charter.policy import PolicySet

MAX_FINDINGS_PER_RULE = 20
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
            f" · {report.target} · {report.files_scanned} files",
        )
    )
    console.print()
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for col, justify in (
        ("Profile", "left"),
        ("Score", "right"),
        ("Passed", "right"),
        ("Failed", "right"),
        ("N/A", "right"),
        ("Not impl.", "right"),
        ("Errors", "right"),
        ("Manual", "right"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for p in report.profiles:
        table.add_row(
            p.id,
            "n/a" if p.score is None else f"{p.score:.1f}",
            str(p.passed),
            str(p.failed),
            str(p.not_applicable),
            str(p.not_implemented),
            str(p.errors),
            str(len(p.manual)),
        )
    console.print(table)

    by_rule: dict[str, list[Finding]] = {}
    for f in report.findings:
        by_rule.setdefault(f.rule, []).append(f)
    failing = [r for r in report.rules if r.status in (Status.FAIL, Status.ERROR)]
    failing.sort(key=lambda r: (-r.severity.rank, r.id))
    if failing:
        console.print()
        console.print(Text("Failing rules", style="bold"))
    for result in failing:
        head = Text("✗ ", style="red")
        head.append(result.id, style="bold")
        head.append(f" ({result.severity.value})", style=_SEV_STYLE[result.severity])
        head.append(f" {result.title}")
        if result.message:
            head.append(f" · {result.message}", style="dim")
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
            console.print(Text(f'    "{src.quote}" ({src.profile}{line})', style="italic dim"))
        shown = by_rule.get(result.id, [])
        for f in shown[:MAX_FINDINGS_PER_RULE]:
            loc = Text(f"    {f.path}:{f.line}:{f.column} ", style="bold")
            loc.append(f.message)
            if f.suppressed:
                loc.append(" [suppressed]", style="dim")
            elif f.baselined:
                loc.append(" [baselined]", style="dim")
            console.print(loc)
        if len(shown) > MAX_FINDINGS_PER_RULE:
            console.print(
                Text(f"    … {len(shown) - MAX_FINDINGS_PER_RULE} more (use --format json)",
                     style="dim")
            )

    console.print()
    active = report.active_findings()
    sev = Counter(f.severity for f in active)
    parts = [f"{sev[s]} {s.value}" for s in Severity if sev[s]]
    console.print(
        f"{len(report.profiles)} profile(s), {len(failing)} failing rule(s), "
        f"{len(active)} finding(s)" + (f" ({', '.join(parts)})" if parts else "")
    )
    return buffer.getvalue()
