"""The rule catalog as a Markdown table (``charter rules --format markdown``, the README)."""

from __future__ import annotations

from charter.policy import PolicySet


def rules_markdown(policies: PolicySet) -> str:
    """One row per rule, grouped by category: id, severity, what it checks, profiles."""
    used: dict[str, list[str]] = {}
    for prof in policies.profiles.values():
        for ref in prof.rules:
            used.setdefault(ref.id, []).append(prof.id.removeprefix("backend-"))
    lines = ["| rule | severity | checks | profiles |", "|---|---|---|---|"]
    rules = sorted(policies.rules.values(), key=lambda r: (r.category, r.id))
    for rule in rules:
        mark = "" if rule.implemented else " (planned)"
        profiles = ", ".join(sorted(used.get(rule.id, []))) or "—"
        title = rule.title.replace("|", "\\|")
        lines.append(f"| `{rule.id}`{mark} | {rule.severity.value} | {title} | {profiles} |")
    return "\n".join(lines) + "\n"
