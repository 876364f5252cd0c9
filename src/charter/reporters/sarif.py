"""SARIF 2.1.0 for GitHub code scanning (``github/codeql-action/upload-sarif``) and other viewers.

One ``reportingDescriptor`` per rule that ran, carrying the rule's docs (help text and Markdown),
a ``helpUri``, its default level, and the profile sentences it encodes under ``properties``. One
result per finding with its real location (a repository-level finding is anchored on the file
the analyzer named as its proof), ``partialFingerprints`` from the finding's stable fingerprint,
``suppressions`` for suppressed findings (with the justification) and ``baselineState`` when a
baseline was applied.

``artifactLocation.uri`` is a relative URI reference from the root of the git repository the
audited folder is in (``services/api/app.py`` when ``services/api`` was audited: GitHub code
scanning reads paths from the repository root), or from the audited folder outside git; the
path is percent-encoded (a space, ``#``, ``%``, ``?``, ``:`` or a non-ASCII letter in a file name
would otherwise make it a different URI, or no URI at all).

A run stays within GitHub code scanning's documented limits: at most :data:`MAX_RESULTS`
results per run and :data:`MAX_RESULTS_PER_RULE` per rule (GitHub shows only the top 5,000 of a
run, so one noisy rule must not crowd the others out), active findings before suppressed or
baselined ones, then the highest severity, then the report's order; :data:`MAX_RELATED`
related locations per result and :data:`MAX_TAGS` tags per rule. A capped run says so in
``invocations[0].toolExecutionNotifications`` (a warning for the run and one per capped rule,
with the counts kept and dropped) and in ``properties.capped``. Only SARIF is capped: the JSON,
text, Markdown, JUnit and GitHub formats carry every finding.

Result messages show control characters as escapes
(:func:`charter.reporters.escape.visible`), and the whole log is written with no raw control
character in it (:func:`charter.reporters.escape.json_safe`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from charter.errors import CharterError
from charter.models import Finding, Report, RuleResult, Severity, Status
from charter.policy import PolicySet, Rule, builtin_policy_dir
from charter.reporters.escape import json_safe, visible

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
#: a built-in rule's page (``docs/rules/<id>.md``, generated from its YAML by
#: ``python scripts/gen_rule_docs.py``), when the rule names none (``help_uri`` in its YAML)
RULES_URL = "https://github.com/charter-dev/charter/blob/main/docs/rules/{id}.md"
INFORMATION_URI = "https://github.com/charter-dev/charter"
FINGERPRINT_KEY = "charter/v1"

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
}
#: GitHub's security-severity scale, used for security rules only
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
}

#: GitHub code scanning rejects a run with more results than this
MAX_RESULTS = 25_000
#: GitHub shows only the top 5,000 results of a run: no rule takes more than this
MAX_RESULTS_PER_RULE = 5_000
#: GitHub stores at most 100 locations of a result
MAX_RELATED = 100
#: GitHub keeps at most 10 tags of a rule (and rejects more than 20)
MAX_TAGS = 10


def _builtin(policies: PolicySet, rule_id: str) -> bool:
    """Whether ``rule_id`` is charter's own rule (so ``docs/rules/<id>.md`` documents it)."""
    try:
        builtin = builtin_policy_dir()
    except CharterError:
        return False
    origin = policies.origins.get(f"rule:{rule_id}")
    if origin is None:
        return (builtin / "rules" / f"{rule_id}.yaml").is_file()
    return origin.parent.parent == builtin


def help_uri(rule: Rule | None, rule_id: str, builtin: bool = True) -> str | None:
    """The rule's own ``help_uri``, else its page in charter's docs when it is a built-in
    rule, else None (a rule of the user's policies that names no page)."""
    if rule is not None and rule.help_uri:
        return rule.help_uri
    return RULES_URL.format(id=rule_id) if builtin else None


def _help_markdown(rule: Rule) -> str:
    parts = [f"**{rule.title}**", "", "### What it does", rule.docs.what.strip()]
    parts += ["", "### Why is this bad?", rule.docs.why.strip()]
    if rule.docs.example:
        parts += ["", "### Example", "```", rule.docs.example.rstrip(), "```"]
    if rule.docs.fix:
        parts += ["", "### Use instead", "```", rule.docs.fix.rstrip(), "```"]
    if rule.sources:
        parts += ["", "### Profile sentences"]
        parts += [
            f"- {s.profile}{f' (line {s.line})' if s.line else ''}: “{s.quote}”"
            for s in rule.sources
        ]
    if rule.docs.references:
        parts += ["", "### References"] + [f"- {r}" for r in rule.docs.references]
    return "\n".join(parts)


def _help_text(rule: Rule) -> str:
    text = f"{rule.docs.what.strip()}\n\nWhy: {rule.docs.why.strip()}"
    if rule.docs.fix:
        text += f"\n\nFix:\n{rule.docs.fix.rstrip()}"
    return text


def _tags(rule: Rule | None, profiles: list[str]) -> list[str]:
    """``security`` (what GitHub filters on) and the category first, then the profiles, at
    most :data:`MAX_TAGS`; the full list of profiles is in ``properties.profiles``."""
    first = (["security"] if rule is not None and rule.security else []) + [
        rule.category if rule else "general"
    ]
    rest = sorted(set(profiles) - set(first))
    return sorted([*first, *rest][:MAX_TAGS])


def _descriptor(
    result: RuleResult, rule: Rule | None, profiles: list[str], builtin: bool
) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "tags": _tags(rule, profiles),
        "severity": result.severity.value,
        "profiles": profiles,
    }
    if rule is not None:
        # CodeQL's property: very-high, high, medium or low (measured on the ecosystem set);
        # "unmeasured" for a rule that never fired there
        properties["precision"] = rule.precision.level
        if rule.precision.measured is not None:
            properties["precision-measured"] = rule.precision.measured
            properties["precision-labelled"] = rule.precision.labelled
        properties["gates-by-default"] = rule.precision.gates
    descriptor: dict[str, Any] = {
        "id": result.id,
        "name": "".join(part.capitalize() for part in result.id.split("-")),
        "shortDescription": {"text": result.title},
        "defaultConfiguration": {"level": LEVELS[result.severity]},
        "properties": properties,
    }
    uri = help_uri(rule, result.id, builtin)
    if uri is not None:
        descriptor["helpUri"] = uri
    if rule is not None:
        descriptor["fullDescription"] = {"text": rule.docs.what.strip()}
        descriptor["help"] = {"text": _help_text(rule), "markdown": _help_markdown(rule)}
        properties["sources"] = [s.model_dump(mode="json", exclude_none=True) for s in rule.sources]
        if rule.security:
            properties["security-severity"] = SECURITY_SEVERITY[result.severity]
    return descriptor


def artifact_uri(path: str) -> str:
    """A report path (relative, POSIX) as a relative URI reference: every byte of its UTF-8
    form outside the unreserved characters and ``/`` percent-encoded, so that ``:`` cannot
    read as a scheme, ``#`` and ``?`` as a fragment or query, and ``%`` as an escape.
    The repository itself is ``.``."""
    if not path:
        return "."
    return quote(path.encode("utf-8", "surrogatepass"), safe="/")


def root_prefix(report: Report) -> str:
    """The audited folder's path from the root of its git repository (``services/api/``),
    ``""`` when it is that root or not in a repository."""
    git = report.extra.get("git")
    prefix = git.get("prefix") if isinstance(git, dict) else None
    if not isinstance(prefix, str) or not prefix.strip("/"):
        return ""
    return prefix.strip("/") + "/"


def _location(
    path: str, line: int, finding: Finding | None = None, prefix: str = ""
) -> dict[str, Any]:
    """A physical location; without a region when there is no line (a file to create, the
    repository as a whole: SARIF allows a location without a region)."""
    where = f"{prefix}{path}" if path else prefix.rstrip("/")
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": artifact_uri(where), "uriBaseId": "%SRCROOT%"}
    }
    if line > 0:
        region: dict[str, Any] = {"startLine": line}
        if finding is not None:
            region["startColumn"] = max(finding.column, 1)
            if finding.end_line is not None and finding.end_line >= finding.line:
                region["endLine"] = finding.end_line
                if finding.end_column is not None and (
                    finding.end_line > finding.line or finding.end_column > finding.column
                ):
                    region["endColumn"] = finding.end_column
        physical["region"] = region
    return {"physicalLocation": physical}


def _fixes(suggested: Sequence[Any], prefix: str) -> list[dict[str, Any]]:
    """SARIF ``fixes``: each patch replaces whole lines (a region without columns runs from
    the start of ``startLine`` to the end of ``endLine``, its line break kept)."""
    return [
        {
            "description": {
                "text": visible(f"charter fix ({s.applicability} fix): {s.description}")
            },
            "artifactChanges": [
                {
                    "artifactLocation": {
                        "uri": artifact_uri(f"{prefix}{s.path}"),
                        "uriBaseId": "%SRCROOT%",
                    },
                    "replacements": [
                        {
                            "deletedRegion": {"startLine": s.start, "endLine": s.end},
                            "insertedContent": {"text": "\n".join(s.new)},
                        }
                    ],
                }
            ],
        }
        for s in suggested
    ]


def _result(
    finding: Finding,
    index: int,
    baseline_used: bool,
    prefix: str,
    suggested: Sequence[Any] = (),
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": "note" if finding.advisory else LEVELS[finding.severity],
        "message": {"text": visible(finding.message, keep="\n")},
        "locations": [_location(finding.path, finding.line, finding, prefix)],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {"severity": finding.severity.value, "advisory": finding.advisory},
    }
    if finding.related:
        result["relatedLocations"] = [
            {"id": i, **_location(r.path, r.line, prefix=prefix)}
            for i, r in enumerate(finding.related[:MAX_RELATED], 1)
        ]
        if len(finding.related) > MAX_RELATED:
            result["properties"]["related-dropped"] = len(finding.related) - MAX_RELATED
    if finding.suppressed:
        suppression: dict[str, Any] = {"kind": "inSource", "status": "accepted"}
        if finding.suppression_reason:
            suppression["justification"] = visible(finding.suppression_reason)
        result["suppressions"] = [suppression]
    if baseline_used:
        result["baselineState"] = "unchanged" if finding.baselined else "new"
    if finding.fix is not None:
        result["properties"]["fix"] = finding.fix.value
    if suggested:
        result["fixes"] = _fixes(suggested, prefix)
    return result


def _capped(findings: tuple[Finding, ...]) -> tuple[list[Finding], dict[str, tuple[int, int]]]:
    """The findings a run keeps (in the report's order) and, for each rule that lost some,
    (kept, dropped). Kept first: active findings before suppressed or baselined ones, then
    the highest severity, then the report's order."""
    if len(findings) <= MAX_RESULTS_PER_RULE:
        return list(findings), {}
    order = sorted(
        range(len(findings)),
        key=lambda i: (
            findings[i].suppressed or findings[i].baselined,
            -findings[i].severity.rank,
            i,
        ),
    )
    per_rule: Counter[str] = Counter()
    total: Counter[str] = Counter(f.rule for f in findings)
    keep: list[int] = []
    for i in order:
        rule = findings[i].rule
        if len(keep) < MAX_RESULTS and per_rule[rule] < MAX_RESULTS_PER_RULE:
            per_rule[rule] += 1
            keep.append(i)
    kept = [findings[i] for i in sorted(keep)]
    lost = {
        rule: (per_rule[rule], count - per_rule[rule])
        for rule, count in sorted(total.items())
        if count > per_rule[rule]
    }
    return kept, lost


def _cap_notifications(
    total: int, kept: int, lost: dict[str, tuple[int, int]], index: dict[str, int]
) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = [
        {
            "level": "warning",
            "message": {
                "text": (
                    f"results capped: {kept:,} of {total:,} findings written, "
                    f"{total - kept:,} dropped (GitHub code scanning takes at most "
                    f"{MAX_RESULTS:,} results per run; charter keeps at most "
                    f"{MAX_RESULTS_PER_RULE:,} per rule, the highest severity first). "
                    "The JSON and text reports list every finding."
                )
            },
            "properties": {"kept": kept, "dropped": total - kept},
        }
    ]
    for rule, (k, d) in lost.items():
        notes.append(
            {
                "level": "warning",
                "message": {
                    "text": f"rule {visible(rule)}: {k:,} of {k + d:,} findings written, "
                    f"{d:,} dropped"
                },
                "associatedRule": {"id": rule, "index": index[rule]},
                "properties": {"kept": k, "dropped": d},
            }
        )
    return notes


def cap_summary(report: Report) -> str | None:
    """One line saying what SARIF leaves out of ``report`` for GitHub's limits, or None when it
    writes every finding: for a caller that writes SARIF and tells the user on stderr or in
    another format (the text, JSON and Markdown reports are never capped)."""
    kept, lost = _capped(report.findings)
    if not lost:
        return None
    rules = ", ".join(f"{visible(rule)} {d:,}" for rule, (_, d) in lost.items())
    return (
        f"SARIF capped for GitHub code scanning: {len(kept):,} of {len(report.findings):,} "
        f"findings written; dropped by rule: {rules}"
    )


def build(
    report: Report, policies: PolicySet, suggestions: Mapping[str, Sequence[Any]] | None = None
) -> dict[str, Any]:
    """The SARIF log as a dict (what :func:`render` serialises). ``suggestions``: finding
    fingerprint -> its patches (:func:`charter.fixes.suggest.suggestions`), written as the
    result's ``fixes``."""
    suggestions = suggestions or {}
    in_profiles: dict[str, list[str]] = {}
    for profile in report.profiles:
        for row in profile.rules:
            in_profiles.setdefault(row.id, []).append(profile.id)
    results_by_id: dict[str, RuleResult] = {}
    for r in report.rules:
        if r.id not in results_by_id or r.severity.rank > results_by_id[r.id].severity.rank:
            results_by_id[r.id] = r
    for f in report.findings:  # a finding of a rule the report does not list still needs one
        if f.rule not in results_by_id:
            results_by_id[f.rule] = RuleResult(
                id=f.rule, title=f.rule, severity=f.severity, status=Status.FAIL
            )
    ids = sorted(results_by_id)
    index = {rule_id: i for i, rule_id in enumerate(ids)}
    descriptors = [
        _descriptor(
            results_by_id[i],
            policies.rules.get(i),
            sorted(set(in_profiles.get(i, []))),
            _builtin(policies, i),
        )
        for i in ids
    ]
    baseline_used = "baseline_file" in report.extra
    prefix = root_prefix(report)
    findings, lost = _capped(report.findings)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "informationUri": INFORMATION_URI,
                "rules": descriptors,
            }
        },
        "automationDetails": {"id": "charter/"},
        "originalUriBaseIds": {
            "%SRCROOT%": {
                "description": {
                    "text": "the root of the git repository the audited folder is in"
                    if "git" in report.extra
                    else "the audited folder"
                }
            }
        },
        "results": [
            _result(f, index[f.rule], baseline_used, prefix, suggestions.get(f.fingerprint, ()))
            for f in findings
        ],
        "properties": {
            "target": report.target,
            "profiles": [{"id": p.id, "title": p.title, "score": p.score} for p in report.profiles],
            # what the audited repository's own configuration changed; empty when none
            "repo-config": [c.model_dump(mode="json") for c in report.repo_config],
        },
    }
    if prefix:
        run["properties"]["target-prefix"] = prefix
    if lost:
        run["invocations"] = [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": _cap_notifications(
                    len(report.findings), len(findings), lost, index
                ),
            }
        ]
        run["properties"]["capped"] = {
            "results": len(report.findings),
            "kept": len(findings),
            "rules": {rule: {"kept": k, "dropped": d} for rule, (k, d) in lost.items()},
        }
    git = report.extra.get("git")
    if isinstance(git, dict) and git.get("commit"):
        run["properties"]["git"] = git
        if git.get("remote"):
            provenance: dict[str, Any] = {
                "repositoryUri": git["remote"],
                "revisionId": git["commit"],
            }
            if git.get("branch"):
                provenance["branch"] = git["branch"]
            run["versionControlProvenance"] = [provenance]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def failed_run(message: str, version: str) -> dict[str, Any]:
    """A SARIF log for an audit that could not run, so an upload step still has a file."""
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "charter", "version": version, "rules": []}},
                "invocations": [
                    {
                        "executionSuccessful": False,
                        "toolExecutionNotifications": [
                            {"level": "error", "message": {"text": visible(message)}}
                        ],
                    }
                ],
                "results": [],
            }
        ],
    }


def render(
    report: Report, policies: PolicySet, suggestions: Mapping[str, Sequence[Any]] | None = None
) -> str:
    log = build(report, policies, suggestions)
    return json_safe(json.dumps(log, indent=2, ensure_ascii=False)) + "\n"
