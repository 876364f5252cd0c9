"""The rule catalog as a Markdown table (``charter rules --format markdown``, the README), and
one docs page per rule (``docs/rules/<id>.md``, the SARIF ``helpUri``)."""

from __future__ import annotations

import json
import re

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


# --- one docs page per rule (docs/rules/<id>.md, ``python scripts/gen_rule_docs.py``) ----------

#: where the generated pages live, from the repository root
RULE_DOCS_DIR = "docs/rules"
_GENERATED = (
    "<!-- generated from policies/rules/{id}.yaml by `python scripts/gen_rule_docs.py`; "
    "do not edit -->"
)


def _fence(text: str, lang: str = "") -> list[str]:
    """``text`` as a fenced code block whose fence no line of it can close."""
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{lang}", text.rstrip("\n"), fence]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


#: what each repository condition (``applies_if``) asks, for the rule pages
CONDITION_DOCS = {
    "agent-workspace": "Only where an AI coding agent works: a `.claude/` or `.project/` folder "
    "is committed.",
    "profile-agent": "Only where the profile's own agent works: its `.claude/agents/` file, "
    "`.claude/tasks/` or `.project/`.",
    "orchestrated-service": "Only where the repository deploys to an orchestrator (Kubernetes "
    "manifests, kustomize, Helm, Nomad, ECS).",
    "not-example": "Not on example code: a repository whose README calls itself an example, "
    "sample or demo application, the companion code of a tutorial or book, or a fictional "
    "team's work (`example-repository` in the configuration decides instead; see "
    "[docs/ci.md](../ci.md#example-code)).",
}


def rule_page(policies: PolicySet, rule_id: str) -> str:
    """The Markdown page of one rule, from its YAML only (the same input gives the same page):
    what, why, example, fix, autofix, parameters, profiles, precision, scope, sources,
    references."""
    from charter.reporters.sarif import SECURITY_SEVERITY  # late: reporters import policy

    rule = policies.rules[rule_id]
    lines = [_GENERATED.format(id=rule.id), "", f"# `{rule.id}`: {rule.title}", ""]
    facts = [
        ("severity", rule.severity.value),
        ("category", rule.category),
        ("implemented", "yes" if rule.implemented else "no (planned)"),
        (
            "precision",
            rule.precision.level
            + (" (gates by default)" if rule.precision.gates else " (advisory by default)"),
        ),
        ("scope", ", ".join(rule.scope)),
    ]
    if rule.security:
        facts.append(
            ("security", f"yes (SARIF security-severity {SECURITY_SEVERITY[rule.severity]})")
        )
    lines += ["| | |", "|---|---|"] + [f"| {k} | {_cell(v)} |" for k, v in facts] + [""]
    lines += ["## What it does", "", rule.docs.what.strip(), ""]
    lines += ["## Why is this bad?", "", rule.docs.why.strip(), ""]
    if rule.docs.example:
        lines += ["## Example", "", *_fence(rule.docs.example), ""]
    if rule.docs.fix:
        lines += ["## Use instead", "", *_fence(rule.docs.fix), ""]
    if rule.autofix is not None:
        lines += [
            "## Fix",
            "",
            f"Applicability: **{rule.autofix.applicability}** (`charter fix`; "
            "[how fixes work](../fix.md)). " + rule.autofix.summary.strip(),
            "",
        ]
    lines += ["## When it does not apply", "", rule.applicability.strip(), ""]
    for condition in rule.applies_if:
        lines += [f"- {CONDITION_DOCS[condition]}"]
    if rule.applies_if:
        lines.append("")
    lines += ["## Parameters", ""]
    if rule.params:
        lines += ["| parameter | default |", "|---|---|"]
        lines += [
            f"| `{name}` | `{_cell(json.dumps(value, ensure_ascii=False, default=str))}` |"
            for name, value in sorted(rule.params.items())
        ]
        lines += ["", "A profile or `[tool.charter]` can override them."]
    else:
        lines += ["None."]
    lines += ["", "## Profiles", ""]
    rows: list[str] = []
    for prof in sorted(policies.profiles.values(), key=lambda p: p.id):
        for ref in prof.rules:
            if ref.id != rule.id:
                continue
            overrides = []
            if ref.severity is not None and ref.severity is not rule.severity:
                overrides.append(f"severity {ref.severity.value}")
            if ref.params:
                overrides += [
                    f"`{k}: {json.dumps(v, ensure_ascii=False, default=str)}`"
                    for k, v in sorted(ref.params.items())
                ]
            if ref.scope is not None:
                overrides.append(f"scope {', '.join(ref.scope)}")
            rows.append(f"| `{prof.id}` | {_cell('; '.join(overrides)) or '—'} |")
    lines += (["| profile | overrides |", "|---|---|", *rows] if rows else ["In no profile."])
    lines += ["", "## Precision", ""]
    p = rule.precision
    if p.measured is not None:
        lines.append(
            f"Class **{p.level}**: {p.measured:.0%} of {p.labelled} labelled findings right "
            f"({p.basis}); see [precision](../precision.md)."
        )
    else:
        lines.append(f"Class **{p.level}** ({p.basis}).")
    lines.append(
        "Only very-high and high rules fail the default gate; the others are advisory "
        "unless `--strict`."
    )
    lines += ["", "## Profile sentences", ""]
    lines += [
        f"- {s.profile}{f' (line {s.line})' if s.line else ''}: “{' '.join(s.quote.split())}”"
        for s in rule.sources
    ] or [NO_SOURCE]
    if rule.docs.references:
        lines += ["", "## References", ""]
        lines += [f"- {' '.join(r.split())}" for r in rule.docs.references]
    lines += ["", f"Source: [policies/rules/{rule.id}.yaml](../../policies/rules/{rule.id}.yaml)"]
    return "\n".join(lines) + "\n"


#: what a rule page says when no built-in profile states the rule
NO_SOURCE = (
    "No built-in profile states it. A profile imported with `charter profile import` (or a "
    "repository's own, with `--repo-profiles`) applies it when one of its sentences matches "
    "the rule's `matches` patterns."
)


def rule_pages(policies: PolicySet) -> dict[str, str]:
    """Every page of ``docs/rules/`` by file name: one per rule and an index (README.md)."""
    pages = {f"{rule_id}.md": rule_page(policies, rule_id) for rule_id in sorted(policies.rules)}
    index = [
        "<!-- generated by `python scripts/gen_rule_docs.py`; do not edit -->",
        "",
        "# Rules",
        "",
        "One page per rule, generated from `policies/rules/<id>.yaml`; SARIF `helpUri` links "
        "here. Regenerate with `python scripts/gen_rule_docs.py` (a test fails when a page is "
        "stale).",
        "",
        "| rule | severity | precision | checks |",
        "|---|---|---|---|",
    ]
    for rule in sorted(policies.rules.values(), key=lambda r: (r.category, r.id)):
        index.append(
            f"| [`{rule.id}`]({rule.id}.md) | {rule.severity.value} | {rule.precision.level} "
            f"| {_cell(rule.title)} |"
        )
    pages["README.md"] = "\n".join(index) + "\n"
    return pages
