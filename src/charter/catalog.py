"""The rule catalog as a Markdown table (``charter rules --format markdown``, the README)."""

from __future__ import annotations

from charter.policy import PolicySet


def rules_markdown(policies: PolicySet) -> str:
    """One row per rule, grouped by category: id, severity, measured precision (and so whether
    it gates by default), what it checks, profiles."""
    used: dict[str, list[str]] = {}
    for prof in policies.profiles.values():
        for ref in prof.rules:
            used.setdefault(ref.id, []).append(prof.id.removeprefix("backend-"))
    lines = [
        "| rule | severity | precision | checks | profiles |",
        "|---|---|---|---|---|",
    ]
    rules = sorted(policies.rules.values(), key=lambda r: (r.category, r.id))
    for rule in rules:
        mark = "" if rule.implemented else " (planned)"
        profiles = ", ".join(sorted(used.get(rule.id, []))) or "—"
        title = rule.title.replace("|", "\\|")
        precision = rule.precision.level + ("" if rule.precision.gates else " (advisory)")
        lines.append(
            f"| `{rule.id}`{mark} | {rule.severity.value} | {precision} | {title} | {profiles} |"
        )
    return "\n".join(lines) + "\n"
